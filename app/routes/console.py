"""The staff web console: one page, a plain client of the staff API (session cookie + CSRF token).

The server sends only the shell (app/templates/console.html); app/static/console/*.js draws everything
from the staff API under /api/v1/staff, signed in with the session cookie and echoing the session's
CSRF token on every state-changing call. Like the guest preview, the Content-Security-Policy allows
nothing from outside the service, and no inline scripts or styles.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, render_template

bp = Blueprint("console", __name__)


def _image_origin() -> str:
    """Certificate images carry PUBLIC_BASE_URL, which may be another origin than the console's."""
    parts = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


@bp.get("/console")
def index():
    """The console shell for admins, organisers, venue staff and project owners."""
    response = make_response(render_template("console.html", sandbox=bool(current_app.config.get("SANDBOX"))))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' {_image_origin()}".rstrip() + "; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
