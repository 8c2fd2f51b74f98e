"""One error envelope for every failure: {"error": {"code", "message", "fields"?}}.

Three shapes, chosen by the view (`error_shape`): the JSON envelope (the default), WeChat Pay's own
{"code": "FAIL", "message"} for the notify endpoint (WeChat reads the status and retries), and a short
HTML page for the server-rendered pages. A database (or Redis) that cannot be reached is a 503
`service_unavailable` with `Retry-After` in every shape, logged as one WARNING line without a traceback.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, has_request_context, render_template, request
from marshmallow import ValidationError
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.i18n import MESSAGES, field_messages, language, message
from app.request_log import printable

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


class InvalidJSON(AppError):
    """The body is not JSON we read: unparseable, nested too deep, too many values, or not text."""

    status_code, code = 400, "invalid_json"


class UnsupportedMediaType(AppError):
    """A body that is not `application/json` sent to a JSON endpoint (also what stops cross-site forms)."""

    status_code, code = 415, "unsupported_media_type"


class TooManyRequests(AppError):
    """Refused for now, not for good: try again in `retry_after` seconds (sent as Retry-After). A rate limit,
    the per-host cap on heavy work, a sign-in throttle: each says why in its detail."""

    status_code, code = 429, "rate_limited"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    """A dependency (the database, Redis) cannot be reached: try again in `Retry-After` seconds."""

    status_code, code = 503, "service_unavailable"


def error_shape(shape: str):
    """Mark a view whose errors take another shape than the envelope: "wechat" or "html".

    Put it right under the route decorator; wrappers made with functools.wraps keep the mark.
    """
    if shape not in ("wechat", "html"):
        raise ValueError(shape)

    def mark(view):
        view.error_shape = shape
        return view

    return mark


def _shape() -> str:
    if not has_request_context() or request.endpoint is None:
        return "json"
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "error_shape", "json")


def error_response(status: int, code: str, detail: str | None = None, fields: dict | None = None):
    """The failure in the shape the endpoint answers in, with `Retry-After` on a 503."""
    headers = {"Retry-After": str(current_app.config.get("UNAVAILABLE_RETRY_AFTER_SECONDS", 5))} \
        if status == 503 and has_request_context() else {}
    shape = _shape()
    if shape == "wechat":
        return {"code": "FAIL", "message": code}, status, headers
    if shape == "html":
        lang = language()
        page = render_template("error.html", status=status, code=code, message=message(code, lang))
        return page, status, {**headers, "Content-Type": "text/html; charset=utf-8"}
    body = {"code": code, "message": message(code) if code in MESSAGES else (detail or code)}
    if detail and code in MESSAGES and detail != code:
        body["detail"] = detail
    if fields:
        body["fields"] = field_messages(fields)
    return {"error": body}, status, headers


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
        if e.status_code == 503:
            _rollback()
        body, status, headers = error_response(e.status_code, e.code, e.detail, e.fields)
        retry_after = e.retry_after if isinstance(e, TooManyRequests) else None
        if retry_after:
            headers = {**headers, "Retry-After": str(retry_after)}
        return body, status, headers

    @app.errorhandler(ValidationError)
    def _invalid(e: ValidationError):
        fields = e.messages if isinstance(e.messages, dict) else {"_schema": e.messages}
        return error_response(422, "validation_error", None, _flatten(fields))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        code = _HTTP_CODES.get(e.code or 500, e.name.lower().replace(" ", "_"))
        body, status, headers = error_response(e.code or 500, code, None)
        if e.code == 405 and getattr(e, "valid_methods", None):
            headers = {**headers, "Allow": ", ".join(e.valid_methods)}
        return body, status, headers

    @app.errorhandler(Exception)
    def _unhandled(e: Exception):
        _rollback()
        if is_unavailable(e):
            # One line, no traceback: while the database is away every request would log one.
            log.warning("service unavailable: %s %s: %s", request.method, printable(request.path), _reason(e))
            return error_response(503, "service_unavailable")
        # Never leak str(e): it may carry SQL, tokens or personal data.
        log.exception("unhandled error")
        return error_response(500, "internal_error")

    with app.app_context():
        event.listen(db.engine, "handle_error", _lost_connection_is_a_disconnect)


# -- a dependency that cannot be reached ------------------------------------------------------------------

def _driver_errors() -> tuple[type[BaseException], ...]:
    """The drivers' own connection-level errors, for the rare path that raises them unwrapped."""
    import sqlite3

    found: list[type[BaseException]] = [sqlite3.OperationalError, sqlite3.InterfaceError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - installed by requirements.txt
        pass
    else:
        found += [psycopg.OperationalError, psycopg.InterfaceError]
    try:
        import redis
    except ImportError:  # pragma: no cover - installed by requirements.txt
        pass
    else:
        found += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    return tuple(found)


_UNAVAILABLE = (sa_exc.DisconnectionError, sa_exc.TimeoutError, sa_exc.OperationalError, sa_exc.InterfaceError)


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says a dependency cannot be used right now (not that our code is wrong).

    SQLAlchemy's OperationalError and InterfaceError (connection refused or lost, server shutting down,
    deadlock, lock or statement timeout, SQLite's locked or unopenable file), DisconnectionError, the
    pool's TimeoutError, any error SQLAlchemy flagged as a disconnect, and the same errors of psycopg,
    sqlite3 and redis raised unwrapped.
    """
    if isinstance(exc, _UNAVAILABLE):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _driver_errors())


def _reason(exc: BaseException) -> str:
    """The error's class and the first line of the driver's message (never SQLAlchemy's, which quotes
    the statement and its parameters)."""
    orig = getattr(exc, "orig", None) or exc
    first = printable((str(orig).strip().splitlines() or [""])[0], 200)
    return f"{type(orig).__module__}.{type(orig).__name__}: {first}".rstrip(": ")


def _lost_connection_is_a_disconnect(ctx) -> None:
    """SQLAlchemy's handle_error hook: a lost server connection invalidates the connection and the pool.

    psycopg's dialect only calls an error a disconnect when the connection object says it is broken;
    a connection-level SQLSTATE (class 08, admin or crash shutdown) or a client-side failure without one
    is a disconnect too. The pool then replaces every connection made before it, so the next request
    connects afresh and works as soon as the database is back, with or without `pool_pre_ping`.
    """
    if ctx.is_disconnect:
        return
    orig = ctx.original_exception
    module = type(orig).__module__ or ""
    if not module.startswith("psycopg"):
        return
    import psycopg

    if isinstance(orig, psycopg.InterfaceError):
        ctx.is_disconnect = True
    elif isinstance(orig, psycopg.OperationalError):
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate is None or sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03"):
            ctx.is_disconnect = True


def _rollback() -> None:
    """End the request's transaction; on a dead connection that may fail too, then drop the session."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing to keep
        try:
            db.session.invalidate()
        except Exception:
            pass


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
