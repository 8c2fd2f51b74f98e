"""WeChat Pay notifications (contract endpoint 10): verified on the raw body, answered as WeChat expects."""
from flask import Blueprint, request

from app.errors import AppError
from app.services.offsetting import payments

bp = Blueprint("payments", __name__, url_prefix="/api/v1/pay")


@bp.post("/wechat/notify")
def wechat_notify():
    """Transaction notification. 204 when handled (duplicates too); 4xx/5xx with {"code": "FAIL"} else."""
    try:
        payments.handle_notification(request.headers, request.get_data(cache=False))
    except AppError as exc:
        # WeChat's format, not our envelope: it reads the status and retries on failure.
        return {"code": "FAIL", "message": exc.code}, exc.status_code
    return "", 204
