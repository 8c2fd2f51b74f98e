"""A small closed-loop HTTP/1.1 load generator, and the statistics it reports.

Why not `requests`, `http.client` or asyncio: the client shares the machine's (2) cores with the
server it measures, so it has to be cheap. Each virtual user is a thread with one blocking socket;
requests are written as raw bytes and responses parsed just enough (status line, Content-Length or
chunked, Connection). Blocking calls release the GIL, so the threads spend their time in the kernel,
not in Python: about 0.1 ms of client CPU per request against gunicorn's sync workers, which close
the connection after every response (a new TCP connection per request). An asyncio client measured
about 0.3 ms per request here and capped the bare baseline well below what the server could do.

Model: `concurrency` virtual users, each calling `user(ctx)` in a loop until the round ends. A user
makes requests through `ctx.request(step, method, path, ...)`, which times the call (connection set-up
included), checks the status and records the latency under `step`. A user that completes a whole
multi-step journey calls `ctx.journey_done(seconds)`. The footprint scenario has one step; the "door
rush" has eight (login, resolve, footprint, projects, order, confirm, order_status, certificate) and
gets per-step latencies, journey latencies and journeys/s from the same machinery. A response whose
status was expected but whose body is wrong is turned into an error with `ctx.reject(step, ...)`; a
known, non-error outcome (e.g. 409 insufficient_credits) is counted apart with `ctx.divert(step, ...)`.
Errors are broken down by kind (`HTTP 500 internal_error`, `ConnectionResetError`, `bad body`, ...).
Errors during the unrecorded warm-up are not in the round's figures but are counted apart
(`unrecorded_errors`), so a scenario that must see none can still fail on them.

Bounds: a round stops issuing requests after `duration` seconds or `max_requests` requests, whichever
comes first; each request has a socket timeout (`request_timeout`), and user threads still busy
`grace` seconds after the end are abandoned (they are daemon threads).
"""
from __future__ import annotations

import itertools
import json
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.sql_stats import parse_counts  # the X-SQL-Stats header: parsed where it is written


class HTTPError(Exception):
    """The server broke the protocol (counted as an error)."""


class _StaleConnection(ConnectionError):
    """A kept-alive connection was closed by the server before it answered: safe to retry."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _parse_chunked(buf: bytes, pos: int) -> tuple[bytes, int] | None:
    """(body, end position) of a complete chunked body starting at pos, or None if incomplete."""
    out = bytearray()
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(buf[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            while True:  # optional trailers, then a blank line
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                blank = eol == pos
                pos = eol + 2
                if blank:
                    return bytes(out), pos
        if len(buf) < pos + size + 2:
            return None
        out += buf[pos:pos + size]
        pos += size + 2


class Connection:
    """One blocking HTTP/1.1 client connection; (re)connects when needed, honours Connection: close."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self._host_header = f"{host}:{port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        head = [f"{method} {path} HTTP/1.1", f"Host: {self._host_header}"]
        if headers:
            head.extend(f"{k}: {v}" for k, v in headers.items())
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
        try:
            return self._roundtrip(raw)
        except _StaleConnection:
            self.close()
        return self._roundtrip(raw)  # once more, on a new connection

    def _roundtrip(self, raw: bytes) -> Response:
        reused = self.sock is not None
        if not reused:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock = self.sock
        try:
            sock.sendall(raw)
            buf = b""
            while (end := buf.find(b"\r\n\r\n")) < 0:
                data = sock.recv(65536)
                if not data:
                    if reused and not buf:
                        raise _StaleConnection("kept-alive connection closed by the server")
                    raise ConnectionResetError(f"server closed the connection after {len(buf)} bytes")
                buf += data
            lines = buf[:end].decode("latin-1").split("\r\n")
            version, _, rest = lines[0].partition(" ")
            if not version.startswith("HTTP/") or not rest[:3].isdigit():
                raise HTTPError(f"bad status line {lines[0]!r}")
            status = int(rest[:3])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            start = end + 4
            if "content-length" in headers:
                stop = start + int(headers["content-length"])
                while len(buf) < stop:
                    data = sock.recv(65536)
                    if not data:
                        raise ConnectionResetError("server closed the connection inside the body")
                    buf += data
                body = buf[start:stop]
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                while (parsed := _parse_chunked(buf, start)) is None:
                    data = sock.recv(65536)
                    if not data:
                        raise ConnectionResetError("server closed the connection inside the body")
                    buf += data
                body = parsed[0]
            elif status in (204, 304) or status < 200:
                body = b""
            else:  # delimited by the end of the connection
                while data := sock.recv(65536):
                    buf += data
                body = buf[start:]
                headers["connection"] = "close"
            if version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive":
                headers["connection"] = "close"
        except BaseException:
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body)

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()


