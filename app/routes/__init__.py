"""Blueprints, one per resource, grouped like the services: guest/, offsetting/, console/, ops/.

Views only parse (app.schemas), call one service and dump; staff views authenticate with
app.auth.staff_required.
"""
from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

from app.routes.console import (
    assignments,
    dashboard,
    doors,
    events,
    payouts,
    posters,
    staff,
)
from app.routes.console import (
    page as console_page,
)
from app.routes.console import (
    scenarios as console_scenarios,
)
from app.routes.guest import auth, deeplinks, factor_sets, footprints, links, me, places, preview, scenarios
from app.routes.helpers import register_security_headers
from app.routes.offsetting import certificates, leaderboards, orders, pages, payments, projects, registry
from app.routes.ops import health, openapi
from app.schemas.common import MAX_ROW_ID

BLUEPRINTS = (
    health.bp, openapi.bp,
    # the guest journey
    auth.bp, deeplinks.bp, scenarios.bp, places.bp, footprints.bp, factor_sets.bp, links.bp, me.bp, preview.bp,
    # offsetting, money and public proof
    projects.bp, orders.bp, payments.bp, certificates.bp, leaderboards.bp, pages.bp, registry.bp,
    # the staff console
    staff.bp, console_scenarios.bp, doors.bp, assignments.bp, posters.bp, dashboard.bp, events.bp, payouts.bp,
    console_page.bp,
)


class RowIdConverter(IntegerConverter):
    """`<int:...>`: 0 to MAX_ROW_ID (ids are INTEGER columns); a larger number names nothing: 404, never a
    database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """`<...>` and `<string:...>`: a path segment without NUL (which no PostgreSQL text can hold)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def install_converters(app: Flask) -> None:
    """Before any rule is added (the sandbox's too): rules compile their converters when registered."""
    app.url_map.converters.update(int=RowIdConverter, default=TextConverter, string=TextConverter)


def register_blueprints(app: Flask) -> None:
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    if app.config["SANDBOX"]:
        from app.routes.ops import sandbox

        app.register_blueprint(sandbox.bp)
    register_security_headers(app)
