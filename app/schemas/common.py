"""Shared field helpers for response schemas."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, fields

from app.jsonutil import isoformat

TENTH = Decimal("0.1")


def round_kg(value) -> Decimal | None:
    """Kilograms for display: one decimal, half up. Computations keep full precision."""
    if value is None:
        return None
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


class DateTimeUTC(fields.Field):
    """ISO 8601 with an offset, also for the naive UTC values SQLite returns."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


class PaginationSchema(Schema):
    offset = fields.Integer()
    limit = fields.Integer()
    total = fields.Integer()
