"""JSON output: UTF-8 text, and Decimal kilograms as JSON numbers (already rounded for display)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o):
        if isinstance(o, Decimal):
            # Only display values reach here (schemas round kg to 0.1); integers stay integers.
            return int(o) if o == o.to_integral_value() else float(o)
        if isinstance(o, datetime):
            return isoformat(o)
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def isoformat(value: datetime) -> str:
    """ISO 8601 with an offset; naive values from SQLite are UTC by construction."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()
