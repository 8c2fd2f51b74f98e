"""The machine-readable API: an OpenAPI 3.1 document of every route, built with apispec's MarshmallowPlugin.

The routes stay plain Flask views. `build_document(app)` walks `app.url_map`; for each rule it takes the path
and its parameters from the rule (converters: int -> integer, others -> string), the summary from the view's
docstring, and everything else from the view's entry in app.openapi.registry.ENDPOINTS: the marshmallow
schemas it loads and dumps, its success status and media type, who may call it, and its error codes. Each
error code's status comes from app.errors' classes; every 4xx/5xx answer points at the shared error
envelope, with `error.code` limited to the codes listed (also in `x-error-codes`).

`document(app)` builds once per process (GET /api/v1/openapi.json serves it): it depends on the routes,
the schemas and PUBLIC_BASE_URL (servers), never on a request.
"""
from __future__ import annotations

import inspect
import json
import re
from datetime import date
from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from marshmallow import Schema, fields, validate

from app.errors import AppError
from app.i18n import MESSAGES
from app.openapi.registry import (
    AUTH_ERRORS,
    BODY_ERRORS,
    COOKIE_WRITE_ERRORS,
    ENDPOINTS,
    ENVELOPE,
    EVERY_ERRORS,
    GUEST,
    GUEST_OPTIONAL,
    HTML,
    HTML_PAGE,
    JSON,
    PATH_ERRORS,
    QUERY_ERRORS,
    STAFF,
    STAFF_ROLE,
    UNDOCUMENTED,
    WECHAT_NOTIFY,
    WECHATPAY_API,
    WECHATPAY_MERCHANT,
    Op,
)
from app.openapi.shapes import WeChatPayErrorSchema
from app.schemas.common import MAX_ROW_ID, DateTimeUTC
from app.schemas.console.doors import DoorSchema
from app.schemas.console.payouts import OrganizationRef
from app.schemas.guest.factor_sets import FactorSchema

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.1"
METHODS = ("get", "post", "put", "patch", "delete")
WRITES = {"post", "put", "patch", "delete"}
REF = "#/components/schemas/"

# Statuses of the codes no AppError subclass carries (routing, limits, the unhandled-error handler).
_PLAIN_CODES = {"bad_request": 400, "unauthorized": 401, "not_found": 404, "method_not_allowed": 405,
                "payload_too_large": 413, "unsupported_media_type": 415, "validation_error": 422,
                "internal_error": 500, "service_unavailable": 503}

# Fields whose dump can be null although the schema does not say allow_none (responses only).
NULLABLE: dict[str, set[str]] = {
    "FactorSchema": {"basis", "year", "reference", "note"},
    "OrganizationSchema": {"name_en"},
    "PayoutSchema": {"note"},
    "SaleSchema": {"certificate"},
    "StatementLineSchema": {"reference", "project", "kg", "note"},
    "CertificateSchema": {"holder", "footprint_id"},
    "CertificateSummarySchema": {"holder"},
    "OrderSchema": {"footprint_id"},
    "PlaceSchema": {"country"},
    "DoorSchema": {"created_at"},
    "StaffSchema": {"name"},
    "AssignmentSchema": {"name"},
    "UnitRecordSchema": {"retired_at", "retirement_reason"},
}

_STR_OR_NULL = {"type": ["string", "null"]}
_KG = {"type": "number", "description": "Kilograms of CO2e, rounded to one decimal for display."}
_WHOLE_KG = {"type": "integer", "description": "Whole kilograms."}
_URLS = {"verify_url": {"type": "string", "format": "uri"}, "image_url": {"type": "string", "format": "uri"}}
_SOURCE = {"type": "string", "description": "The factor's citation as published (English), to look it up."}
_SOURCE_LABEL = {"type": "string", "description": "The same citation readable in the request's language."}
_LINE_ITEMS = {"type": "array", "items": {"type": "object", "properties": {
    "category": {"type": "string"}, "mode": _STR_OR_NULL, "label": {"type": "string"},
    "distance_km": {"type": ["number", "null"]}, "amount": {"type": "number"}, "unit": {"type": "string"},
    "unit_label": {"type": "string", "description": "`unit` as people write it, in the request's language."},
    "kg": _KG, "factor": {"type": "object", "properties": {
        "key": {"type": "string"}, "value": {"type": "number"}, "unit": {"type": "string"},
        "unit_label": {"type": "string"}, "source": _SOURCE, "source_label": _SOURCE_LABEL,
        "note": _STR_OR_NULL}}}}}

