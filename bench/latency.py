"""Sequential latency helpers for the render and leaderboard benches (bench/render.py, bench/leaderboard.py).

The throughput benches (bench/run.py) keep the server busy with many connections; these measure how long
one request takes when nothing else is queued: one request at a time, a new TCP connection each (as
gunicorn's sync workers close it after every response), timed from connect to the last body byte with
the same raw client as bench/load.py.
"""
from __future__ import annotations

import json
import math
import os
import time
from datetime import datetime
from pathlib import Path

from bench.load import Connection, Response, latency_summary, run_round
from bench.server import HOST, Gunicorn


class CheckFailed(RuntimeError):
    """An answer was not what the bench expects (status, headers or body); the message shows it."""


def timed(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
          timeout: float = 30.0) -> tuple[float, Response]:
    """(seconds, response) of one request on a new connection to 127.0.0.1:port."""
    conn = Connection(HOST, port, timeout)
    try:
        t0 = time.perf_counter()
        resp = conn.request(method, path, body, headers)
        return time.perf_counter() - t0, resp
    finally:
        conn.close()


def expect_status(resp: Response, status: int, what: str) -> None:
    if resp.status != status:
        raise CheckFailed(f"{what}: HTTP {resp.status} (expected {status}): "
                          f"{resp.body[:500].decode('utf-8', 'replace')}")


def stats(seconds: list[float]) -> dict:
    """count, mean, p50, p90, p99, max (ms); nearest-rank percentiles as in bench/load.py."""
    return latency_summary(seconds)


def fmt_ms(x: float | None, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def stat_cols(s: dict) -> str:
    return (f"{s['count']:>6} {fmt_ms(s['p50_ms']):>8} {fmt_ms(s['p90_ms']):>8} {fmt_ms(s['p99_ms']):>8} "
            f"{fmt_ms(s['mean_ms']):>8} {fmt_ms(s['max_ms'], 1):>8}")


STAT_HEADER = f"{'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8}"


def group_cpu_seconds(server: Gunicorn) -> float | None:
    """CPU (user + system) burnt so far by a gunicorn master and its workers (Linux /proc)."""
    if server.proc is None or not os.path.isdir("/proc"):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [server.proc.pid, *server.worker_pids()]:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def throughput(server: Gunicorn, name: str, path: str, headers: dict | None, *, concurrency: int,
               duration: float, warmup: float = 0.5, max_requests: int = 20_000,
               expect: int = 200) -> dict:
    """A closed-loop round (bench/load.py) of GET `path`: req/s, latency and errors under load."""

    def user(ctx) -> None:
        ctx.request(name, "GET", path, None, headers, expect=expect)
        ctx.journey_done()

    res = run_round(name, 1, HOST, server.port, user, concurrency=concurrency, duration=duration,
                    warmup=warmup, max_requests=max_requests, server_cpu=lambda: group_cpu_seconds(server))
    s = res.summary()
    step = s["steps"].get(name) or {"requests": 0, "ok": 0, "errors": 0, "rps": 0.0, "p50_ms": math.nan,
                                     "p99_ms": math.nan, "error_samples": []}
    done = step["requests"]
    return {"concurrency": concurrency, "seconds": s["elapsed_s"], "requests": done, "errors": step["errors"],
            "rps": step["rps"], "p50_ms": step["p50_ms"], "p99_ms": step["p99_ms"],
            "server_cpu_ms_per_req": (s["server_cpu_s"] * 1000 / done) if s["server_cpu_s"] is not None and done
            else None, "error_samples": step["error_samples"][:3]}


RESULTS_DIR = Path(__file__).resolve().parent / "results"


def save_results(results: dict, name: str, started: datetime, output: Path | None = None) -> Path:
    """The run's figures as JSON: `output`, else bench/results/<name>-<started>.json; returns the path."""
    out = output or RESULTS_DIR / f"{name}-{started.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(finite(results), indent=2, default=str, ensure_ascii=False) + "\n")
    return out


def finite(obj):
    """NaN / inf become None (JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj
