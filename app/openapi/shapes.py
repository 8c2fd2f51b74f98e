"""Response shapes that views build by hand around the room schemas, as marshmallow schemas for the document.

The views answer a few small dicts of their own (a token with the user, `{"data": [...]}`, a payment's
parameters, the sandbox's delivery statuses); these schemas describe them for app.openapi and are never used
to load or dump. Everything inside them points at the rooms' own schemas, which views do dump.
tests/api/test_openapi.py checks real answers against the document, so a shape here that drifts from its
view fails there.
"""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from app.schemas.console.payouts import BalanceSchema, OrganizationSchema, PayoutSchema
from app.schemas.console.staff import StaffSchema
from app.schemas.guest.auth import UserSchema
from app.schemas.offsetting.orders import OrderSchema
from app.schemas.offsetting.registry import ProjectSummarySchema, UnitRecordSchema


class PaginationSchema(Schema):
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Every row of the list, not only this page."})


class LoginResponseSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as `Authorization: Bearer <token>`."})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds (TOKEN_TTL_SECONDS)."})
    user = fields.Nested(UserSchema, required=True)


class PaymentSchema(Schema):
    """What `wx.requestPayment` takes (paySign: SHA256withRSA over appId, timeStamp, nonceStr, package)."""

    timeStamp = fields.String(required=True)
    nonceStr = fields.String(required=True)
    package = fields.String(required=True, metadata={"example": "prepay_id=wx2211..."})
    signType = fields.String(required=True, validate=validate.OneOf(["RSA"]))
    paySign = fields.String(required=True)


class OrderCreatedSchema(Schema):
    order = fields.Nested(OrderSchema, required=True)
    payment = fields.Nested(PaymentSchema, required=True, allow_none=True, metadata={
        "description": "null when the order can no longer be paid (a replayed key for an order already paid, "
                       "closed or expired)."})


class CertificateImageQuerySchema(Schema):
    """The image's query (the view reads it from request.args)."""

    variant = fields.String(load_default="portrait", validate=validate.OneOf(["portrait", "card"]),
                            metadata={"description": "`card`: the 5:4 picture for chat cards."})
    lang = fields.String(metadata={"description": "`zh`, `en`, `fr`, `hi`, `bn` or `sw`; else Accept-Language."})


class LeaderboardEntrySchema(Schema):
    rank = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "A generic name for guests who chose not to show."})
    kg = fields.Integer(required=True)


class LeaderboardMeSchema(Schema):
    rank = fields.Integer(required=True)
    kg = fields.Integer(required=True)


class LeaderboardSchema(Schema):
    entries = fields.List(fields.Nested(LeaderboardEntrySchema), required=True)
    me = fields.Nested(LeaderboardMeSchema, required=True, allow_none=True,
                       metadata={"description": "The caller's rank when a guest token is sent and they are ranked."})


class RegistryResponseSchema(Schema):
    projects = fields.List(fields.Nested(ProjectSummarySchema), required=True)
    units = fields.List(fields.Nested(UnitRecordSchema), metadata={"description": "With ?project= only."})
    pagination = fields.Nested(PaginationSchema, metadata={"description": "With ?project= only (of `units`)."})


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok"]))


class DeliverySchema(Schema):
    status = fields.Integer(required=True, metadata={"description": "The HTTP status the notify endpoint answered."})


class ConfirmResponseSchema(Schema):
    transaction_id = fields.String(required=True)
    deliveries = fields.List(fields.Nested(DeliverySchema), required=True)


class StaffTokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as `Authorization: Bearer <token>`."})
    expires_in = fields.Integer(required=True)
    staff = fields.Nested(StaffSchema, required=True)


class ConsoleSessionSchema(Schema):
    csrf_token = fields.String(required=True, metadata={"description": "Echo in `X-CSRF-Token` on every write."})
    expires_in = fields.Integer(required=True)
    staff = fields.Nested(StaffSchema, required=True)


class ConsoleSessionReadSchema(Schema):
    csrf_token = fields.String(required=True, allow_none=True,
                               metadata={"description": "null when called with a bearer token."})
    staff = fields.Nested(StaffSchema, required=True)


class PayoutsResponseSchema(Schema):
    organization = fields.Nested(OrganizationSchema, required=True)
    balance = fields.Nested(BalanceSchema, required=True)
    data = fields.List(fields.Nested(PayoutSchema), required=True)


class PayoutRecordedSchema(PayoutSchema):
    balance = fields.Nested(BalanceSchema, required=True)


class WeChatNotificationResourceSchema(Schema):
    original_type = fields.String()
    algorithm = fields.String(metadata={"example": "AEAD_AES_256_GCM"})
    ciphertext = fields.String()
    associated_data = fields.String()
    nonce = fields.String()


class WeChatNotificationSchema(Schema):
    """WeChat Pay v3's notification body (its own format; decrypted with the APIv3 key)."""

    class Meta:
        unknown = INCLUDE  # WeChat's to extend; the service reads what it needs

    id = fields.String()
    create_time = fields.String()
    resource_type = fields.String(metadata={"example": "encrypt-resource"})
    event_type = fields.String(metadata={"example": "TRANSACTION.SUCCESS"})
    summary = fields.String()
    resource = fields.Nested(WeChatNotificationResourceSchema)


class WeChatPayErrorSchema(Schema):
    """WeChat Pay v3's error body (the sandbox simulator answers like WeChat)."""

    code = fields.String(required=True, metadata={"example": "SIGN_ERROR"})
    message = fields.String(required=True)


class WeChatPayPrepaySchema(Schema):
    prepay_id = fields.String(required=True)


class WeChatPayCodeUrlSchema(Schema):
    code_url = fields.String(required=True)


class MchidQuerySchema(Schema):
    mchid = fields.String(required=True, metadata={"description": "The merchant id (404 ORDER_NOT_EXIST if another)."})


class WeChatPayTransactionSchema(Schema):
    """A v3 Transaction as WeChat Pay's query answers carry it (the simulator's subset)."""

    appid = fields.String()
    mchid = fields.String()
    out_trade_no = fields.String()
    transaction_id = fields.String()
    trade_type = fields.String()
    trade_state = fields.String(metadata={"example": "SUCCESS"})
    trade_state_desc = fields.String()
    bank_type = fields.String()
    success_time = fields.String()
    attach = fields.String()
    payer = fields.Dict()
    amount = fields.Dict()


class WeChatPayRefundSchema(Schema):
    refund_id = fields.String()
    out_refund_no = fields.String()
    out_trade_no = fields.String()
    channel = fields.String()
    user_received_account = fields.String()
    status = fields.String()
    create_time = fields.String()
    success_time = fields.String()
    amount = fields.Dict()

