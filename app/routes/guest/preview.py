"""The guest preview: a web page at `/` that walks the mini-program's journey against the JSON API.

The page is a plain client of the API (ES modules under app/static/preview/, served by Flask's static
route with `Cache-Control: no-cache`, so an edited module is never mixed with a stale one); the server
only sends the shell. The Content-Security-Policy keeps it honest: no external resources, no inline
scripts or styles.
"""
from __future__ import annotations

from flask import Blueprint, request

from app.errors import error_shape
from app.i18n import html_lang, normalise
from app.routes.helpers import script_page

bp = Blueprint("preview", __name__)


@bp.get("/")
@error_shape("html")
def index():
    """The guest preview page: scan, sign in, calculate, neutralise, certificate (`?lang=`, six languages)."""
    return script_page("preview.html", lang=(lang := normalise(request.args.get("lang")) or "zh"),
                       html_lang=html_lang(lang))