# What fields.Function and fields.Method dump (marshmallow cannot say): (schema class, field) -> JSON Schema,
# where a marshmallow schema class stands for its component.
FIELD_DOCS: dict[tuple[str, str], dict] = {
    ("ScenarioSchema", "status"): {"type": "string", "enum": ["draft", "active", "closed"]},
    ("ScenarioSchema", "organizer"): _STR_OR_NULL,
    ("ScenarioSchema", "organizer_en"): _STR_OR_NULL,
    ("ScenarioSchema", "calculator"): {"type": "object", "description": "The form the mini-program renders for "
                                       "this scenario's kind (sections, fields, modes, limits).",
                                       "properties": {"sections": {"type": "array", "items": {"type": "object"}}}},
    ("ScenarioSchema", "stats"): {"type": "object", "properties": {"participants": {"type": "integer"},
                                                                   "neutralized_kg": _KG}},
    ("ManagedScenarioSchema", "doors"): {"type": "array", "items": DoorSchema},
    ("DashboardScenarioSchema", "organizer"): _STR_OR_NULL,
    ("StaffSchema", "organization"): _STR_OR_NULL,
    ("FootprintSchema", "total_kg"): _KG,
    ("FootprintSchema", "order_kg"): {**_WHOLE_KG, "description": "What an order takes by default: the total "
                                      "rounded up to a whole kilogram."},
    ("FootprintSchema", "items"): _LINE_ITEMS,
    ("FootprintSummarySchema", "total_kg"): _KG,
    ("FactorSetSchema", "factors"): {"type": "array", "items": FactorSchema},
    ("FactorSchema", "source_label"): _SOURCE_LABEL,
    ("FactorSetSchema", "circuity"): {"type": "object", "additionalProperties": {"type": "number"}},
    ("OrderSchema", "project"): {"type": "string", "description": "The project's code."},
    ("OrderSchema", "certificate"): {"type": ["object", "null"], "properties": {
        "serial": {"type": "string"}, "status": {"type": "string"}, **_URLS}},
    ("CertificateSchema", "scenario"): {"type": "object", "properties": {
        "code": {"type": "string"}, "title": {"type": "string"}, "title_en": _STR_OR_NULL}},
    ("CertificateSchema", "project"): {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "name_en": _STR_OR_NULL,
        "standard": {"type": "string"}}},
    ("CertificateSchema", "verify_url"): _URLS["verify_url"],
    ("CertificateSchema", "image_url"): _URLS["image_url"],
    ("CertificateSchema", "allocations"): {"type": "array", "items": {"type": "object", "properties": {
        "credit_serial": {"type": "string"}, "kg": {"type": "integer"}}}, "description": "They add up to `kg`."},
    ("CertificateSchema", "event"): {"type": ["object", "null"], "description": "An event certificate's two parts "
                                     "of the claim (null for a guest's)."},
    ("CertificateSummarySchema", "scenario"): {"type": "string"},
    ("CertificateSummarySchema", "project"): {"type": "string"},
    ("ProjectSchema", "owner"): {"type": "object", "properties": {"name": {"type": "string"},
                                                                  "name_en": _STR_OR_NULL}},
    ("ProjectSummarySchema", "owner"): {"type": "object", "properties": {"name": {"type": "string"}}},
    ("UnitRecordSchema", "claims"): {"type": "array", "items": {"type": "object", "properties": {
        "certificate": {"type": "string"}, "status": {"type": "string"}, "kg": {"type": "integer"},
        "released_at": {"type": ["string", "null"], "format": "date-time"}}}},
    ("EventFootprintSchema", "operations_kg"): _KG,
    ("EventFootprintSchema", "attendees_kg"): _KG,
    ("EventFootprintSchema", "total_kg"): _KG,
    ("EventFootprintSchema", "order_kg"): _WHOLE_KG,
    ("EventFootprintSchema", "items"): _LINE_ITEMS,
    ("TopupSchema", "amount_fen"): {"type": "integer"},
    ("TopupSchema", "order"): {"type": "object", "properties": {
        "id": {"type": "string"}, "out_trade_no": {"type": "string"}, "status": {"type": "string"},
        "kg": {"type": "integer"}, "amount_fen": {"type": "integer"}, "project": {"type": "string"},
        "code_url": _STR_OR_NULL, "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "qr_url": {**_STR_OR_NULL, "description": "The Native pay QR code while the order can be paid."}}},
    ("TopupSchema", "certificate"): {"type": ["object", "null"], "properties": {
        "serial": {"type": "string"}, "status": {"type": "string"}, "kg": {"type": "integer"}, **_URLS}},
    ("EventStateSchema", "guests"): {"type": "object", "properties": {"kg": {"type": "integer"},
                                                                      "certificates": {"type": "integer"}}},
    ("PayoutSchema", "paid_on"): {"type": "string", "format": "date"},
    ("StatementSchema", "period"): {"type": "object", "properties": {
        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        "label": {"type": "string"}}},
}

_SCHEMES = {
    "GuestBearer": {"type": "http", "scheme": "bearer", "description":
                    "A guest's token from `POST /api/v1/auth/login` (TOKEN_TTL_SECONDS, 7 days by default)."},
    "StaffBearer": {"type": "http", "scheme": "bearer", "description":
                    "A staff token from `POST /api/v1/staff/sign-in` (12 hours). Guest tokens are refused."},
    "ConsoleSession": {"type": "apiKey", "in": "cookie", "name": "dd_console", "description":
                       "The web console's session cookie from `POST /api/v1/staff/session` (HttpOnly, "
                       "SameSite=Lax). Writes need ConsoleCsrf as well."},
    "ConsoleCsrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token", "description":
                    "The session's `csrf_token`, echoed on every POST, PATCH, PUT and DELETE made with the cookie "
                    "(403 `csrf_failed` otherwise). Not read with a bearer token."},
    "WeChatPayMerchant": {"type": "http", "scheme": "WECHATPAY2-SHA256-RSA2048", "description":
                          "WeChat Pay v3's merchant signature (sandbox simulator only): `Authorization: "
                          "WECHATPAY2-SHA256-RSA2048 mchid=...,nonce_str=...,signature=...,timestamp=...,"
                          "serial_no=...` over `METHOD\\nPATH\\nTS\\nNONCE\\nBODY\\n`."},
}

