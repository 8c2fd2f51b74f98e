"""The printed link `/s/<code>?d=<door>` opened outside WeChat: a page that says what it is, with the QR code
of that link to scan with WeChat (the same code as on the poster's web fallback)."""
import io

from flask import Blueprint, Response, render_template, request

from app import urls
from app.domain.deeplinks import TAG_RE
from app.errors import NotFound, error_shape
from app.i18n import language, pick_text, translate
from app.rendering.qr import qr_image
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
    title = pick_text(scenario.texts_of("title"), lang)
    venue = pick_text(scenario.texts_of("venue"), lang)
    city = pick_text(scenario.texts_of("city"), lang)
    door = door if door and TAG_RE.fullmatch(door) else None
    label = next((d.label for d in scenario.doors if d.tag == door), None) if door else None
    return render_template("link.html", scenario=scenario, title=title, venue=venue, city=city,
                           door=door, door_label=label or door, open=scenario.is_open())


@bp.get("/s/<code>/qr.png")
def qr(code: str):
    """The QR code of the printed link `/s/<code>?d=<door>` (what the poster prints): for the link page and the
    guest preview's cards. Small (a few ms to draw) and cached by browsers; an unknown code or a bad door tag
    is a 404 in the error envelope (an image's errors are JSON, like the certificate picture's)."""
    door = request.args.get("d")
    if door is not None and not TAG_RE.fullmatch(door):
        raise NotFound()
    scenarios.get_scenario(code, totals=False)  # :raise ScenarioNotFound:
    out = io.BytesIO()
    qr_image(urls.printed_link(code, door), 264, level="M").save(out, "PNG", optimize=True)
    return Response(out.getvalue(), mimetype="image/png", headers={"Cache-Control": "public, max-age=3600"})
