"""Shared field helpers for request and response schemas."""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, fields, validate

from app.jsonutil import isoformat

TENTH = Decimal("0.1")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_text(value):
    """Text printed on a certificate or a board: NFC, no control or direction-override characters, trimmed."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip() or None


def round_kg(value) -> Decimal | None:
    """Kilograms for display: one decimal, half up. Computations keep full precision."""
    if value is None:
        return None
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


class DateTimeUTC(fields.Field):
    """ISO 8601 with an offset, also for the naive UTC values SQLite returns."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


def page_query(*, limit: int = 20, max_limit: int = 100, max_offset: int = 100_000) -> type[Schema]:
    """`?offset=&limit=` of a paged list, with that list's bounds; list filters subclass it.

    Every paged list answers `{"data": [...], "pagination": {"offset", "limit", "total"}}`.
    """
    return Schema.from_dict({
        "offset": fields.Integer(load_default=0, validate=validate.Range(min=0, max=max_offset)),
        "limit": fields.Integer(load_default=limit, validate=validate.Range(min=1, max=max_limit)),
    }, name="PageQuerySchema")
