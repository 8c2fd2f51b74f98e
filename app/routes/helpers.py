"""Request parsing shared by the views: JSON bodies and query strings through marshmallow."""
from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlsplit

from flask import current_app, make_response, render_template, request
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


def paginated(data: list, args: dict, total: int) -> dict:
    """The one shape of every paged list: `{"data": [...], "pagination": {"offset", "limit", "total"}}`."""
    return {"data": data, "pagination": {"offset": args["offset"], "limit": args["limit"], "total": total}}


def _image_origin() -> str:
    """Certificate images come from PUBLIC_BASE_URL, which may be another origin than the page's."""
    parts = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def script_page(template: str, **context):
    """A page shell whose scripts do the rest (guest preview, staff console), with a strict CSP:
    nothing from outside the service, no inline scripts or styles."""
    response = make_response(render_template(template, sandbox=bool(current_app.config.get("SANDBOX")), **context))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src 'self' {_image_origin()}".rstrip() + "; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
