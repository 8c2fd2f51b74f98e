"""Request ids and one access-log line per request (method, path, status, time; never bodies or tokens)."""
from __future__ import annotations

import logging
import re
import secrets
import sys
import time

from flask import Flask, g, request

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
        from flask import has_request_context

        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    root = logging.getLogger("diandian")
    if not any(getattr(h, "_diandian", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._diandian = True  # type: ignore[attr-defined]
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
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
        response.headers["X-Request-Id"] = g.get("request_id", "-")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        # The path only: query strings may carry login codes or printed links.
        log.info("%s %s %s %.1fms", request.method, printable(request.path), response.status_code, elapsed)
        return response