_TAGS = [
    {"name": "guest", "description": "The mini-program's journey: login, QR deep links, scenarios, places, "
                                     "footprints, the guest's profile and history."},
    {"name": "offsetting", "description": "Projects, orders and WeChat Pay, certificates, leaderboards and the "
                                          "public registry."},
    {"name": "staff", "description": "The staff console's API: sign-in, accounts, scenarios, doors, posters, "
                                     "dashboards, event neutralisation, payouts."},
    {"name": "ops", "description": "Health and this document."},
    {"name": "sandbox", "description": "Only when WECHAT_MODE=sandbox (404 otherwise): the pay sheet and the "
                                       "simulated WeChat Pay API."},
]

_DESCRIPTION = """The whole API of Diandian (点点碳中和). The prose guide with an example of every call is
`miniprogram_api.md`; this document is generated from the service's own routes and marshmallow schemas.

- JSON in UTF-8 both ways; request bodies are a JSON object (unknown fields are a 422), at most 256 KiB.
- Errors: a 4xx/5xx status and `{"error": {"code", "message", "fields"?}}`; `fields` (dotted paths) only on
  422; `message` follows `Accept-Language` (zh-CN by default, en). Branch on `code`. The notify endpoint
  answers WeChat's own shape instead.
- Money is integer fen (`*_fen`); mass is kilograms of CO2e (`*_kg`), rounded to one decimal in responses.
- Times are ISO 8601 with an offset. Every response carries `X-Request-Id`.
- Routing: an unknown path is a 404 `not_found`, a known path with another method a 405
  `method_not_allowed` (with `Allow`)."""


def document(app: Flask) -> dict:
    """The document, built once per process (the routes, schemas and PUBLIC_BASE_URL do not change)."""
    cached = app.extensions.get("openapi_document")
    if cached is None:
        cached = app.extensions["openapi_document"] = build_document(app)
    return cached


def documented_rules(app: Flask):
    """The url_map's rules the document covers (every one but UNDOCUMENTED's), sorted by path."""
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in UNDOCUMENTED),
                  key=lambda r: (r.rule, r.endpoint))


def missing_entries(app: Flask) -> list[str]:
    """Routes with no ENDPOINTS entry (left out of the document), as 'METHOD /path (endpoint)'."""
    return [f"{'/'.join(_methods(r)).upper()} {r.rule} ({r.endpoint})" for r in documented_rules(app)
            if r.endpoint not in ENDPOINTS]


