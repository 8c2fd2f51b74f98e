"""JSON output: UTF-8 text, and Decimal kilograms as JSON numbers (already rounded for display); JSON
input: request bodies parsed with bounds (depth, size, text) so no body can exhaust the parser."""
from __future__ import annotations

import json
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


# -- input -------------------------------------------------------------------------------------------------

MAX_DEPTH = 32  # objects and arrays nested in one another
MAX_VALUES = 10_000  # values in one body (the largest real body, an event footprint, has under 1,000)


class JSONRejected(ValueError):
    """Not a body we read: unparseable, nested past MAX_DEPTH or with more than MAX_VALUES values."""


class BadText(ValueError):
    """An object key with a NUL character or an unpaired surrogate (error messages name keys, and no
    database or UTF-8 response can carry them)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def loads_request(raw: bytes):
    """Parse a request body, numbers with a fraction or exponent as Decimal (never a binary float), and
    the non-standard NaN and Infinity as Decimal too, so the field they land in refuses them by name.

    :raise JSONRejected: :raise BadText: naming the dotted path of the object with the bad key.
    Strings themselves are checked after loading (`good_text`): a name's cleaner may drop what is bad.
    """
    try:
        payload = json.loads(raw, parse_float=Decimal, parse_constant=Decimal)
    except RecursionError:
        # The C scanner recurses per level: a few hundred levels exhaust Python's stack.
        raise JSONRejected(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer over 4,300 digits
        raise JSONRejected(f"not valid JSON ({type(exc).__name__})") from None
    _inspect(payload)
    return payload


def _inspect(payload) -> None:
    """Depth, size and text of a parsed body, without recursion (the body may be nearly a thousand deep)."""
    values = 0
    stack = [(payload, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise JSONRejected(f"more than {MAX_VALUES} values")
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise JSONRejected(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    if not good_text(key):
                        raise BadText(".".join(map(str, path)) or "_schema")
                    stack.append((item, depth + 1, (*path, key)))
            else:
                stack.extend((item, depth + 1, (*path, i)) for i, item in enumerate(value))


def good_text(text: str) -> bool:
    """No NUL (no PostgreSQL text holds one) and no unpaired surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        return False
    return True
