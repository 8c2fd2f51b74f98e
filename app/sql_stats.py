"""SQL statements and commits per request, for the benchmarks: the `X-SQL-Stats` response header.

Off unless SQL_STATS is set (`SQL_STATS=1` in the environment): then every response carries
`X-SQL-Stats: service=<statements>/<commits>; sandbox=<statements>/<commits>`, counted on the thread that
served it, including the requests it made in-process (the sandbox simulators' endpoints count as
`sandbox`, a notification they deliver back to the service counts as `service`). The bench reads it per
step. Off, nothing is registered: no cost.
"""
from __future__ import annotations

import threading

from flask import Flask, has_request_context, request
from sqlalchemy import event

from app.extensions import db

_local = threading.local()


def init_sql_stats(app: Flask) -> None:
    if not app.config.get("SQL_STATS"):
        return
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: _add(0))
    event.listen(engine, "commit", lambda *args: _add(1))

    @app.before_request
    def _enter():
        depth = getattr(_local, "depth", 0)
        if depth == 0:
            _local.counts = [0, 0, 0, 0]
        _local.depth = depth + 1

    @app.after_request
    def _header(response):
        if getattr(_local, "depth", 0) == 1:
            c = _local.counts
            response.headers["X-SQL-Stats"] = f"service={c[0]}/{c[1]}; sandbox={c[2]}/{c[3]}"
        return response

    @app.teardown_request
    def _leave(_exc):
        _local.depth = max(0, getattr(_local, "depth", 1) - 1)


def _add(kind: int) -> None:
    counts = getattr(_local, "counts", None)
    if counts is None or not getattr(_local, "depth", 0):
        return
    sandbox = has_request_context() and request.path.startswith("/sandbox/")
    counts[kind + (2 if sandbox else 0)] += 1
