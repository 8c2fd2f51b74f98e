"""The printed link `/s/<code>?d=<door>` opened outside WeChat: a page that says what it is."""
from flask import Blueprint, render_template, request

from app.errors import NotFound, error_shape
from app.i18n import language, pick, translate
from app.services.guest import scenarios

bp = Blueprint("links", __name__)


@bp.get("/s/<code>")
@error_shape("html")
def landing(code: str):
    """Web fallback of a poster's QR code (WeChat opens the mini-program instead)."""
    lang = language()
    door = request.args.get("d")
    try:
        scenario = scenarios.get_scenario(code)
    except NotFound:
        return render_template("link.html", scenario=None, title=translate("Diandian", lang)), 404
    title = pick(scenario.title, scenario.title_en, lang)
    venue = pick(scenario.venue, scenario.venue_en, lang)
    city = pick(scenario.city, scenario.city_en, lang)
    return render_template("link.html", scenario=scenario, title=title, venue=venue, city=city,
                           door=door, open=scenario.is_open())
