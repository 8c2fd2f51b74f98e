"""The staff web console: one page, a plain client of the staff API (session cookie + CSRF token).

The server sends only the shell (app/templates/console.html); app/static/console/*.js draws everything
from the staff API under /api/v1/staff, signed in with the session cookie and echoing the session's
CSRF token on every state-changing call. Like the guest preview, the Content-Security-Policy allows
nothing from outside the service, and no inline scripts or styles.
"""
from __future__ import annotations

from flask import Blueprint

from app.errors import error_shape
from app.routes.helpers import script_page

bp = Blueprint("console", __name__)


@bp.get("/console")
@error_shape("html")
def index():
    """The console shell for admins, organisers, venue staff and project owners."""
    return script_page("console.html")
