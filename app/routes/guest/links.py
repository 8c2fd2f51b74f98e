"""The printed link `/s/<code>?d=<door>` opened outside WeChat: a page that says what it is."""
from flask import Blueprint, render_template, request

from app.errors import NotFound, error_shape
from app.i18n import language
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
        return render_template("link.html", scenario=None, lang=lang, title="点点碳中和"), 404
    title = (scenario.title_en if lang == "en" and scenario.title_en else scenario.title)
    venue = (scenario.venue_en if lang == "en" and scenario.venue_en else scenario.venue)
    city = (scenario.city_en if lang == "en" and scenario.city_en else scenario.city)
    return render_template("link.html", scenario=scenario, lang=lang, title=title, venue=venue, city=city,
                           door=door, open=scenario.is_open())
