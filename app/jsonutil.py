"""JSON output: UTF-8 text, and Decimal kilograms as JSON numbers (already rounded for display); JSON
input: request bodies parsed with bounds (depth, size, text) so no body can exhaust the parser.

Responses are encoded by orjson (about 5x faster than the standard library on a footprint), byte for
byte as the standard encoder wrote them: Decimals and datetimes go through the same `default` below
(Decimals spliced in as the text `json` gives their float), and anything orjson refuses (an integer past
64 bits, a non-string key) falls back to the standard encoder.
"""
from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
from flask.json.provider import DefaultJSONProvider

_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_Fragment = orjson.Fragment
_INFINITIES = {math.inf: b"Infinity", -math.inf: b"-Infinity"}


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def response(self, *args, **kwargs):
        """The response body through orjson (compact, UTF-8, a final newline as Flask writes it)."""
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # pretty-printed in debug: the standard encoder
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=_orjson_default, option=_ORJSON_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:
            body = f"{self.dumps(obj, separators=(',', ':'))}\n".encode()
        return self._app.response_class(body, mimetype=self.mimetype)

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

    @staticmethod
    def _plain(o):
        """What the standard encoder makes of a subclass of a JSON type (a str enum is its text)."""
        for base in (str, bool, int, float):
            if isinstance(o, base):
                return base(o) if base is not float else _Fragment(json.dumps(o).encode())
        return dict(o) if isinstance(o, dict) else list(o)


def _orjson_default(o):
    """JSONProvider.default for orjson: a Decimal becomes the exact text the standard encoder writes."""
    if isinstance(o, Decimal):
        if not o.is_finite():
            return _Fragment(b"NaN" if o.is_nan() else _INFINITIES[float(o)])
        if o == o.to_integral_value():
            return int(o)
        return _Fragment(repr(float(o)).encode())
    if isinstance(o, str | int | float | dict | list | tuple):  # subclasses (passed through): as the base
        return JSONProvider._plain(o)
    return JSONProvider.default(o)


def dumps_column(value) -> str:
    """JSON columns (the engine's json_serializer): orjson, or the standard encoder for what it refuses."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def loads_column(text: str):
    """JSON columns (the engine's json_deserializer)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # an integer past 64 bits, NaN: what only the standard parser reads
        return json.loads(text)


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


def loads_request(raw: bytes) -> tuple[object, bool]:
    """Parse a request body, numbers with a fraction or exponent as Decimal (never a binary float), and
    the non-standard NaN and Infinity as Decimal too, so the field they land in refuses them by name.
    Returns (payload, whether every string value is good text).

    :raise JSONRejected: :raise BadText: naming the dotted path of the object with the bad key.
    A string value with bad text is only reported here: it is judged after loading, where a name's cleaner
    may drop what is bad (routes.helpers.json_body).
    """
    try:
        payload = json.loads(raw, parse_float=Decimal, parse_constant=Decimal)
    except RecursionError:
        # The C scanner recurses per level: a few hundred levels exhaust Python's stack.
        raise JSONRejected(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer over 4,300 digits
        raise JSONRejected(f"not valid JSON ({type(exc).__name__})") from None
    return payload, _inspect(payload)


def _inspect(payload) -> bool:
    """Depth, size and text of a parsed body, without recursion (the body may be nearly a thousand deep);
    whether every string value is good text."""
    values, clean = 0, True
    stack = [(payload, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise JSONRejected(f"more than {MAX_VALUES} values")
        if isinstance(value, str):
            clean = clean and good_text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise JSONRejected(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    if not good_text(key):
                        raise BadText(".".join(map(str, path)) or "_schema")
                    stack.append((item, depth + 1, (*path, key)))
            else:
                stack.extend((item, depth + 1, (*path, i)) for i, item in enumerate(value))
    return clean


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
