"""Order requests and responses (contract endpoints 8 and 9)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import DRAWABLE, CleanTextSchema, DateTimeUTC, Pattern, page_query
from app.urls import certificate_urls

#: An order's kilograms: the column is an INTEGER and amount_fen = ceil(kg x price / 1000) must stay one
#: too; 10,000 tonnes is far above any guest's footprint.
MAX_ORDER_KG = 10_000_000


class OrderCreateSchema(CleanTextSchema):
    CLEAN_TEXT = ("beneficiary", "organization")

    footprint_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    project = fields.String(required=True, validate=validate.Length(min=1, max=32))
    kg = fields.Integer(strict=True, load_default=None, allow_none=True,
                        validate=validate.Range(min=1, max=MAX_ORDER_KG))
    beneficiary = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=32), DRAWABLE])
    organization = fields.String(load_default=None, allow_none=True,
                                 validate=[validate.Length(max=64), DRAWABLE])


IDEMPOTENCY_KEY = Pattern(r"^[\x21-\x7e]{1,64}$", error="1 to 64 visible ASCII characters.")


class OrderSchema(Schema):
    id = fields.String()
    out_trade_no = fields.String()
    status = fields.String()
    kg = fields.Integer()
    amount_fen = fields.Integer()
    project = fields.Function(lambda o: o.project.code)
    footprint_id = fields.String()
    beneficiary = fields.String(allow_none=True)
    organization = fields.String(attribute="organization_name", allow_none=True)
    created_at = DateTimeUTC()
    expires_at = DateTimeUTC()
    paid_at = DateTimeUTC()
    certificate = fields.Method("_certificate")

    def _certificate(self, order):
        cert = order.certificate
        if cert is None:
            return None
        return {"serial": cert.serial, "status": cert.status, **certificate_urls(cert.serial)}


class OrderListQuerySchema(page_query()):
    pass
