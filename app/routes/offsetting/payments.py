"""WeChat Pay notifications (contract endpoint 10): verified on the raw body, answered as WeChat expects."""
from flask import Blueprint, request

from app.errors import error_shape
from app.services.offsetting import payments

bp = Blueprint("payments", __name__, url_prefix="/api/v1/pay")


@bp.post("/wechat/notify")
@error_shape("wechat")
def wechat_notify():
    """Transaction notification. 204 when handled (duplicates too); otherwise 4xx/5xx in WeChat's format
    {"code": "FAIL", "message": <our error code>}, which it reads to retry (503 while the database is away)."""
    payments.handle_notification(request.headers, request.get_data(cache=False))
    return "", 204
