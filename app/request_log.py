"""Request ids and one access-log line per request (method, path, status, time; never bodies or tokens)."""
from __future__ import annotations

import logging
import re
import secrets
import sys
import time

from flask import Flask, g, has_request_context, request

log = logging.getLogger("diandian.request")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def printable(text: str, limit: int = 300) -> str:
    """A request's text as one harmless log line: controls, line breaks, invisible and bidi characters
    escaped as Python would (`\\n`, `\\x00`, `\\u202e`), cut to `limit` characters. A path can carry any."""
    text = text[:limit]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if "request_id" not in record.__dict__:  # the access line brings its own
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class _Formatter(logging.Formatter):
    """logging.Formatter's output, with the date and time formatted once per second, not per line."""

    _second = -1
    _text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        if second != self._second:
            self._text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = second
        return f"{self._text},{int(record.msecs):03d}"


def configure_logging(app: Flask) -> None:
    root = logging.getLogger("diandian")
    if not any(getattr(h, "_diandian", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._diandian = True  # type: ignore[attr-defined]
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(
            _Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _SAFE_ID.fullmatch(incoming) else secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id", "-")
        response.headers["X-Request-Id"] = request_id
        if log.isEnabledFor(logging.INFO):
            elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            # The path only: query strings may carry login codes or printed links.
            log.info("%s %s %s %.1fms", request.method, printable(request.path), response.status_code, elapsed,
                     extra={"request_id": request_id})
        return response
