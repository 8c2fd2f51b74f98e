"""Health check: the database (and Redis when configured) must answer."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from app.errors import AppError
from app.extensions import db

log = logging.getLogger("diandian.health")


class Unhealthy(AppError):
    status_code, code = 503, "service_unavailable"


def check() -> None:
    """:raise Unhealthy: a backing service did not answer."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        redis = current_app.extensions.get("redis")
        if redis is not None:
            redis.ping()
    except Exception as exc:
        db.session.rollback()
        log.error("health check failed: %s", type(exc).__name__)
        raise Unhealthy() from None
