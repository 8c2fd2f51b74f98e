"""Sandbox-only endpoints (registered only when WECHAT_MODE=sandbox; 404 otherwise).

The pay sheet answers the same with the in-process simulator and with the simulator server (asked over
HTTP, app.sandbox.confirm.confirm_payment).
"""
from flask import Blueprint

from app.routes.helpers import json_body
from app.sandbox import confirm as sandbox_confirm
from app.schemas.ops.sandbox import ConfirmSchema

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


CONFIRM_SCHEMA = ConfirmSchema()


@bp.post("/wechatpay/confirm")
def confirm():
    """Play the guest confirming payment in the pay sheet (prepay_id), or a payer scanning a Native QR code
    (code_url); WeChat's notification follows `deliveries` times
    (0: the notification is lost, for trying `flask reconcile`)."""
    data = json_body(CONFIRM_SCHEMA)
    transaction_id, statuses = sandbox_confirm.confirm_payment(**data)
    return {"transaction_id": transaction_id, "deliveries": [{"status": s} for s in statuses]}
