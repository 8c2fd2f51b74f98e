"""The guest preview: a web page at `/` that walks the mini-program's journey against the JSON API.

The page is a plain client of the API (ES modules under app/static/preview/, served by Flask's static
route with `Cache-Control: no-cache`, so an edited module is never mixed with a stale one); the server
only sends the shell. The Content-Security-Policy keeps it honest: no external resources, no inline
scripts or styles.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, render_template, request

bp = Blueprint("preview", __name__)


def _image_origin() -> str:
    """Certificate images come from PUBLIC_BASE_URL, which may be another origin than the page's."""
    parts = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


@bp.get("/")
def index():
    """The guest preview page: scan, sign in, calculate, neutralise, certificate (Chinese or English)."""
    lang = "en" if request.args.get("lang") == "en" else "zh"
    response = make_response(render_template("preview.html", lang=lang,
                                             sandbox=bool(current_app.config.get("SANDBOX"))))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' {_image_origin()}".rstrip() + "; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
