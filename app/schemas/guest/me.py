"""The guest's own profile and history."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.domain.privacy import mask_identifier
from app.i18n import N_
from app.schemas.common import DRAWABLE, CleanTextSchema, DateTimeUTC, page_query, round_kg
from app.schemas.guest.auth import OwnUserSchema
from app.urls import verify_url


class ProfileUpdateSchema(CleanTextSchema):
    CLEAN_TEXT = ("nickname",)

    nickname = fields.String(validate=[validate.Length(min=1, max=32), DRAWABLE])
    avatar_url = fields.String(allow_none=True, validate=validate.Length(max=512))
    show_on_leaderboard = fields.Boolean(truthy={True}, falsy={False})
    show_places = fields.Boolean(truthy={True}, falsy={False})

    @validates("avatar_url")
    def _https(self, value, **_kwargs):
        if value is not None and not value.startswith("https://"):
            raise ValidationError(N_("An https:// URL."))


class ProfileSchema(OwnUserSchema):
    neutralized_kg = fields.Integer()
    certificates = fields.Integer()
    footprints = fields.Integer()


class FootprintSummarySchema(Schema):
    id = fields.String()
    scenario = fields.String(attribute="scenario_code")
    total_kg = fields.Function(lambda fp: round_kg(fp.total_kg))
    factor_set = fields.String()
    created_at = DateTimeUTC()


class CertificateSummarySchema(Schema):
    serial = fields.String()
    status = fields.String()
    kg = fields.Integer()
    holder = fields.String()
    scenario = fields.Function(lambda c: c.scenario.code)
    project = fields.Function(lambda c: c.project.code)
    issued_at = DateTimeUTC()


class PageQuerySchema(page_query()):
    pass


# -- GET /api/v1/me/export: dumps services.guest.privacy.Export --------------------------------------------
class ExportProfileSchema(OwnUserSchema):
    created_at = DateTimeUTC()
    last_login_at = DateTimeUTC()
    # The WeChat identifiers, shortened (see README.md, "Privacy": a full copy in a file that gets
    # forwarded would link its reader to this guest's records here and, for unionid, in other apps).
    wechat = fields.Function(lambda u: {"openid": mask_identifier(u.openid), "unionid": mask_identifier(u.unionid)})


class ExportFootprintSchema(Schema):
    id = fields.String()
    scenario = fields.String(attribute="scenario_code")
    scan_id = fields.Integer(allow_none=True)
    factor_set = fields.String()
    total_kg = fields.String()  # full precision, as stored
    inputs = fields.Raw()  # the request as sent
    items = fields.Raw()  # the line items as stored (full precision, places included)
    created_at = DateTimeUTC()


class ExportScanSchema(Schema):
    id = fields.Integer()
    scenario = fields.String()
    source = fields.String()
    tag = fields.String(allow_none=True)
    created_at = DateTimeUTC()


class ExportOrderSchema(Schema):
    id = fields.String()
    out_trade_no = fields.String()
    kind = fields.String()
    status = fields.String()
    project = fields.Function(lambda o: o.project.code)
    footprint_id = fields.String(allow_none=True)
    kg = fields.Integer()
    price_fen_per_tonne = fields.Integer()
    amount_fen = fields.Integer()
    beneficiary = fields.String(allow_none=True)
    organization = fields.String(attribute="organization_name", allow_none=True)
    idempotency_key = fields.String(allow_none=True)
    transaction_id = fields.String(allow_none=True)
    paid_fen = fields.Integer(allow_none=True)
    review_reason = fields.String(allow_none=True)
    created_at = DateTimeUTC()
    expires_at = DateTimeUTC()
    paid_at = DateTimeUTC()
    fulfilled_at = DateTimeUTC()
    closed_at = DateTimeUTC()
    refunded_at = DateTimeUTC()


class ExportNotificationSchema(Schema):
    notification_id = fields.String()
    event_type = fields.String()
    out_trade_no = fields.String(allow_none=True)
    transaction_id = fields.String(allow_none=True)
    trade_state = fields.String(allow_none=True)
    amount_total = fields.Integer(allow_none=True)
    outcome = fields.String()
    received_at = DateTimeUTC()


class ExportRefundSchema(Schema):
    order_id = fields.String()
    out_refund_no = fields.String()
    refund_id = fields.String(allow_none=True)
    amount_fen = fields.Integer()
    reason = fields.String()
    status = fields.String()
    created_at = DateTimeUTC()
    completed_at = DateTimeUTC()


class ExportLedgerSchema(Schema):
    order_id = fields.String()
    account = fields.String()
    kind = fields.String()
    amount_fen = fields.Integer()
    created_at = DateTimeUTC()


class ExportCertificateSchema(Schema):
    serial = fields.String()
    kind = fields.String()
    status = fields.String()
    holder = fields.String()  # as stored (the public surfaces mask it when the guest does not show)
    kg = fields.Integer()
    scenario = fields.Function(lambda c: c.scenario.code)
    project = fields.Function(lambda c: c.project.code)
    order_id = fields.String()
    footprint_id = fields.String(allow_none=True)
    issued_at = DateTimeUTC()
    revoked_at = DateTimeUTC()
    revocation_reason = fields.String(allow_none=True)
    verify_url = fields.Function(lambda c: verify_url(c.serial))
    allocations = fields.Function(lambda c: [
        {"credit_serial": claim.unit.serial, "kg": claim.kg, "released_at": claim.released_at}
        for claim in c.claims])


class ExportLeaderboardSchema(Schema):
    board = fields.String()
    kg = fields.Integer()
    reached_at = DateTimeUTC()


class ExportSchema(Schema):
    format = fields.Constant("diandian-export-1")
    exported_at = DateTimeUTC()
    profile = fields.Nested(ExportProfileSchema, attribute="user")
    footprints = fields.List(fields.Nested(ExportFootprintSchema))
    scans = fields.List(fields.Nested(ExportScanSchema))
    orders = fields.List(fields.Nested(ExportOrderSchema))
    payments = fields.List(fields.Nested(ExportNotificationSchema), attribute="notifications")
    refunds = fields.List(fields.Nested(ExportRefundSchema))
    ledger = fields.List(fields.Nested(ExportLedgerSchema))
    certificates = fields.List(fields.Nested(ExportCertificateSchema))
    leaderboard = fields.List(fields.Nested(ExportLeaderboardSchema))