def build_document(app: Flask) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=_SchemaNames())
    spec = APISpec(title="Diandian API", version=API_VERSION, openapi_version=OPENAPI_VERSION, plugins=[plugin],
                   info={"description": _DESCRIPTION}, servers=[{"url": app.config["PUBLIC_BASE_URL"]}],
                   tags=_TAGS)
    _teach(plugin)
    schemes = dict(_SCHEMES)
    schemes["ConsoleSession"] = {**schemes["ConsoleSession"], "name": app.config.get("SESSION_COOKIE_NAME",
                                                                                     "dd_console")}
    for name, scheme in schemes.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("ErrorEnvelope", _ERROR_ENVELOPE)
    spec.components.schema("WeChatNotifyFailure", _WECHAT_NOTIFY_FAILURE)
    statuses = error_statuses()
    paths: dict[str, dict] = {}
    for rule in documented_rules(app):
        op = ENDPOINTS.get(rule.endpoint)
        if op is None:
            continue  # missing_entries() names it; tests/api/test_openapi.py fails on it
        path, params = _path(app, rule, op)
        view = app.view_functions[rule.endpoint]
        for method in _methods(rule):
            paths.setdefault(path, {})[method] = _operation(rule.endpoint, view, op, method, params, statuses)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    out = _plain(spec.to_dict())
    _loosen_responses(out)
    return out


def error_statuses() -> dict[str, int]:
    """Every error code the service answers -> its HTTP status (app.errors' classes and the plain codes)."""
    out = dict(_PLAIN_CODES)
    stack = [AppError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if out.setdefault(cls.code, cls.status_code) != cls.status_code:
            raise ValueError(f"error code {cls.code!r} has two statuses: {out[cls.code]} and {cls.status_code}")
    return out


def listed_error_codes(doc: dict) -> set[str]:
    """Every error code the document says some operation can answer."""
    return {code for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)
            for response in op.get("responses", {}).values() for code in response.get("x-error-codes", ())}


# -- one operation -------------------------------------------------------------------------------------------
def _methods(rule) -> list[str]:
    return [m for m in METHODS if m.upper() in rule.methods]


_RULE_ARG = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?(?P<name>[a-zA-Z_]\w*)>")


def _path(app: Flask, rule, op: Op) -> tuple[str, list[dict]]:
    """'/x/<int:id>' -> ('/x/{id}', [path parameter objects]) from the rule's converters."""
    params = []
    for match in _RULE_ARG.finditer(rule.rule):
        converter, name = match["converter"] or "default", match["name"]
        if converter == "int":  # app.routes.RowIdConverter: a larger number is no route
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID}
        elif converter == "path":
            schema = {"type": "string", "minLength": 1}
        else:  # default / string: one path segment
            schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
        params.append({"in": "path", "name": name, "required": True, "schema": {**schema, **op.path.get(name, {})}})
    return _RULE_ARG.sub(lambda m: "{" + m["name"] + "}", rule.rule), params


def _tag(view) -> str:
    module = view.__module__
    if module.startswith("app.sandbox") or module == "app.routes.ops.sandbox":
        return "sandbox"
    room = module.split(".")[2] if module.startswith("app.routes.") else "ops"
    return {"console": "staff"}.get(room, room)


def _texts(view, op: Op) -> tuple[str, str]:
    doc = " ".join(inspect.cleandoc(view.__doc__ or "").split())
    summary = op.summary or doc
    if len(summary) > 120 and ". " in summary:
        summary = summary.split(". ", 1)[0] + "."
    description = " ".join(part for part in (doc if doc != summary else "", op.notes or "") if part)
    return summary, description


def _security(op: Op, method: str) -> list[dict] | None:
    if op.auth == GUEST:
        return [{"GuestBearer": []}]
    if op.auth == GUEST_OPTIONAL:
        return [{"GuestBearer": []}, {}]
    if op.auth in (STAFF, STAFF_ROLE):
        cookie = {"ConsoleSession": [], "ConsoleCsrf": []} if method in WRITES else {"ConsoleSession": []}
        return [{"StaffBearer": []}, cookie]
    if op.auth == WECHATPAY_MERCHANT:
        return [{"WeChatPayMerchant": []}]
    return None


