"""Sandbox-only endpoints (registered only when WECHAT_MODE=sandbox; 404 otherwise)."""
from flask import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.routes.helpers import json_body
from app.sandbox import confirm as sandbox_confirm

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


class ConfirmSchema(Schema):
    prepay_id = fields.String(validate=validate.Length(min=1, max=64))
    code_url = fields.String(validate=validate.Length(min=1, max=128))
    deliveries = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=20))
    amount_total = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))


    @validates_schema
    def _one_order(self, data, **_kwargs):
        if bool(data.get("prepay_id")) == bool(data.get("code_url")):
            raise ValidationError("Give prepay_id (mini-program) or code_url (Native QR), not both.", "prepay_id")


CONFIRM_SCHEMA = ConfirmSchema()


@bp.post("/wechatpay/confirm")
def confirm():
    """Play the guest confirming payment in the pay sheet (prepay_id), or a payer scanning a Native QR code
    (code_url); WeChat's notification follows `deliveries` times
    (0: the notification is lost, for trying `flask reconcile`)."""
    data = json_body(CONFIRM_SCHEMA)
    transaction_id, statuses = sandbox_confirm.confirm(**data)
    return {"transaction_id": transaction_id, "deliveries": [{"status": s} for s in statuses]}
