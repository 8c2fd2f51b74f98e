"""Blueprints, one per resource, grouped like the services: guest/, offsetting/, console/, ops/.

Views only parse (app.schemas), call one service and dump; staff views authenticate with
app.auth.staff_required.
"""
from flask import Flask
from werkzeug.routing import IntegerConverter

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
from app.routes.offsetting import certificates, leaderboards, orders, pages, payments, projects, registry
from app.routes.ops import health, openapi

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


MAX_PATH_INT = 2**31 - 1  # the ids' column type, INTEGER, on PostgreSQL (SQLite's holds 2**63 - 1)


class BoundedInt(IntegerConverter):
    """`<int:...>` up to an INTEGER column's largest value: a larger number in a path is no route (404), never
    an overflow in the database (a 500 schemathesis found)."""

    def __init__(self, map, *args, max: int = MAX_PATH_INT, **kwargs):
        super().__init__(map, *args, max=max, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    if app.config["SANDBOX"]:
        from app.routes.ops import sandbox

        app.register_blueprint(sandbox.bp)
