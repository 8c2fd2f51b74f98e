"""One error envelope for every failure: {"error": {"code", "message", "fields"?}}."""
from __future__ import annotations

import logging

from flask import Flask
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.i18n import MESSAGES, field_messages, message

log = logging.getLogger("diandian.errors")


class AppError(Exception):
    """A failure the client can act on. `code` is stable and documented in miniprogram_api.md."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str | None = None, *, fields: dict | None = None):
        super().__init__(detail or self.code)
        self.detail = detail
        self.fields = fields


class Unauthorized(AppError):
    status_code, code = 401, "unauthorized"


class TokenInvalid(Unauthorized):
    code = "token_invalid"


class TokenExpired(Unauthorized):
    code = "token_expired"


class InvalidLoginCode(Unauthorized):
    code = "invalid_login_code"


class Forbidden(AppError):
    """Signed in, but this account's role or organisation may not do this (see app.policy)."""

    status_code, code = 403, "forbidden"


class CsrfFailed(AppError):
    status_code, code = 403, "csrf_failed"


class WeChatUnavailable(AppError):
    status_code, code = 502, "wechat_unavailable"


class NotFound(AppError):
    status_code, code = 404, "not_found"


class ScenarioNotFound(NotFound):
    code = "scenario_not_found"


class FootprintNotFound(NotFound):
    code = "footprint_not_found"


class FactorSetNotFound(NotFound):
    code = "factor_set_not_found"


class ScenarioClosed(AppError):
    status_code, code = 410, "scenario_closed"


class InvalidInput(AppError):
    """Input that passed the schema but fails a rule that needs data (unknown place, section not offered)."""

    status_code, code = 422, "validation_error"


class InvalidDeeplink(InvalidInput):
    code = "invalid_deeplink"


def error_response(status: int, code: str, detail: str | None = None, fields: dict | None = None):
    body = {"code": code, "message": message(code) if code in MESSAGES else (detail or code)}
    if detail and code in MESSAGES and detail != code:
        body["detail"] = detail
    if fields:
        body["fields"] = field_messages(fields)
    return {"error": body}, status


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    503: "service_unavailable",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(e: AppError):
        body, status = error_response(e.status_code, e.code, e.detail, e.fields)
        retry_after = getattr(e, "retry_after", None)
        return (body, status, {"Retry-After": str(retry_after)}) if retry_after else (body, status)

    @app.errorhandler(ValidationError)
    def _invalid(e: ValidationError):
        fields = e.messages if isinstance(e.messages, dict) else {"_schema": e.messages}
        return error_response(422, "validation_error", None, _flatten(fields))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        code = _HTTP_CODES.get(e.code or 500, e.name.lower().replace(" ", "_"))
        resp = error_response(e.code or 500, code, None)
        if e.code == 405 and getattr(e, "valid_methods", None):
            return resp[0], resp[1], {"Allow": ", ".join(e.valid_methods)}
        return resp

    @app.errorhandler(Exception)
    def _unhandled(e: Exception):
        # Never leak str(e): it may carry SQL, tokens or personal data.
        db.session.rollback()
        log.exception("unhandled error")
        return error_response(500, "internal_error")


def _flatten(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow nests errors ({'travel': {0: {'mode': [...]}}}); the envelope names dotted paths."""
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, path))
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out[path] = value
        elif isinstance(value, list):
            out[path] = [str(v) for v in value]
        else:
            out[path] = [str(value)]
    return out
