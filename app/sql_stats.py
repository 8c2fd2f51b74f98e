"""SQL statements, commits and CPU time per request, for the benchmarks: the `X-SQL-Stats` response header.

Off unless SQL_STATS is set (`SQL_STATS=1` in the environment): then every response carries
`X-SQL-Stats: service=<statements>/<commits>; sandbox=<statements>/<commits>; cpu=<service µs>/<sandbox µs>`,
counted on the thread that served it, including the requests it made in-process (the sandbox simulators'
endpoints count as `sandbox`, a notification they deliver back to the service counts as `service`). CPU is
the thread's own (`time.thread_time_ns`) from the first `before_request` hook to the last `after_request`
hook: the application's work with its hooks, without the WSGI server's parsing and writing around it.
The simulator server relays the headers of the service's answers to its deliveries (`relay`), so a
notification delivered over HTTP is counted on the pay sheet's step. The bench reads it per step. Off,
nothing is registered: no cost.
"""
from __future__ import annotations

import threading
import time

from flask import Flask, request
from sqlalchemy import event

from app.extensions import db

HEADER = "X-SQL-Stats"
_local = threading.local()


def init_sql_stats(app: Flask) -> None:
    if not app.config.get("SQL_STATS"):
        return
    with app.app_context():
        engine = db.engine
    listen(engine, statement=lambda _text: _add(0), commit=lambda: _add(1))

    def _enter():
        stack = getattr(_local, "stack", None)
        if not stack:
            _local.counts = [0, 0, 0, 0, 0, 0]
            stack = _local.stack = []
        # [CPU at the start, CPU of the nested requests, a simulator's endpoint?, settled?]
        stack.append([time.thread_time_ns(), 0, request.path.startswith("/sandbox/"), False])

    def _header(response):
        stack = getattr(_local, "stack", None)
        if stack:
            _settle(stack)
            if len(stack) == 1:
                response.headers[HEADER] = format_counts(_local.counts)
        return response

    @app.teardown_request
    def _leave(_exc):
        stack = getattr(_local, "stack", None)
        if stack:
            if not stack[-1][3]:  # an error no handler answered: its CPU still counts
                _settle(stack)
            stack.pop()

    # The first hook before the request and the last after it (after_request hooks run in reverse), so
    # the CPU counted includes the others: rate limits, the access log, the security headers.
    app.before_request_funcs.setdefault(None, []).insert(0, _enter)
    app.after_request_funcs.setdefault(None, []).insert(0, _header)


def listen(engine, *, statement, commit, begin=None) -> None:
    """Call `statement(text)` for each statement the engine runs and `commit()` for each commit the database
    makes: a transaction's COMMIT, or a write run in autocommit (app.extensions.own_transaction), which
    commits as it runs; an autocommitted read commits nothing, nor does the session's commit() after it.
    `begin()`, if given, for each transaction opened (a BEGIN sent; none in autocommit)."""

    def autocommit(conn) -> bool:
        return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"

    def on_statement(conn, _cursor, text, *_args):
        statement(text)
        if autocommit(conn) and text.lstrip()[:6].upper() != "SELECT":
            commit()

    def on_commit(conn):
        if not autocommit(conn):
            commit()

    def on_begin(conn):
        if not autocommit(conn):
            begin()

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    if begin is not None:
        event.listen(engine, "begin", on_begin)


def _settle(stack: list) -> None:
    """The innermost request's own CPU (its nested requests' apart) to its side; the whole to its parent's."""
    frame = stack[-1]
    if frame[3]:
        return
    elapsed = time.thread_time_ns() - frame[0]
    _local.counts[5 if frame[2] else 4] += max(0, elapsed - frame[1]) // 1000
    if len(stack) > 1:
        stack[-2][1] += elapsed
    frame[3] = True


def format_counts(c: list[int]) -> str:
    return f"service={c[0]}/{c[1]}; sandbox={c[2]}/{c[3]}; cpu={c[4]}/{c[5]}"


def parse_counts(header: str) -> list[int]:
    """`service=11/1; sandbox=2/1; cpu=5400/800` -> [11, 1, 2, 1, 5400, 800] (missing parts: 0)."""
    out = [0, 0, 0, 0, 0, 0]
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        first, _, second = value.partition("/")
        if name in ("service", "sandbox", "cpu") and first.isdigit() and second.isdigit():
            i = {"service": 0, "sandbox": 2, "cpu": 4}[name]
            out[i], out[i + 1] = int(first), int(second)
    return out


def relay(counts: list[int], header: str | None) -> None:
    """Add another process's `X-SQL-Stats` (a delivery's answer) into `counts`, in place."""
    if header:
        for i, n in enumerate(parse_counts(header)):
            counts[i] += n


def add_to_request(header: str | None) -> None:
    """Count another process's `X-SQL-Stats` in this thread's request (a no-op when off)."""
    counts = getattr(_local, "counts", None)
    if counts is not None and getattr(_local, "stack", None):
        relay(counts, header)


def _add(kind: int) -> None:
    stack = getattr(_local, "stack", None)
    if stack:  # the innermost request's frame says whose endpoint it is (set once, in _enter)
        _local.counts[kind + (2 if stack[-1][2] else 0)] += 1
