"""Blueprints, one per resource. Views only parse, call one service and serialise."""
from flask import Flask

from app.routes import (
    auth, certificates, console, dashboard, deeplinks, events, factor_sets, footprints, health, leaderboards, links,
    me, orders, pages, payments, payouts, places, preview, projects, registry, scenarios, staff,
)

BLUEPRINTS = (
    health.bp,
    auth.bp,
    deeplinks.bp,
    scenarios.bp,
    places.bp,
    footprints.bp,
    factor_sets.bp,
    links.bp,
    projects.bp,
    orders.bp,
    payments.bp,
    certificates.bp,
    leaderboards.bp,
    me.bp,
    pages.bp,
    registry.bp,
    preview.bp,
    staff.bp,
    dashboard.bp,
    events.bp,
    payouts.bp,
    console.bp,
)


def register_blueprints(app: Flask) -> None:
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    if app.config["SANDBOX"]:
        from app.routes import sandbox
        from app.sandbox import wechatpay

        app.register_blueprint(sandbox.bp)
        app.register_blueprint(wechatpay.bp)