# ---------------------------------------------------------------------------------------------
# Statistics


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _count(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


def latency_summary(latencies: list[float]) -> dict:
    """count, mean, p50, p90, p99, max (ms) of a list of seconds."""
    lat = sorted(latencies)
    n = len(lat)
    return {
        "count": n,
        "mean_ms": (sum(lat) / n * 1000) if n else math.nan,
        "p50_ms": percentile(lat, 50) * 1000,
        "p90_ms": percentile(lat, 90) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "max_ms": (lat[-1] * 1000) if n else math.nan,
    }


@dataclass
class StepStats:
    """Latencies (seconds) of the successful requests of one step, plus the failures."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)  # "HTTP 500 internal_error" -> count
    outcomes: dict[str, int] = field(default_factory=dict)  # known non-error outcomes, counted apart
    # From the service's X-SQL-Stats header (SQL_STATS=1): [responses counted, service statements,
    # service commits, sandbox statements, sandbox commits, service CPU µs, sandbox CPU µs].
    sql: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0, 0, 0])

    def merge(self, other: StepStats) -> None:
        self.sql = [a + b for a, b in zip(self.sql, other.sql)]
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        self.error_samples.extend(other.error_samples[: max(0, 5 - len(self.error_samples))])
        for k, n in other.error_kinds.items():
            _count(self.error_kinds, k, n)
        for k, n in other.outcomes.items():
            _count(self.outcomes, k, n)

    def summary(self, elapsed: float) -> dict:
        lat = sorted(self.latencies)
        ok = len(lat)
        return {
            "requests": ok + self.errors,
            "ok": ok,
            "errors": self.errors,
            "rps": ok / elapsed if elapsed > 0 else 0.0,
            "mean_ms": (sum(lat) / ok * 1000) if ok else math.nan,
            "p50_ms": percentile(lat, 50) * 1000,
            "p90_ms": percentile(lat, 90) * 1000,
            "p99_ms": percentile(lat, 99) * 1000,
            "max_ms": (lat[-1] * 1000) if ok else math.nan,
            "error_samples": self.error_samples,
            "error_kinds": dict(self.error_kinds),
            "outcomes": dict(self.outcomes),
            **({"sql_per_request": {k: v / self.sql[0] for k, v in zip(
                ("service_statements", "service_commits", "sandbox_statements", "sandbox_commits",
                 "service_cpu_us", "sandbox_cpu_us"), self.sql[1:])}}
               if self.sql[0] else {}),
        }


@dataclass
class RoundResult:
    target: str
    round: int
    concurrency: int
    elapsed: float
    steps: dict[str, StepStats]
    journeys: int
    client_cpu_s: float
    stuck_users: int = 0
    server_cpu_s: float | None = None
    journey_latencies: list[float] = field(default_factory=list)
    unrecorded_errors: int = 0  # errors during the round's unrecorded warm-up
    unrecorded_error_samples: list[str] = field(default_factory=list)
    intervals: dict[str, list[float]] = field(default_factory=dict)  # UserContext.record, by name

    @property
    def total_errors(self) -> int:
        return sum(s.errors for s in self.steps.values())

    def summary(self) -> dict:
        steps = {name: s.summary(self.elapsed) for name, s in self.steps.items()}
        extra: dict[str, Any] = {}
        if self.journey_latencies:
            extra["journey"] = latency_summary(self.journey_latencies)
        if self.intervals:
            extra["intervals"] = {name: {**latency_summary(v), "over_2s": sum(x > 2.0 for x in v)}
                                  for name, v in self.intervals.items()}
        if self.unrecorded_errors:
            extra["unrecorded_errors"] = self.unrecorded_errors
            extra["unrecorded_error_samples"] = self.unrecorded_error_samples
        return {
            "target": self.target,
            "round": self.round,
            "concurrency": self.concurrency,
            "elapsed_s": self.elapsed,
            "journeys": self.journeys,
            "journeys_per_s": self.journeys / self.elapsed if self.elapsed > 0 else 0.0,
            "client_cpu_s": self.client_cpu_s,
            "client_cpu_pct": 100 * self.client_cpu_s / self.elapsed if self.elapsed > 0 else 0.0,
            "stuck_users": self.stuck_users,
            "server_cpu_s": self.server_cpu_s,
            "errors": self.total_errors,
            "steps": steps,
            **extra,
        }


# ---------------------------------------------------------------------------------------------
# Running a round


class StopRound(Exception):
    """Raised inside a user when the round is over (deadline or request budget reached)."""


class _Round:
    """State shared by the user threads of one round."""

    def __init__(self, host: str, port: int, request_timeout: float, max_requests: int):
        self.host, self.port = host, port
        self.request_timeout = request_timeout
        self.max_requests = max_requests
        self.deadline = math.inf
        self.recording = False
        self.stopped = False  # set on Ctrl-C or when abandoning a round
        self.issued = itertools.count()  # next() is atomic under the GIL


class UserContext:
    """What a virtual user sees: its index, its connection, `request()` that records stats."""

    def __init__(self, index: int, runner: _Round):
        self.index = index
        self._runner = runner
        self.conn = Connection(runner.host, runner.port, runner.request_timeout)
        self.state: dict[str, Any] = {}  # per-user scratch space for scenarios (tokens, ids)
        self.steps: dict[str, StepStats] = {}  # this user's records, merged after the round
        self.journeys = 0
        self.journey_latencies: list[float] = []
        self.intervals: dict[str, list[float]] = {}
        self.unrecorded_errors = 0
        self.unrecorded_error_samples: list[str] = []
        self._last: tuple[str, bool] | None = None  # (step, latency recorded) of the last success

    def request(
        self,
        step: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        expect: int | tuple[int, ...] = 200,
        finish: bool = False,
        conn: Connection | None = None,
    ) -> Response | None:
        """Time one request under `step`. Returns the response when its status is expected, else None.

        Raises StopRound when the round's deadline or request budget is reached (before sending),
        unless `finish`: a journey past its point of no return (e.g. paid) sends its last requests even
        after the deadline, so that what it started is checked; they are still timed and counted, and
        the round's elapsed time includes them. Only a stopped round (Ctrl-C, abandoned) stops them.
        """
        r = self._runner
        if r.stopped:
            raise StopRound
        if r.recording and not finish and (time.perf_counter() >= r.deadline
                                           or next(r.issued) >= r.max_requests):
            raise StopRound
        recording = r.recording
        self._last = None
        t0 = time.perf_counter()
        try:
            resp = (conn or self.conn).request(method, path, body, headers)  # conn: another server
        except (OSError, HTTPError, ValueError) as exc:  # OSError: refused, reset, timeout
            self._error(step, f"{step}: {type(exc).__name__}: {exc}", type(exc).__name__, recording)
            return None
        elapsed = time.perf_counter() - t0
        ok = resp.status == expect if isinstance(expect, int) else resp.status in expect
        if not ok:
            self._error(step, f"{step}: HTTP {resp.status} {resp.body[:300]!r}", _http_kind(resp), recording)
            return None
        if recording:
            stats = self.steps.get(step) or self.steps.setdefault(step, StepStats())
            stats.latencies.append(elapsed)
            counted = resp.headers.get("x-sql-stats")
            if counted:
                stats.sql = [a + b for a, b in zip(stats.sql, [1, *parse_counts(counted)])]
        self._last = (step, recording)
        return resp

    def _error(self, step: str, message: str, kind: str, recording: bool = True) -> None:
        if not recording:
            self.unrecorded_errors += 1
            if len(self.unrecorded_error_samples) < 5:
                self.unrecorded_error_samples.append(message)
            return
        stats = self.steps.get(step) or self.steps.setdefault(step, StepStats())
        stats.errors += 1
        _count(stats.error_kinds, kind)
        if len(stats.error_samples) < 5:
            stats.error_samples.append(message)

    def _unrecord_last(self, step: str) -> bool:
        """Take back the latency of the last successful request of `step`; True if it was recorded."""
        last, self._last = self._last, None
        if last is None or last[0] != step:
            raise RuntimeError(f"reject/divert of {step!r} without a successful request of it just before")
        if last[1]:
            self.steps[step].latencies.pop()
        return last[1]

    def reject(self, step: str, message: str, kind: str = "bad body") -> None:
        """The last request (of `step`) had the expected status but a wrong body: count it as an error."""
        recorded = self._unrecord_last(step)
        self._error(step, f"{step}: {message}", kind, recorded)

    def divert(self, step: str, outcome: str) -> None:
        """The last request (of `step`) ended in a known, non-error outcome: count it apart, no latency."""
        if self._unrecord_last(step):
            _count(self.steps[step].outcomes, outcome)

    def record(self, name: str, seconds: float) -> None:
        """A measured interval that is not one request (e.g. paid -> certified): kept apart from the steps,
        so it counts in no request total."""
        if self._runner.recording:
            self.intervals.setdefault(name, []).append(seconds)

    def journey_done(self, seconds: float | None = None) -> None:
        """A whole journey completed; `seconds` (its duration) goes into the journey latencies."""
        if self._runner.recording:
            self.journeys += 1
            if seconds is not None:
                self.journey_latencies.append(seconds)


def _http_kind(resp: Response) -> str:
    """`HTTP <status>`, plus the API's error code when the body is `{"error": {"code": ...}}`."""
    try:
        code = json.loads(resp.body)["error"]["code"]
    except Exception:  # not JSON, or not the API's error shape
        return f"HTTP {resp.status}"
    return f"HTTP {resp.status} {code}"


UserFn = Callable[[UserContext], None]


def _user_thread(ctx: UserContext, user: UserFn, failures: list) -> None:
    try:
        while True:
            user(ctx)
    except StopRound:
        pass
    except BaseException as exc:  # a bug in the scenario: end the round and report it
        failures.append(exc)
        ctx._runner.stopped = True
    finally:
        ctx.conn.close()


def run_round(
    target: str,
    round_no: int,
    host: str,
    port: int,
    user: UserFn,
    *,
    concurrency: int = 8,
    duration: float = 5.0,
    warmup: float = 0.5,
    max_requests: int = 100_000,
    request_timeout: float = 30.0,
    grace: float = 10.0,
    setup: Callable[[UserContext], None] | None = None,
    server_cpu: Callable[[], float | None] | None = None,
) -> RoundResult:
    """Run `concurrency` users calling `user(ctx)` against host:port: `warmup` s unrecorded, then
    `duration` s (or `max_requests` requests) recorded. `setup(ctx)` runs once per user first;
    `server_cpu()` (CPU seconds used so far by the server) is read at both ends of the window."""
    rnd = _Round(host, port, request_timeout, max_requests)
    ctxs = [UserContext(i, rnd) for i in range(concurrency)]
    if setup is not None:
        for ctx in ctxs:
            setup(ctx)
    failures: list[BaseException] = []
    threads = [
        threading.Thread(target=_user_thread, args=(c, user, failures), name=f"user-{c.index}", daemon=True)
        for c in ctxs
    ]
    try:
        for t in threads:
            t.start()
        if warmup > 0:
            time.sleep(warmup)
        # The measured window: users keep going; from now on requests are counted and timed.
        srv0 = server_cpu() if server_cpu else None
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        rnd.deadline = t0 + duration
        rnd.recording = True
        # Until the deadline, or until every user has stopped (a request budget or a rush's last guest).
        while time.perf_counter() < rnd.deadline and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        limit = time.perf_counter() + grace
        for t in threads:
            t.join(max(0.0, limit - time.perf_counter()))
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        srv1 = server_cpu() if server_cpu else None
    finally:
        rnd.stopped = True  # also on Ctrl-C: users stop before their next request
    if failures:
        raise failures[0]
    stuck = sum(t.is_alive() for t in threads)
    steps: dict[str, StepStats] = {}
    journeys = 0
    journey_latencies: list[float] = []
    intervals: dict[str, list[float]] = {}
    unrecorded, unrecorded_samples = 0, []
    for c in ctxs:
        for name, v in c.intervals.items():
            intervals.setdefault(name, []).extend(v)
        for name, s in c.steps.items():
            steps.setdefault(name, StepStats()).merge(s)
        journeys += c.journeys
        journey_latencies.extend(c.journey_latencies)
        unrecorded += c.unrecorded_errors
        unrecorded_samples.extend(c.unrecorded_error_samples[: max(0, 5 - len(unrecorded_samples))])
    srv = (srv1 - srv0) if srv0 is not None and srv1 is not None else None
    return RoundResult(target, round_no, concurrency, elapsed, steps, journeys, cpu, stuck, srv,
                       journey_latencies, unrecorded, unrecorded_samples, intervals)