def _operation(endpoint: str, view, op: Op, method: str, path_params: list[dict], statuses: dict) -> dict:
    summary, description = _texts(view, op)
    out: dict = {"operationId": endpoint, "summary": summary, "tags": [_tag(view)]}
    if description:
        out["description"] = description
    parameters = list(path_params)
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    parameters += [{"in": "header", **header} for header in op.headers]
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {JSON: {"schema": op.body}}}
    security = _security(op, method)
    if security is not None:
        out["security"] = security
    out["responses"] = _responses(op, method, bool(path_params), statuses)
    return out


def _responses(op: Op, method: str, has_path_params: bool, statuses: dict) -> dict:
    responses: dict[str, dict] = {}
    for status in (op.status, *op.also):
        responses[str(status)] = _success(op, status)
    codes = [*EVERY_ERRORS, *AUTH_ERRORS.get(op.auth, ())]
    if op.auth in (STAFF, STAFF_ROLE) and method in WRITES:
        codes += COOKIE_WRITE_ERRORS
    if op.error_body == ENVELOPE and op.body is not None:
        codes += BODY_ERRORS
    if op.query is not None and op.error_body == ENVELOPE:
        codes += QUERY_ERRORS
    if has_path_params:
        codes += PATH_ERRORS
    codes += op.errors
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):
        if code not in statuses:
            raise ValueError(f"unknown error code {code!r}: no app.errors class or plain code carries it")
        by_status.setdefault(statuses[code], []).append(code)
    notify_codes = set(op.errors) if op.error_body == WECHAT_NOTIFY else set()
    for status, listed in sorted(by_status.items()):
        envelope = [c for c in listed if c not in notify_codes]
        wechat = [c for c in listed if c in notify_codes]
        content = {}
        if envelope:
            content[JSON] = {"schema": _envelope_of(envelope)}
        if wechat:  # the notify view answers its own failures in WeChat's shape
            content[JSON] = {"schema": {"allOf": [{"$ref": REF + "WeChatNotifyFailure"},
                                                  {"properties": {"message": {"enum": wechat}}}]}}
            if envelope:
                content[JSON] = {"schema": {"anyOf": [content[JSON]["schema"], _envelope_of(envelope)]}}
        if op.error_body == HTML_PAGE and status == 404:
            content[HTML] = {"schema": {"type": "string"}}
        responses[str(status)] = {
            "description": "; ".join(f"`{c}`: {MESSAGES[c] if c in MESSAGES else c}" for c in listed),
            "content": content, "x-error-codes": listed}
    if op.error_body == HTML_PAGE and "404" not in responses:
        responses["404"] = {"description": "The not-found page.", "content": {HTML: {"schema": {"type": "string"}}}}
    if op.error_body == WECHATPAY_API:  # the simulator answers like WeChat Pay: {"code", "message"}
        for status, text in ((400, "PARAM_ERROR, ORDERPAID, INVALID_REQUEST"), (401, "SIGN_ERROR"),
                             (404, "ORDER_NOT_EXIST, RESOURCE_NOT_EXISTS")):
            response = responses.setdefault(str(status), {"description": "", "content": {}})
            ours = response["content"].get(JSON, {}).get("schema")
            response["description"] = "; ".join(filter(None, (f"WeChat Pay's own error ({text})",
                                                                response["description"])))
            response["content"] = {JSON: {"schema": {"anyOf": [WeChatPayErrorSchema, ours]} if ours
                                          else WeChatPayErrorSchema}}
    return responses


def _success(op: Op, status: int) -> dict:
    if status == 304:
        return {"description": "Not modified: the copy named in If-None-Match is current."}
    out: dict = {"description": {200: "OK", 201: "Created", 204: "No content"}.get(status, "OK")}
    if op.response is not None or (op.media != (JSON,) and status != 204):
        out["content"] = {media: {"schema": op.response if media == JSON else _binary(media)} for media in op.media}
    if op.response_headers:
        out["headers"] = op.response_headers
    return out


def _binary(media: str) -> dict:
    if media.startswith("text/"):
        return {"type": "string"}
    return {"type": "string", "contentMediaType": media}


def _envelope_of(codes: list[str]) -> dict:
    return {"allOf": [{"$ref": REF + "ErrorEnvelope"},
                      {"properties": {"error": {"properties": {"code": {"enum": codes}}}}}]}


