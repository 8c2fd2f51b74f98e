"""Request parsing shared by the views: JSON bodies and query strings through marshmallow."""
from __future__ import annotations

import json
from decimal import Decimal

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError

from app.errors import AppError


class MalformedJSON(AppError):
    code = "bad_request"


def json_body(schema: Schema) -> dict:
    """Load the JSON object body with `schema` (unknown fields are errors). Empty body = {}."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        payload = {}
    else:
        try:
            # Decimal in: "25.5" km must not pass through a binary float on its way to a kilogram.
            payload = json.loads(raw, parse_float=Decimal)
        except ValueError:
            raise MalformedJSON("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ValidationError({"_schema": ["A JSON object is expected."]})
    return schema.load(payload)


def query_args(schema: Schema) -> dict:
    """Load query parameters; unknown ones are ignored (cache busters, tracking)."""
    return schema.load(request.args, unknown=EXCLUDE)
