"""The sandbox's pay-sheet confirmation (only registered when WECHAT_MODE=sandbox)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.i18n import N_


class ConfirmSchema(Schema):
    prepay_id = fields.String(validate=validate.Length(min=1, max=64))
    code_url = fields.String(validate=validate.Length(min=1, max=128))
    deliveries = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=20))
    amount_total = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=2**31 - 1))  # an INTEGER column
    # The payer is charged a second time for an order already paid (the service refunds it).
    again = fields.Boolean(load_default=False)

    @validates_schema
    def _one_order(self, data, **_kwargs):
        if bool(data.get("prepay_id")) == bool(data.get("code_url")):
            raise ValidationError(N_("Give prepay_id (mini-program) or code_url (Native QR), not both."), "prepay_id")