_ERROR_ENVELOPE = {
    "type": "object", "required": ["error"],
    "description": "Every failure's body: `code` is stable (branch on it), `message` follows Accept-Language.",
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "detail": {"type": "string", "description": "Sometimes an English explanation for operators."},
        "fields": {"type": "object", "description": "422 only: each failing field by its dotted path.",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }}},
}
_WECHAT_NOTIFY_FAILURE = {
    "type": "object", "required": ["code", "message"],
    "description": "WeChat Pay's expected failure answer; `message` is our error code. WeChat retries.",
    "properties": {"code": {"type": "string", "enum": ["FAIL"]}, "message": {"type": "string"}},
}


# -- marshmallow -> JSON Schema ---------------------------------------------------------------------------------
class _SchemaNames:
    """Component names: the class name without 'Schema'; a second class of the same name gets its module's."""

    def __init__(self):
        self.owners: dict[str, type] = {}

    def __call__(self, schema) -> str:
        cls = resolve_schema_cls(schema)
        cls = cls[0] if isinstance(cls, list) else cls
        name = cls.__name__.removesuffix("Schema") or cls.__name__
        if self.owners.setdefault(name, cls) is not cls:
            name = cls.__module__.rsplit(".", 1)[-1].title().replace("_", "") + name
            self.owners.setdefault(name, cls)
        return name


def _teach(plugin: MarshmallowPlugin) -> None:
    """What apispec cannot read from our fields and validators."""
    plugin.map_to_openapi_type(DateTimeUTC, "string", "date-time")
    converter = plugin.converter

    def diandian_field(self, field: fields.Field, ret: dict, **_kwargs) -> dict:
        owner = _owner(field)
        if owner is not None:
            for cls in type(owner).__mro__:
                doc = FIELD_DOCS.get((cls.__name__, field.name))
                if doc is not None:
                    ret.clear()
                    ret.update(_resolved(self, doc))
                    return {}
        if isinstance(field, OrganizationRef):
            return {"anyOf": [{"type": "integer", "minimum": 1},
                              {"type": "string", "minLength": 1, "maxLength": 200}],
                    "description": "An organisation by id or by name."}
        extra: dict = {}
        for v in field.validators:
            if isinstance(v, validate.Range):
                if v.min is not None and not v.min_inclusive:
                    ret.pop("minimum", None)
                    extra["exclusiveMinimum"] = v.min
                if v.max is not None and not v.max_inclusive:
                    ret.pop("maximum", None)
                    extra["exclusiveMaximum"] = v.max
            if isinstance(v, validate.NoneOf):
                extra["not"] = {"enum": list(v.iterable)}
        nullable = isinstance(field, DateTimeUTC) or (
            owner is not None and any(field.name in NULLABLE.get(c.__name__, ()) for c in type(owner).__mro__))
        if nullable and not field.allow_none and "type" in ret:
            types = ret["type"] if isinstance(ret["type"], list) else [ret["type"]]
            extra["type"] = [*types, "null"] if "null" not in types else types
        return extra

    converter.add_attribute_function(diandian_field)


def _resolved(converter, node):
    """A FIELD_DOCS entry with its marshmallow schema classes replaced by their components' $ref."""
    if isinstance(node, type) and issubclass(node, Schema):
        return converter.resolve_nested_schema(node)
    if isinstance(node, dict):
        return {key: _resolved(converter, value) for key, value in node.items()}
    return node


def _owner(field: fields.Field):
    """The schema a field belongs to (a List's inner field belongs to its List's schema)."""
    parent = field.parent
    while isinstance(parent, fields.Field):
        parent = parent.parent
    return parent


def _plain(spec: dict) -> dict:
    """JSON types only (limits come out of marshmallow as Decimal or date)."""

    def default(o):
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        if isinstance(o, date):
            return o.isoformat()
        raise TypeError(f"not JSON: {o!r}")

    return json.loads(json.dumps(spec, default=default))


def _loosen_responses(doc: dict) -> None:
    """Request schemas refuse unknown fields (marshmallow RAISE); what the service answers may gain fields
    (the contract lets the backend add them), so response-only components drop additionalProperties: false."""
    components = doc["components"]["schemas"]
    requests: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith(REF) and ref[len(REF):] not in requests:
                requests.add(ref[len(REF):])
                walk(components.get(ref[len(REF):]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for item in doc["paths"].values():
        for op in item.values():
            if isinstance(op, dict):
                walk(op.get("requestBody"))
                walk(op.get("parameters"))
    for name, schema in components.items():
        if name not in requests and schema.get("additionalProperties") is False:
            del schema["additionalProperties"]
