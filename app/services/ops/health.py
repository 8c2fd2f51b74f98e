"""Health check: the database (and Redis when configured) must answer."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from app.errors import ServiceUnavailable
from app.extensions import db

log = logging.getLogger("diandian.health")


class Unhealthy(ServiceUnavailable):
    """503 `service_unavailable` with Retry-After, like every request while the database is away."""


def check() -> None:
    """:raise Unhealthy: a backing service did not answer."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        redis = current_app.extensions.get("redis")
        if redis is not None:
            redis.ping()
    except Exception as exc:  # the error handler rolls the session back (app.errors)
        log.warning("health check failed: %s", type(exc).__name__)
        raise Unhealthy() from None
