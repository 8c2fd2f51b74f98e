"""Project owners' money: sales, balances, payouts and statements (query, load and dump schemas)."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.domain.china_time import china_date
from app.i18n import N_
from app.schemas.common import MAX_ROW_ID, CleanTextSchema, DateTimeUTC, Pattern, page_query
from app.schemas.messages import coded

MAX_FEN = 10**12  # ten billion yuan: far above any payout, far below BIGINT
MAX_STATEMENT_DAYS = 366
# Statements cover the platform's years: 2020 (before any sale) to 2099; a year 0 or 9999 would overflow
# the period's arithmetic.
MONTH = Pattern(r"^20[2-9]\d-(0[1-9]|1[0-2])$", error="A month as YYYY-MM, from 2020-01 to 2099-12.")
FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2099, 12, 31)
STATEMENT_DAY = validate.Range(min=FIRST_DAY, max=LAST_DAY, error="A day from 2020-01-01 to 2099-12-31.")


def _printable(value: str) -> None:
    """One line of visible text: a bank reference or note is shown in statements and spreadsheets."""
    if not value.isprintable():
        raise ValidationError(N_("Only printable characters (no line breaks or control characters)."))


class OrganizationRef(fields.Field):
    """An organisation by id (a JSON integer) or by name (a string)."""

    default_error_messages = {"invalid": "An organisation name or id."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ROW_ID:
            return value
        if isinstance(value, str) and 1 <= len(value.strip()) <= 200:
            return value.strip()
        raise self.make_error("invalid")


# -- requests -------------------------------------------------------------------------------------------

class OrganizationQuerySchema(Schema):
    organization = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class SalesQuerySchema(page_query()):
    pass


class StatementQuerySchema(OrganizationQuerySchema):
    month = fields.String(load_default=None, validate=MONTH)
    start = fields.Date(data_key="from", load_default=None, validate=STATEMENT_DAY)
    end = fields.Date(data_key="to", load_default=None, validate=STATEMENT_DAY)

    @validates_schema
    def _one_period(self, data, **_kwargs):
        if data["month"] and (data["start"] or data["end"]):
            raise ValidationError(N_("Give month, or from and to, not both."), "month")
        if bool(data["start"]) != bool(data["end"]):
            raise ValidationError(N_("Give both from and to."), "from" if not data["start"] else "to")
        if data["start"] and data["end"]:
            if data["end"] < data["start"]:
                raise ValidationError(N_("Must not be before from."), "to")
            if (data["end"] - data["start"]).days >= MAX_STATEMENT_DAYS:
                raise ValidationError(coded("At most {n} days.", "too_long", n=MAX_STATEMENT_DAYS), "to")


class PayoutCreateSchema(CleanTextSchema):
    # Pasted references carry stray spaces and invisible characters: cleaned, the same reference stays the
    # same (unique). Line breaks and control characters are left for _printable to refuse.
    CLEAN_TEXT = ("organization",)
    KEEP_CONTROLS = ("bank_reference", "note")

    organization = OrganizationRef(required=True)
    # Integer fen; strict: "100", 1.5 and true are refused rather than coerced. Negative: a correction.
    amount_fen = fields.Integer(strict=True, required=True, validate=[
        validate.Range(min=-MAX_FEN, max=MAX_FEN), validate.NoneOf([0], error="Must not be 0.")])
    bank_reference = fields.String(required=True, validate=[validate.Length(min=1, max=64), _printable])
    paid_on = fields.Date(required=True, validate=validate.Range(min=date(2020, 1, 1)))
    note = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), _printable])


# -- responses ------------------------------------------------------------------------------------------

class OrganizationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    name_en = fields.String()


class BalanceSchema(Schema):
    owed_fen = fields.Integer()
    paid_out_fen = fields.Integer()
    outstanding_fen = fields.Integer()


class ProjectSalesSchema(Schema):
    code = fields.String()
    name = fields.String()
    owner = fields.String()
    active = fields.Boolean()
    kg_sold = fields.Integer()
    orders = fields.Integer()
    gross_fen = fields.Integer()
    owner_fen = fields.Integer()


class SaleSchema(Schema):
    paid_at = DateTimeUTC()
    out_trade_no = fields.String()
    kg = fields.Integer()
    amount_fen = fields.Integer()
    owner_fen = fields.Integer()
    status = fields.String()
    refunded_at = DateTimeUTC()
    certificate = fields.String()


class PayoutSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    amount_fen = fields.Integer()
    bank_reference = fields.String()
    paid_on = fields.Function(lambda p: china_date(p.paid_on).isoformat())  # stored as midnight China time
    note = fields.String()
    recorded_by = fields.Integer()
    created_at = DateTimeUTC()


class StatementLineSchema(Schema):
    date = fields.Date()
    kind = fields.String()
    reference = fields.String()
    project = fields.String()
    kg = fields.Integer()
    amount_fen = fields.Integer()
    balance_fen = fields.Integer()
    note = fields.String()


class StatementSchema(Schema):
    organization = fields.Nested(OrganizationSchema)
    period = fields.Function(lambda s: {"from": s.start.isoformat(), "to": s.end.isoformat(), "label": s.label})
    opening_balance_fen = fields.Integer()
    lines = fields.List(fields.Nested(StatementLineSchema))
    closing_balance_fen = fields.Integer()
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
