"""Liveness with a database round trip."""
from flask import Blueprint

from app.services.ops.health import check

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 {"status": "ok"} when the service and its database answer."""
    check()
    return {"status": "ok"}
