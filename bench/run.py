"""Benchmark CLI: `python -m bench.run [--target footprint|door-rush|render|leaderboard] [--rounds 3] ...`

Starts the target and its baseline under the same gunicorn settings at the same time (each on its own
loopback port), then alternates measured rounds between them (baseline, target, baseline, target, ...)
so that both see the same machine noise, and reports the median of the rounds and the ratio
target/baseline req/s. `--target door-rush` runs whole guest journeys (login to certificate) on
PostgreSQL and checks the claim and ledger invariants in the database afterwards. `--target render`
(certificate images, bench/render.py) and `--target leaderboard` (leaderboards over 1,000,000 certificates,
bench/leaderboard.py) are benches of their own: every other argument goes to them (`--target render --help`).
See bench/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.latency import group_cpu_seconds, save_results
from bench.load import RoundResult, run_round
from bench.scenarios import (
    FOOTPRINT_ENV,
    PAID_TO_CERTIFIED,
    SCENARIOS,
    JourneyCheckFailed,
    Scenario,
    floor_scenario,
)
from bench.server import (
    HOST,
    ROOT,
    RUSH_PROJECT,
    Balanced,
    BenchError,
    Gunicorn,
    QueueWorker,
    add_rush_stock,
    database_backends_cpu_seconds,
    free_port,
    postgres_pid,
    prepared_environment,
    scratch_postgres,
    sigterm_as_keyboard_interrupt,
    tree_cpu_seconds,
)

#: Defaults that depend on the target (None in argparse = "the target's default").
TARGET_DEFAULTS = {
    "door-rush": {"rounds": 3, "duration": 10.0, "concurrency": 16, "round_warmup": 1.0},
}
GENERIC_DEFAULTS = {"rounds": 3, "duration": 5.0, "concurrency": 8, "round_warmup": 0.5}

#: Targets that are benches of their own (latency, not rounds against a baseline): `--target NAME` hands
#: the other arguments to that module's main().
STANDALONE_TARGETS = {"render": "bench.render", "leaderboard": "bench.leaderboard", "timings": "bench.timings",
                      "flood": "bench.flood", "dashboard": "bench.dashboard"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", choices=sorted([*SCENARIOS, *STANDALONE_TARGETS]), default="footprint",
                   help="what to measure (default: footprint, compared with the bare Flask route); render and "
                        "leaderboard take their own options (--target render --help)")
    p.add_argument("--no-baseline", action="store_true", help="measure the target alone")
    p.add_argument("--rounds", type=int, default=None, help="measured rounds per target (default 3)")
    p.add_argument("--duration", type=float, default=None,
                   help="seconds per measured round (default 5; door-rush 10)")
    p.add_argument("--warmup", type=float, default=2.0,
                   help="seconds of unrecorded load per target before the first round (default 2)")
    p.add_argument("--round-warmup", type=float, default=None,
                   help="seconds of unrecorded load at the start of every round (default 0.5; door-rush 1)")
    p.add_argument("--concurrency", "-c", type=int, default=None,
                   help="connections / virtual users (default 8; door-rush 16 concurrent guests)")
    p.add_argument("--workers", "-w", type=int, default=2, help="gunicorn workers per server (default 2)")
    p.add_argument("--hosts", type=int, choices=(1, 2), default=1,
                   help="2: the service as two instances behind HAProxy (deploy/), sharing the database and "
                        "Redis, each with --workers workers; per-instance counts reported (default 1)")
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL") or None,
                   help="REDIS_URL for the service (default $BENCH_REDIS_URL, else none); required by --hosts 2. "
                        "A Redis db of its own: the run leaves rate-limit counts and leaderboard sets in it")
    p.add_argument("--worker-class", "-k", default="sync", help="gunicorn worker class (default sync)")
    p.add_argument("--threads", type=int, default=1, help="gunicorn --threads (gthread only; default 1)")
    p.add_argument("--users", type=int, default=4,
                   help="footprint: distinct sandbox guests logged in (default 4)")
    p.add_argument("--guests", type=int, default=0,
                   help="door-rush: 0 = a new sandbox guest every journey (default), N = a pool of N guests")
    p.add_argument("--pick", choices=("first", "random", "most", "both"), default="first",
                   help="door-rush: project each guest orders from: the first listed with enough stock "
                        "(default; all guests on one project, the most contention), a random one, the "
                        "one with the most available kg, or both: the rush on one project and the rush "
                        "spread over four, alternating rounds on the same server (make bench-rush)")
    p.add_argument("--total-guests", type=int, default=None,
                   help="door-rush: a rush of exactly this many guests (one long round that ends when the last "
                        "journey has started; --rounds 1 and a long --duration are implied)")
    p.add_argument("--stock-t", type=int, default=None,
                   help="door rush: tonnes of new credits imported into every project, after adding a fourth "
                        "project (default with --total-guests N: N/2 + 200, enough for the whole rush on one "
                        "project; 0: the seed's stock only)")
    p.add_argument("--deliveries", type=int, default=2,
                   help="door-rush: WeChat Pay notification deliveries per payment (default 2)")
    p.add_argument("--sandbox-server", action="store_true",
                   help="door-rush: run the WeChat simulators as their own gunicorn (app.sandbox.server, its own "
                        "scratch database), reached over HTTP; guests pay it directly; its CPU reported apart")
    p.add_argument("--sandbox-threads", type=int, default=16,
                   help="--sandbox-server: gthread threads in each of its 2 workers (default 16)")
    p.add_argument("--max-requests", type=int, default=50_000,
                   help="request budget per round; the round ends early when it is spent (default 50000)")
    p.add_argument("--request-timeout", type=float, default=30.0, help="per-request timeout, s (default 30)")
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL") or None,
                   help="database for the service: a URL (an empty database of its own, see "
                        "bench/README.md), 'sqlite' (a temp SQLite file) or 'scratch' (a new PostgreSQL "
                        "database on $BENCH_PG_ADMIN_URL or postgresql://postgres@127.0.0.1:5432/postgres, "
                        "dropped at the end). Default: $BENCH_DATABASE_URL, else sqlite for footprint "
                        "and scratch for door-rush")
    p.add_argument("--reset-db", action="store_true",
                   help="run `flask db downgrade base` on --db-url first (DROPS its Diandian tables)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (database, gunicorn logs)")
    p.add_argument("--min-ratio", type=float, default=None,
                   help="exit 3 if target/baseline req/s is below this (default: report only)")
    p.add_argument("--output", type=Path, default=None,
                   help="results JSON path (default bench/results/<target>-<timestamp>.json)")
    p.add_argument("--sqlite-only", action="store_true",
                   help="footprint: skip the PostgreSQL pass that follows the SQLite one when no database is named")
    args = p.parse_args(argv)
    if args.total_guests is not None:
        if args.target != "door-rush" or not 1 <= args.total_guests <= 100_000:
            p.error("--total-guests applies to --target door-rush, 1..100000")
        args.rounds = 1
        args.duration = args.duration or 3600.0  # the budget ends the round
        args.max_requests = max(args.max_requests, args.total_guests * 12)
    # The footprint target without a named database measures SQLite, then a scratch PostgreSQL database.
    args.both_databases = args.target == "footprint" and args.db_url is None and not args.sqlite_only
    for name, value in {**GENERIC_DEFAULTS, **TARGET_DEFAULTS.get(args.target, {})}.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.db_url is None:
        args.db_url = "scratch" if args.target == "door-rush" else "sqlite"
    if args.sandbox_server and args.target != "door-rush":
        p.error("--sandbox-server applies to --target door-rush")
    if args.hosts == 2 and args.db_url == "sqlite":
        p.error("--hosts 2 shares one database between hosts: PostgreSQL (scratch or a URL), not sqlite")
    if args.hosts == 2 and not args.redis_url:
        p.error("--hosts 2 needs --redis-url (or $BENCH_REDIS_URL): the hosts share Redis")
    if args.guests < 0:
        p.error("--guests cannot be negative")
    if not (1 <= args.deliveries <= 20):
        p.error("--deliveries must be 1 to 20")
    for name in ("rounds", "concurrency", "workers", "users", "max_requests", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not (0 < args.duration <= (7200 if args.total_guests else 600)):
        p.error("--duration must be in (0, 600] seconds (7200 with --total-guests)")
    if args.warmup < 0 or args.round_warmup < 0:
        p.error("warm-up times cannot be negative")
    return args


# ---------------------------------------------------------------------------------------------
# Server-side CPU (Linux /proc): how much CPU the gunicorn master + workers burnt in a round.


# ---------------------------------------------------------------------------------------------
# Reporting


def header(width: int = 10) -> str:
    return (f"{'round':>5}  {'target':<{width}} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} "
            f"{'p90 ms':>7} {'p99 ms':>7} {'max ms':>7} {'srv cpu ms/req':>14} {'client cpu':>10}")


HEADER = header()


def _fmt(x: float, digits: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def round_rows(summary: dict, width: int = 10) -> list[str]:
    rows = []
    for step, s in summary["steps"].items():
        label = summary["target"] if step == summary["target"] else f"{summary['target']}:{step}"
        srv = summary.get("server_cpu_ms_per_req")
        rows.append(
            f"{summary['round']:>5}  {label:<{width}} {s['requests']:>8} {s['errors']:>6} {s['rps']:>8.1f} "
            f"{_fmt(s['p50_ms'], 2):>7} {_fmt(s['p90_ms'], 2):>7} {_fmt(s['p99_ms'], 2):>7} "
            f"{_fmt(s['max_ms'], 1):>7} {_fmt(srv, 2):>14} {summary['client_cpu_pct']:>9.0f}%"
        )
        for sample in s["error_samples"][:3]:
            rows.append(f"       ! {sample}")
    return rows


def journey_rows(summary: dict, steps: tuple[str, ...], width: int) -> list[str]:
    """A journey scenario's round: one row of whole journeys (count, journeys/s, journey latency), then
    one indented row per step (requests, req/s, latency), error samples and diverted outcomes."""
    j = summary.get("journey") or {}
    srv = summary.get("server_cpu_ms_per_req")
    rows = [
        f"{summary['round']:>5}  {summary['target'] + ' journeys':<{width}} {summary['journeys']:>8} "
        f"{summary['errors']:>6} {summary['journeys_per_s']:>8.1f} {_fmt(j.get('p50_ms'), 1):>7} "
        f"{_fmt(j.get('p90_ms'), 1):>7} {_fmt(j.get('p99_ms'), 1):>7} {_fmt(j.get('max_ms'), 1):>7} "
        f"{_fmt(srv, 2):>14} {summary['client_cpu_pct']:>9.0f}%"
    ]
    for step in [*steps, *(k for k in summary["steps"] if k not in steps)]:
        s = summary["steps"].get(step)
        if s is None:
            continue
        rows.append(
            f"{'':>5}    {step:<{width - 2}} {s['requests']:>8} {s['errors']:>6} {s['rps']:>8.1f} "
            f"{_fmt(s['p50_ms'], 2):>7} {_fmt(s['p90_ms'], 2):>7} {_fmt(s['p99_ms'], 2):>7} "
            f"{_fmt(s['max_ms'], 1):>7}"
        )
        for outcome, n in s.get("outcomes", {}).items():
            rows.append(f"       ~ {step}: {outcome} x{n} (not an error; counted apart)")
        for sample in s["error_samples"][:3]:
            rows.append(f"       ! {sample}")
    if summary.get("unrecorded_errors"):
        rows.append(f"       ! {summary['unrecorded_errors']} error(s) in the round's warm-up, e.g. "
                    f"{summary['unrecorded_error_samples'][:2]}")
    return rows


def aggregate(rounds: list[dict], step: str) -> dict:
    """Median over rounds of req/s, p50, p99 (each a per-round figure), plus totals."""
    per = [r["steps"][step] for r in rounds if step in r["steps"]]
    if not per:
        return {"rounds": 0}

    def med(key):
        vals = [p[key] for p in per if not math.isnan(p[key])]
        return statistics.median(vals) if vals else math.nan

    srv = [r["server_cpu_ms_per_req"] for r in rounds if r.get("server_cpu_ms_per_req") is not None]
    return {
        "rounds": len(per),
        "rps": med("rps"),
        "p50_ms": med("p50_ms"),
        "p99_ms": med("p99_ms"),
        "rps_min": min(p["rps"] for p in per),
        "rps_max": max(p["rps"] for p in per),
        "requests": sum(p["requests"] for p in per),
        "errors": sum(p["errors"] for p in per),
        "server_cpu_ms_per_req": statistics.median(srv) if srv else None,
    }


def journey_aggregate(rounds: list[dict], steps: tuple[str, ...]) -> dict:
    """Door rush: medians over rounds of journeys/s, journey p50/p99, all-steps req/s and each step's
    p50/p99; totals of journeys, requests, errors (by step and kind) and diverted outcomes."""
    if not rounds:
        return {"rounds": 0}

    def med(vals):
        vals = [v for v in vals if v is not None and not math.isnan(v)]
        return statistics.median(vals) if vals else math.nan

    per_step = {}
    for step in [*steps, *sorted({k for r in rounds for k in r["steps"]} - set(steps))]:
        per = [r["steps"][step] for r in rounds if step in r["steps"]]
        kinds: dict[str, int] = {}
        outcomes: dict[str, int] = {}
        for p in per:
            for k, n in p.get("error_kinds", {}).items():
                kinds[k] = kinds.get(k, 0) + n
            for k, n in p.get("outcomes", {}).items():
                outcomes[k] = outcomes.get(k, 0) + n
        per_step[step] = {
            "requests": sum(p["requests"] for p in per), "errors": sum(p["errors"] for p in per),
            "rps": med([p["rps"] for p in per]), "p50_ms": med([p["p50_ms"] for p in per]),
            "p99_ms": med([p["p99_ms"] for p in per]), "max_ms": max((p["max_ms"] for p in per
                                                                    if not math.isnan(p["max_ms"])), default=math.nan),
            "error_kinds": kinds, "outcomes": outcomes,
        }
        sql = [(p["sql_per_request"], p["ok"]) for p in per if p.get("sql_per_request") and p["ok"]]
        if sql:  # X-SQL-Stats (SQL_STATS=1): mean per request over every round
            n = sum(ok for _, ok in sql)
            per_step[step]["sql_per_request"] = {k: sum(d[k] * ok for d, ok in sql) / n for k in sql[0][0]}
    rps_all = [sum(s["ok"] for s in r["steps"].values()) / r["elapsed_s"] for r in rounds if r["elapsed_s"] > 0]
    srv_j = [r["server_cpu_s"] * 1000 / r["journeys"] for r in rounds
             if r.get("server_cpu_s") is not None and r["journeys"]]
    srv_r = [r["server_cpu_ms_per_req"] for r in rounds if r.get("server_cpu_ms_per_req") is not None]
    return {
        "rounds": len(rounds),
        "journeys": sum(r["journeys"] for r in rounds),
        "journeys_per_s": med([r["journeys_per_s"] for r in rounds]),
        "journeys_per_s_min": min(r["journeys_per_s"] for r in rounds),
        "journeys_per_s_max": max(r["journeys_per_s"] for r in rounds),
        "journey_p50_ms": med([(r.get("journey") or {}).get("p50_ms") for r in rounds]),
        "journey_p99_ms": med([(r.get("journey") or {}).get("p99_ms") for r in rounds]),
        "rps": med(rps_all),  # successful requests per second, all steps together
        "requests": sum(s["requests"] for s in per_step.values()),
        "errors": sum(s["errors"] for s in per_step.values()),
        "server_cpu_ms_per_journey": med(srv_j) if srv_j else None,
        "server_cpu_ms_per_req": med(srv_r) if srv_r else None,
        "steps": per_step,
    }


def journey_report(name: str, agg: dict, steps_per_journey: int) -> list[str]:
    lines = [
        f"{name}: {agg['journeys_per_s']:.1f} journeys/s (rounds {agg['journeys_per_s_min']:.1f}..."
        f"{agg['journeys_per_s_max']:.1f}; {agg['journeys']} journeys), journey p50 {agg['journey_p50_ms']:.0f} ms "
        f"p99 {agg['journey_p99_ms']:.0f} ms, {agg['rps']:.0f} req/s over {steps_per_journey} steps "
        f"(errors {agg['errors']}); server CPU {_fmt(agg['server_cpu_ms_per_journey'], 1)} ms/journey, "
        f"{_fmt(agg['server_cpu_ms_per_req'], 2)} ms/request",
        f"  {'step':<13} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'SQL':>5} {'commits':>7} {'CPU ms':>6}   (p50/p99: median over rounds; SQL, commits and CPU: the "
        "service's, per request)",
    ]
    per_journey = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    for step, s in agg["steps"].items():
        sql = s.get("sql_per_request")
        if sql:
            counts = [sql["service_statements"], sql["service_commits"], sql["sandbox_statements"],
                      sql["sandbox_commits"], sql.get("service_cpu_us", 0) / 1000, sql.get("sandbox_cpu_us", 0) / 1000]
            # per journey: every step is one request of every journey, so the sum of the steps' means. (Their
            # request counts divided by the journeys completed in the window are not: journeys started in the
            # warm-up finish in it, those cut at its end never reach their last steps.)
            per_journey = [a + b for a, b in zip(per_journey, counts)]
        extra = ""
        if s["error_kinds"]:
            extra += "  errors: " + ", ".join(f"{k} x{n}" for k, n in sorted(s["error_kinds"].items()))
        if s["outcomes"]:
            extra += "  apart: " + ", ".join(f"{k} x{n}" for k, n in sorted(s["outcomes"].items()))
        sql_cols = (f" {sql['service_statements']:>5.1f} {sql['service_commits']:>7.1f} "
                    f"{sql.get('service_cpu_us', 0) / 1000:>6.2f}" if sql else " " * 21)
        lines.append(f"  {step:<13} {s['requests']:>8} {s['errors']:>6} {_fmt(s['p50_ms'], 2):>8} "
                     f"{_fmt(s['p99_ms'], 2):>8} {_fmt(s['max_ms'], 1):>8}{sql_cols}{extra}")
    if any(per_journey):
        agg["sql_per_journey"] = dict(zip(("service_statements", "service_commits", "sandbox_statements",
                                           "sandbox_commits", "service_cpu_ms", "sandbox_cpu_ms"), per_journey))
        # a step whose answers carried no header (with --sandbox-server the simulator server relays the
        # service's answers to its deliveries on the pay sheet's: app/sandbox/confirm.deliver)
        agg["sql_unseen_steps"] = [step for step, s in agg["steps"].items() if not s.get("sql_per_request")]
        lines.append(f"  SQL per journey: service {per_journey[0]:.1f} statements, {per_journey[1]:.1f} commits; "
                     f"in-process simulators {per_journey[2]:.1f} statements, {per_journey[3]:.1f} commits"
                     + (f" (not counted: {', '.join(agg['sql_unseen_steps'])})" if agg["sql_unseen_steps"] else ""))
        lines.append(f"  CPU per journey inside the application (X-SQL-Stats; the server's HTTP work around it not "
                     f"in it): service {per_journey[4]:.1f} ms, in-process simulators {per_journey[5]:.1f} ms")
    return lines


def summary_line(name: str, agg: dict) -> str:
    return (f"{name}: {agg['rps']:.0f} req/s p50 {agg['p50_ms']:.1f} ms p99 {agg['p99_ms']:.1f} ms"
            f" (errors {agg['errors']})")


# ---------------------------------------------------------------------------------------------


class ServedBy:
    """--hosts 2: which instance answered each request of each journey (HAProxy's X-Served-By)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.journeys = self.both = self.pairs = self.switches = 0

    def wrap(self, user):
        def traced_user(ctx) -> None:
            served = ctx.state.get("_served_by")
            if served is None:  # a new UserContext (every round): trace its connection once
                served = ctx.state["_served_by"] = []
                send = ctx.conn.request

                def request(*a, **kw):
                    resp = send(*a, **kw)
                    served.append(resp.headers.get("x-served-by"))
                    return resp

                ctx.conn.request = request
            served.clear()
            try:
                user(ctx)
            finally:
                if len(served) > 1:
                    with self.lock:
                        self.journeys += 1
                        self.both += len(set(served)) > 1
                        self.pairs += len(served) - 1
                        self.switches += sum(a != b for a, b in zip(served, served[1:]))

        return traced_user

    def summary(self) -> dict:
        return {"journeys": self.journeys, "journeys_on_both": self.both, "step_pairs": self.pairs,
                "step_pairs_switched": self.switches}


def measure(srv: Gunicorn | Balanced, scn: Scenario, data: dict | None, args, round_no: int, duration: float,
            warmup: float, sandbox: Gunicorn | None = None, others: dict | None = None,
            work: dict | None = None) -> dict:
    """One round; with `sandbox` (the simulator server), its CPU over the same window, apart; `others`
    maps a name (postgresql, worker) to a reader of that process tree's CPU seconds, reported apart too.
    `work` maps some of those names to a reader of how many journeys' worth of their work is done so far
    (the queue worker: pictures stored ÷ 2): their CPU is divided by the work they did in the window, not
    by the journeys, so a worker that falls behind still shows what a journey's work costs it."""
    setup = functools.partial(scn.setup, data=data) if scn.setup else None
    sandbox_marks: list[float | None] = []
    other_marks: dict[str, list[float | None]] = {name: [] for name in others or {}}
    work_marks: dict[str, list[float | None]] = {name: [] for name in work or {}}
    balanced = isinstance(srv, Balanced)

    def server_cpu() -> float | None:  # read at both ends of the measured window
        if sandbox is not None:
            sandbox_marks.append(group_cpu_seconds(sandbox))
        for name, read in (others or {}).items():
            other_marks[name].append(read())
        for name, read in (work or {}).items():
            work_marks[name].append(read())
        return srv.cpu_seconds() if balanced else group_cpu_seconds(srv)

    served = ServedBy() if balanced else None
    before = srv.requests_per_instance() if balanced else {}
    res: RoundResult = run_round(
        scn.name, round_no, HOST, srv.port, served.wrap(scn.user) if served else scn.user,
        concurrency=args.concurrency, duration=duration, warmup=warmup,
        max_requests=args.max_requests, request_timeout=args.request_timeout,
        setup=setup, server_cpu=server_cpu,
    )
    summary = res.summary()
    if balanced:
        after = srv.requests_per_instance()
        summary["instances"] = {name: after.get(name, 0) - before.get(name, 0) for name in after}
        summary["served_by"] = served.summary()
    done = sum(s["ok"] + s["errors"] for s in summary["steps"].values())
    summary["server_cpu_ms_per_req"] = (
        res.server_cpu_s * 1000 / done if res.server_cpu_s is not None and done else None
    )
    if len(sandbox_marks) >= 2 and None not in sandbox_marks[-2:]:
        summary["sandbox_cpu_s"] = sandbox_marks[-1] - sandbox_marks[-2]
        journeys = summary.get("journeys") or 0
        summary["sandbox_cpu_ms_per_journey"] = summary["sandbox_cpu_s"] * 1000 / journeys if journeys else None
        summary["server_cpu_ms_per_journey"] = (res.server_cpu_s * 1000 / journeys
                                                if journeys and res.server_cpu_s is not None else None)
    journeys = summary.get("journeys") or 0
    for name, marks in other_marks.items():
        work_at = work_marks.get(name, [])
        done = work_at[-1] - work_at[-2] if len(work_at) >= 2 and None not in work_at[-2:] else None
        if done is not None:
            summary.setdefault("work_done_journeys", {})[name] = done
        per = done or journeys  # no work measured (or none done in the window): per journey run
        if per and len(marks) >= 2 and None not in marks[-2:]:
            summary.setdefault("cpu_ms_per_journey", {})[name] = (marks[-1] - marks[-2]) * 1000 / per
    if journeys and res.server_cpu_s is not None:
        summary.setdefault("cpu_ms_per_journey", {})["service"] = res.server_cpu_s * 1000 / journeys
    return summary


def _standalone_target(argv: list[str] | None) -> tuple[str | None, list[str]]:
    """(module, the other arguments) when --target names a standalone bench, else (None, argv)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--target")
    known, rest = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    return STANDALONE_TARGETS.get(known.target), rest


def _postgres_reachable() -> bool:
    """Whether the scratch database's server answers (the footprint's PostgreSQL pass needs one)."""
    import psycopg

    from bench.server import DEFAULT_PG_ADMIN_URL

    try:
        psycopg.connect(os.environ.get("BENCH_PG_ADMIN_URL") or DEFAULT_PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    module, rest = _standalone_target(argv)
    if module is not None:
        import importlib

        return importlib.import_module(module).main(rest)
    args = parse_args(argv)
    if not args.both_databases:
        return run_target(args)
    if not _postgres_reachable():
        print("footprint: no PostgreSQL server for the second pass (BENCH_PG_ADMIN_URL); SQLite only", flush=True)
        return run_target(args)
    codes, lines = [], []
    for db in ("sqlite", "scratch"):
        print(f"=== footprint pass on {'SQLite' if db == 'sqlite' else 'PostgreSQL (scratch database)'} ===",
              flush=True)
        codes.append(run_target(argparse.Namespace(**{**vars(args), "db_url": db})))
        lines.append(LAST_SUMMARY.get("line", "no result"))
    print("\n=== footprint / bare, both databases (medians of the rounds, p99 at "
          f"{args.concurrency} connections) ===")
    for db, line in zip(("sqlite", "postgresql"), lines, strict=True):
        print(f"{db:<11} {line}")
    return max(codes, key=lambda c: (c != 0, c))


#: The last run_target's one-line summary (the two-database footprint run prints both at the end).
LAST_SUMMARY: dict = {}


def run_target(args: argparse.Namespace) -> int:
    """One run of a target against its baseline on one database (the body of `make bench`)."""
    sigterm_as_keyboard_interrupt()
    build, build_baseline = SCENARIOS[args.target]
    sandbox_port = None
    rushes: list[Scenario] = []  # the door rush(es) measured against the baseline: one, or two with --pick both
    if args.target == "footprint":
        target = build(users=args.users)
    elif args.target == "door-rush":
        sandbox_port = free_port() if args.sandbox_server else None
        rush = functools.partial(build, concurrency=args.concurrency, rounds=args.rounds, guests=args.guests,
                                 deliveries=args.deliveries,
                                 pay_sheet=(HOST, sandbox_port) if sandbox_port else None, total=args.total_guests)
        target = rush(pick="first" if args.pick == "both" else args.pick)
        rushes.append(target)
        if args.pick == "both":  # the same rush spread over the four projects, on the same server
            rushes.append(rush(pick="random", name=SPREAD))
    else:
        target = build()
    baseline = None if (args.no_baseline or build_baseline is None) else build_baseline()
    rushes = rushes or [target]
    # The footprint is measured beside its floor (bench/floor_app.py): the same body stored and answered
    # with none of the product's work, the ceiling of its ratio on this machine, in the same rounds.
    floor = floor_scenario() if args.target == "footprint" and baseline is not None else None
    order = [s for s in (baseline, *rushes, floor) if s is not None]  # baseline first in every round
    width = max(10, *(len(s.name) + len(" journeys") for s in order if s.journeys)) if target.journeys else 10

    started = dt.datetime.now()
    print(f"bench: target={target.name} baseline={baseline.name if baseline else '-'} "
          f"rounds={args.rounds} x {args.duration:g}s (+{args.round_warmup:g}s warm-up each), "
          f"concurrency={args.concurrency}, gunicorn -w {args.workers} -k {args.worker_class}"
          f"{f' --threads {args.threads}' if args.threads > 1 else ''}, cpus={os.cpu_count()}",
          flush=True)

    results: dict = {"started": started.isoformat(timespec="seconds")}
    all_rounds: list[dict] = []
    warmup_rounds: list[dict] = []
    invariants: list = []
    invariant_facts: dict = {}
    with contextlib.ExitStack() as stack:
        logdir = Path(tempfile.mkdtemp(prefix="diandian-bench-logs-"))
        if not args.keep:
            stack.callback(shutil.rmtree, logdir, True)
        benv = None
        redis_env = {"REDIS_URL": args.redis_url} if args.redis_url else {}
        if any(s.needs_db for s in order):
            t = time.perf_counter()
            db_url, db_source = args.db_url, "BENCH_DATABASE_URL / --db-url"
            if db_url == "sqlite":
                db_url, db_source = None, "temp file"
            elif db_url == "scratch":
                db_url = stack.enter_context(scratch_postgres())  # dropped when the stack unwinds
                db_source = f"scratch database {db_url.rsplit('/', 1)[-1]}, dropped at the end"
            # With the simulator server: one merchant's keys for it and every instance of the service
            # (--hosts 2 would otherwise give the instances a folder of their own: SIGN_ERROR at prepay).
            extra_env = {**(redis_env or {}), **({"SANDBOX_SERVER_URL": f"http://{HOST}:{sandbox_port}",
                                                  "SANDBOX_KEYS_DIR": str(ROOT / "instance" / "wechatpay-sandbox")}
                                                 if sandbox_port else {}),
                         # statements and commits per step, from the X-SQL-Stats header (app/sql_stats.py)
                         **({"SQL_STATS": "1"} if args.target == "door-rush" else {}),
                         **(FOOTPRINT_ENV if target.name == "footprint" else {})} or None
            benv = stack.enter_context(prepared_environment(db_url, args.reset_db, args.keep, extra_env=extra_env))
            print(f"database: {benv.db_kind} ({db_source})"
                  f" migrated and seeded in {time.perf_counter() - t:.1f}s", flush=True)
            stock_t = args.stock_t if args.stock_t is not None else (
                args.total_guests // 2 + 200 if args.total_guests else 0)
            if args.target == "door-rush" and stock_t > 0:
                t = time.perf_counter()
                added = add_rush_stock(benv, stock_t)
                print(f"stock: {stock_t} t of new credits imported into each of {', '.join(added)} "
                      f"({RUSH_PROJECT} added) in {time.perf_counter() - t:.1f}s", flush=True)
        sandbox = None
        if sandbox_port:
            sandbox = _start_sandbox_server(stack, benv, sandbox_port, args, logdir)
            results["sandbox_server"] = sandbox.settings
        # CPU apart from the service's: PostgreSQL's (when it runs here) and the queue worker's (with Redis,
        # the door rush runs `flask worker` beside the service, as deployed: pictures and the mirror go there).
        others: dict = {}
        work: dict = {}  # name -> reader of the journeys' worth of work it has done (measure())
        worker = None
        if args.target == "door-rush" and benv and benv.db_kind == "postgresql":
            pg = postgres_pid(db_url)
            if pg is not None and sandbox is not None:  # the simulators' database is on the same server
                sims = functools.partial(database_backends_cpu_seconds, db_url, sandbox.database)
                others["postgresql"] = functools.partial(_minus, functools.partial(tree_cpu_seconds, pg), sims)
                others["postgresql for the simulators"] = sims
            elif pg is not None:
                others["postgresql"] = functools.partial(tree_cpu_seconds, pg)
        if args.target == "door-rush" and args.redis_url and benv:
            worker = stack.enter_context(QueueWorker(benv.env, logdir))
            others["worker"] = worker.cpu_seconds
            work["worker"] = worker.journeys_done
            print(f"queue worker: flask worker on {args.redis_url} (log {worker.logfile})"
                  + (f"; {worker.leftover} jobs an earlier run left in the queue dropped" if worker.leftover else ""),
                  flush=True)
        servers: dict[str, Gunicorn | Balanced] = {}  # scenario name -> the server it is measured on
        running: list[Gunicorn | Balanced] = []  # each server once (the spread rush shares the rush's)
        data: dict[str, dict | None] = {}
        for scn in order:
            if scn is not target and scn in rushes:  # the spread rush runs on the rush's server
                servers[scn.name] = servers[target.name]
                continue
            env = benv.env if (scn.needs_db and benv) else {**os.environ, "PYTHONUNBUFFERED": "1"}
            if args.hosts == 2 and scn is target:
                srv = Balanced(env, port=benv.port, workers=args.workers, logdir=logdir, name=scn.name)
                stack.enter_context(srv)
                print(f"server {scn.name}: haproxy on {HOST}:{srv.port} -> "
                      + ", ".join(f"{i.name} gunicorn -w {args.workers} on {HOST}:{i.port}" for i in srv.pair.instances)
                      + f" (logs {srv.folder})", flush=True)
            else:
                srv = Gunicorn(scn.app, env, port=benv.port if (scn is target and benv) else None,
                               workers=args.workers, worker_class=args.worker_class, threads=args.threads,
                               logdir=logdir, name=scn.name)
                stack.enter_context(srv)
                print(f"server {scn.name}: gunicorn {scn.app} on {HOST}:{srv.port} (log {srv.logfile})",
                      flush=True)
            servers[scn.name] = srv
            running.append(srv)
        for scn in order:
            try:
                data[scn.name] = scn.prepare(HOST, servers[scn.name].port) if scn.prepare else None
            except (JourneyCheckFailed, RuntimeError) as exc:
                raise BenchError(f"{scn.name}: {exc}\n--- last lines of the {scn.name} server log "
                                 f"({servers[scn.name].logfile}) ---\n{servers[scn.name].log_tail(60)}") from None
        sample = (data.get(target.name) or {}).get("sample")
        if sample is not None and target.journeys:
            tdata = data[target.name]
            print(f"check: one whole journey OK in {sample['seconds']:.2f}s: footprint {sample['total_kg']} kg, "
                  f"order {sample['kg']} kg / {sample['amount_fen']} fen from {sample['project']}, certificate "
                  f"{sample['certificate']} with {sample['allocations']} allocation(s); stock {tdata['stock_kg']} kg "
                  f"available -> at most {tdata['journey_budget']} journeys this run", flush=True)
        elif sample is not None:
            print(f"check: one footprint -> 201, total_kg={sample.get('total_kg')}, "
                  f"{len(sample.get('items', []))} items", flush=True)

        def show(summary: dict, scn: Scenario) -> None:
            rows = journey_rows(summary, scn.steps, width) if scn.journeys else round_rows(summary, width)
            if "instances" in summary:
                rows.append(instance_line(summary))
            for row in rows:
                print(row, flush=True)

        try:
            if args.warmup > 0:
                for scn in order:
                    w = measure(servers[scn.name], scn, data[scn.name], args, 0, args.warmup, 0.0,
                                sandbox if scn in rushes else None, others if scn in rushes else None,
                                work if scn in rushes else None)
                    warmup_rounds.append(w)
                    if scn.strict and (w["errors"] or w.get("unrecorded_errors")):
                        show(w, scn)
                print(f"warm-up: {args.warmup:g}s per target done", flush=True)

            print(header(width), flush=True)
            for n in range(1, args.rounds + 1):
                for scn in order:
                    summary = measure(servers[scn.name], scn, data[scn.name], args, n, args.duration,
                                      args.round_warmup, sandbox if scn in rushes else None,
                                      others if scn in rushes else None, work if scn in rushes else None)
                    all_rounds.append(summary)
                    show(summary, scn)
                    if "sandbox_cpu_s" in summary:
                        print(f"{'':>5}    cpu per journey: service {_fmt(summary['server_cpu_ms_per_journey'], 1)}"
                              f" ms, simulators {_fmt(summary['sandbox_cpu_ms_per_journey'], 1)} ms", flush=True)
        except KeyboardInterrupt:
            print("interrupted: stopping the servers; reporting the rounds done so far", file=sys.stderr)
            results["interrupted"] = True
        if worker is not None:
            results["queue_backlog"] = worker.backlog()
            print(f"queue worker: {results['queue_backlog']} jobs waiting at the end of the rounds"
                  + (" (it fell behind: its CPU per journey is per journey's pictures drawn in the rounds)"
                     if (results["queue_backlog"] or 0) > 2 * args.concurrency else ""), flush=True)
        server_settings = {name: s.settings for name, s in servers.items()}
        for s in running:
            tail = s.log_tail(15)
            if "Traceback" in tail or "ERROR" in tail or "CRITICAL" in tail:
                print(f"--- last lines of the {s.name} server log ({s.logfile}) ---\n{tail}", file=sys.stderr)
        db_kind = benv.db_kind if benv else None
        if target.invariants and benv is not None and not results.get("interrupted"):
            for s in [*running, *([sandbox] if sandbox else [])]:  # a quiet database
                s.stop()
            from bench.invariants import Check, check_invariants

            try:
                invariants, invariant_facts = check_invariants(benv.db_url)
            except Exception as exc:  # the check itself failed: that is a FAIL too
                invariants = [Check(f"invariant queries ran ({type(exc).__name__}: {exc})", False, 1)]

    aggs = {scn.name: (journey_aggregate([r for r in all_rounds if r["target"] == scn.name], scn.steps)
                       if scn.journeys else
                       aggregate([r for r in all_rounds if r["target"] == scn.name], scn.steps[0]))
            for scn in order}
    ratio = None
    print()
    hosts_summary = hosts_report([r for r in all_rounds if r["target"] in {s.name for s in rushes}
                                  and "instances" in r])
    ratios: dict[str, float | None] = {}
    if target.journeys:
        for scn in rushes:
            if len(rushes) > 1:
                print(f"=== {scn.name} (--pick {'first' if scn is target else 'random'}) ===")
            ratios[scn.name] = _journey_summary(scn, baseline, aggs, warmup_rounds, all_rounds)
        ratio = ratios[target.name]
    else:
        parts = [summary_line(s.name, aggs[s.name]) for s in (target, baseline) if s and aggs[s.name]["rounds"]]
        if baseline and aggs[target.name]["rounds"] and aggs[baseline.name]["rounds"] and aggs[baseline.name]["rps"]:
            ratio = aggs[target.name]["rps"] / aggs[baseline.name]["rps"]
            parts.append(f"ratio {ratio:.2f}")
        print(" | ".join(parts) if parts else "no complete round")
        if floor is not None and aggs[floor.name]["rounds"] and ratio is not None:
            floor_ratio = aggs[floor.name]["rps"] / aggs[baseline.name]["rps"]
            results["floor_ratio"] = floor_ratio
            print(f"{summary_line(floor.name, aggs[floor.name])} | ratio {floor_ratio:.2f}: the ceiling here "
                  f"(parse, one row through the bare driver, the 3.4 KB answer; server CPU "
                  f"{_fmt(aggs[floor.name]['server_cpu_ms_per_req'], 2)} ms/req); "
                  f"footprint reaches {ratio / floor_ratio:.2f} of it")
    if hosts_summary:
        print(hosts_summary["line"])
    if not target.journeys:
        if ratio is not None:
            t_agg = aggs[target.name]
            LAST_SUMMARY["line"] = (f"ratio {ratio:.2f}; footprint {t_agg['rps']:.0f} req/s, p99 "
                                    f"{_fmt(t_agg.get('p99_ms'))} ms, server CPU "
                                    f"{_fmt(t_agg['server_cpu_ms_per_req'], 2)} ms/req vs bare "
                                    f"{_fmt(aggs[baseline.name]['server_cpu_ms_per_req'], 2)}"
                                    + (f"; floor ratio {results['floor_ratio']:.2f} "
                                       f"({_fmt(aggs[floor.name]['server_cpu_ms_per_req'], 2)} ms/req)"
                                       if "floor_ratio" in results else ""))
            verdict = "met" if ratio >= 0.5 else "NOT met"
            print(f"aim: {target.name} >= 0.50 x {baseline.name} req/s -> {verdict} "
                  f"(medians of {aggs[target.name]['rounds']} rounds; "
                  f"server CPU per request {_fmt(aggs[target.name]['server_cpu_ms_per_req'], 2)} ms vs "
                  f"{_fmt(aggs[baseline.name]['server_cpu_ms_per_req'], 2)} ms)")

    total_errors = sum(a.get("errors", 0) for a in aggs.values())
    # A strict scenario (the door rush) must see no error at all, warm-ups included.
    strict = {s.name for s in rushes if s.strict}
    warmup_errors = sum(w["errors"] + w.get("unrecorded_errors", 0) for w in warmup_rounds
                        if w["target"] in strict)
    warmup_errors += sum(r.get("unrecorded_errors", 0) for r in all_rounds if r["target"] in strict)
    if warmup_errors:
        print(f"errors outside the measured windows (warm-ups): {warmup_errors}", file=sys.stderr)
    total_errors += warmup_errors
    invariants_failed = bool(invariants) and not all(c.passed for c in invariants)
    if target.journeys and aggs[target.name]["rounds"]:
        spread_agg = aggs.get(SPREAD) if len(rushes) > 1 and aggs.get(SPREAD, {}).get("rounds") else None
        print("\n".join(rush_goals(aggs[target.name], ratio, total_errors, invariants, spread_agg)))
    if target.invariants:
        if invariants:
            from bench.invariants import report

            print(f"invariants ({db_kind}, checked in the database after the run):")
            print("\n".join(report(invariants, invariant_facts) if invariant_facts
                            else [c.line() for c in invariants]))
        else:
            print("invariants: not checked (interrupted, or no database)")
    results.update({
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "target": target.name,
        "baseline": baseline.name if baseline else None,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                   if k not in ("db_url",)},
        "database": db_kind,
        "servers": server_settings,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "rounds": all_rounds,
        "summary": aggs,
        "ratio": ratio,
        "ratios": ratios,
        "errors": total_errors,
        "warmup_errors": warmup_errors,
        "warmup_rounds": warmup_rounds,
        "scenario": target.info,
        "hosts": hosts_summary,
        "invariants": [c.as_dict() for c in invariants],
        "invariant_facts": invariant_facts,
    })
    out = save_results(results, target.name, started, args.output)
    print(f"results: {out}")
    if invariants_failed:
        print("INVARIANTS FAILED (see above)", file=sys.stderr)
        return 4
    if total_errors:
        print(f"ERRORS: {total_errors} requests failed", file=sys.stderr)
        return 2
    if results.get("interrupted"):
        return 130
    if args.min_ratio is not None and (ratio is None or ratio < args.min_ratio):
        return 3
    return 0


#: Issue 10's table: (measure, the figure before the work, the goal). The "before" column is the issue's
#: own measurement (same machine, 2 sync workers, PostgreSQL); the bench prints this run's beside it.
RUSH_GOALS = (
    ("journeys/s / ceiling", "0.03-0.05", ">= 0.25"),
    ("CPU per journey, service + PostgreSQL", "~120 ms", "<= 25 ms"),
    ("SQL statements / commits per journey", "65 / 9", "<= 30 / needed"),
    ("slowest step p99", "2,251 ms", "< 500 ms"),
    ("paid -> certified within 2 s", "15 of 300 over 5 s", "every guest"),
    ("errors", "4-5 deadlocks a run", "0"),
    ("invariants", "-", "all pass"),
    ("one project vs four (journeys/s)", "deadlocks when spread", "within 10%"),
)

#: The second door rush of `--pick both`: the same guests' journey, each on a random one of the four projects.
SPREAD = "door-rush-spread"


def rush_goals(agg: dict, ratio: float | None, errors: int, invariants: list, spread: dict | None = None) -> list[str]:
    """The door rush's figures against issue 10's goals, one line each (this run's medians of rounds); the
    one-vs-four line needs `spread`, the aggregate of the rush spread over four projects (--pick both)."""
    cpu = agg.get("cpu_ms_per_journey_service_and_postgresql")
    sql = agg.get("sql_per_journey") or {}
    unseen = agg.get("sql_unseen_steps") or []
    p99s = {step: s["p99_ms"] for step, s in agg["steps"].items() if s.get("p99_ms") is not None}
    slowest = max(p99s, key=p99s.get) if p99s else None
    paid = (agg.get("intervals") or {}).get(PAID_TO_CERTIFIED)
    passed = sum(c.passed for c in invariants)
    figures = [
        (f"{ratio:.3f} ({agg['journeys_per_s']:.1f} journeys/s)" if ratio is not None else "-",
         ratio is not None and ratio >= 0.25),
        (f"{cpu:.1f} ms" if cpu is not None else "- (PostgreSQL not on this machine)",
         cpu is not None and cpu <= 25),
        (f"{sql['service_statements']:.1f} / {sql['service_commits']:.1f}"
         + (f" without {', '.join(unseen)}" if unseen else "") if sql else "- (SQL_STATS off)",
         bool(sql) and not unseen and sql["service_statements"] <= 30),
        (f"{p99s[slowest]:.0f} ms ({slowest})" if slowest else "-", slowest is not None and p99s[slowest] < 500),
        (f"{paid['count'] - paid['over_2s']} of {paid['count']} (p99 {paid['p99_ms']:.0f} ms)" if paid else "-",
         bool(paid) and paid["over_2s"] == 0),
        (str(errors), errors == 0),
        (f"{passed} of {len(invariants)} pass" if invariants else "not checked",
         bool(invariants) and passed == len(invariants)),
    ]
    if spread and agg["journeys_per_s"] and spread["journeys_per_s"]:
        one, four = agg["journeys_per_s"], spread["journeys_per_s"]
        apart = abs(one - four) / max(one, four)
        figures.append((f"{one:.1f} vs {four:.1f} ({100 * apart:.0f}% apart)", apart <= 0.10))
    else:
        figures.append(("- (--pick both measures it)", False))
    width = max(len(m) for m, _, _ in RUSH_GOALS)
    lines = ["\ngoals (issue 10; before: the issue's figures, same machine and settings)",
             f"  {'measure':<{width}}  {'before':<20} {'this run':<34} goal"]
    for (measure, before, goal), (figure, met) in zip(RUSH_GOALS, figures, strict=True):
        lines.append(f"  {measure:<{width}}  {before:<20} {figure:<34} {goal:<15} {'met' if met else 'NOT met'}")
    return lines


def _minus(read_all, read_part) -> float | None:
    """CPU of a process tree without a part of it (PostgreSQL's without the simulators' backends)."""
    whole, part = read_all(), read_part()
    return None if whole is None or part is None else whole - part


def _start_sandbox_server(stack: contextlib.ExitStack, benv, port: int, args, logdir: Path) -> Gunicorn:
    """The WeChat simulators as their own gunicorn on `port` with a database of their own (a scratch
    PostgreSQL database when the service is on PostgreSQL, dropped at the end; else a SQLite file).

    Threaded workers: the service's sync workers call it (login, prepay) while it delivers notifications
    back to them, so it must always have a thread free for the service.
    """
    if benv.db_kind == "postgresql":
        sim_db = stack.enter_context(scratch_postgres(name=f"diandian_bench_sim_{os.getpid()}"))
    else:
        sim_db = f"sqlite:///{benv.workdir / 'simulators.db'}"
    env = {**benv.env, "SANDBOX_DATABASE_URL": sim_db}
    env.pop("SANDBOX_SERVER_URL", None)
    srv = Gunicorn("app.sandbox.server:create_simulator_app()", env, port=port, workers=2, worker_class="gthread",
                   threads=args.sandbox_threads, logdir=logdir, name="simulators")
    srv.database = sim_db.rsplit("/", 1)[-1] if benv.db_kind == "postgresql" else None
    stack.enter_context(srv)
    print(f"server simulators: gunicorn app.sandbox.server on {HOST}:{port} (-w 2 -k gthread --threads "
          f"{args.sandbox_threads}; database {sim_db.split(':', 1)[0]} of its own; log {srv.logfile})", flush=True)
    return srv


def instance_line(summary: dict) -> str:
    """One round's requests per instance (HAProxy's counters) and how journeys moved between them."""
    counts, sb = summary["instances"], summary["served_by"]
    total = sum(counts.values()) or 1
    per = ", ".join(f"{name} {n} ({100 * n / total:.0f}%)" for name, n in sorted(counts.items()))
    moved = f"{sb['journeys_on_both']}/{sb['journeys']}" if sb["journeys"] else "-"
    switched = f"{100 * sb['step_pairs_switched'] / sb['step_pairs']:.0f}%" if sb["step_pairs"] else "-"
    return (f"       instances (haproxy): {per}; journeys on both instances {moved}, "
            f"consecutive steps on different instances {switched}")


def hosts_report(rounds: list[dict]) -> dict | None:
    """--hosts 2: requests per instance and journeys' moves over all rounds (warm-up part included)."""
    if not rounds:
        return None
    counts: dict[str, int] = {}
    moves = {"journeys": 0, "journeys_on_both": 0, "step_pairs": 0, "step_pairs_switched": 0}
    for r in rounds:
        for name, n in r["instances"].items():
            counts[name] = counts.get(name, 0) + n
        for k in moves:
            moves[k] += r["served_by"][k]
    line = instance_line({"instances": counts, "served_by": moves}).strip()
    return {"instances": counts, **moves, "line": "two hosts: " + line.removeprefix("instances (haproxy): ")}


def args_total(target: Scenario) -> bool:
    """Was the door rush asked for a number of guests (--total-guests)? Then reaching it is the end."""
    return bool((target.info.get("state") or {}).get("total"))


def _journey_summary(target: Scenario, baseline: Scenario | None, aggs: dict, warmup_rounds: list[dict],
                     all_rounds: list[dict]) -> float | None:
    """Print the door-rush summary; returns the ratio (door-rush req/s over all steps ÷ bare req/s)."""
    agg = aggs[target.name]
    if not agg["rounds"]:
        print("no complete round")
        return None
    for line in journey_report(target.name, agg, len(target.steps)):
        print(line)
    apart = [r["cpu_ms_per_journey"] for r in all_rounds if r["target"] == target.name and r.get("cpu_ms_per_journey")]
    if apart:
        names = sorted({k for a in apart for k in a}, key=lambda k: (k != "service", k))
        agg["cpu_ms_per_journey"] = {k: statistics.median(a[k] for a in apart if k in a) for k in names}
        total = sum(agg["cpu_ms_per_journey"][k] for k in ("service", "postgresql") if k in agg["cpu_ms_per_journey"])
        print("cpu per journey (median of rounds): " + ", ".join(
            f"{k} {v:.1f} ms" for k, v in agg["cpu_ms_per_journey"].items())
            + f"; service + postgresql {total:.1f} ms")
        agg["cpu_ms_per_journey_service_and_postgresql"] = total
    sims = [r for r in all_rounds if r["target"] == target.name and r.get("sandbox_cpu_ms_per_journey") is not None]
    if sims:
        srv = statistics.median(r["server_cpu_ms_per_journey"] for r in sims)
        sim = statistics.median(r["sandbox_cpu_ms_per_journey"] for r in sims)
        agg["sandbox_cpu_ms_per_journey"], agg["service_cpu_ms_per_journey"] = sim, srv
        print(f"cpu per journey, apart (median of {len(sims)} rounds; PostgreSQL in neither): service {srv:.1f} ms, "
              f"WeChat simulators (own server) {sim:.1f} ms")
    ivs = [r["intervals"] for r in all_rounds if r["target"] == target.name and r.get("intervals")]
    for name in sorted({k for iv in ivs for k in iv}):
        per = [iv[name] for iv in ivs if name in iv]
        n, over = sum(p["count"] for p in per), sum(p["over_2s"] for p in per)
        agg.setdefault("intervals", {})[name] = {
            "count": n, "over_2s": over, "p50_ms": statistics.median(p["p50_ms"] for p in per),
            "p99_ms": statistics.median(p["p99_ms"] for p in per), "max_ms": max(p["max_ms"] for p in per)}
        a = agg["intervals"][name]
        print(f"{name}: p50 {a['p50_ms']:.0f} ms, p99 {a['p99_ms']:.0f} ms, max {a['max_ms']:.0f} ms; "
              f"{over} of {n} guests over 2 s")
    state = target.info.get("state") or {}
    if state.get("budget_reached") and args_total(target):
        print(f"the rush of {state.get('journey_budget')} guests is complete")
    elif state.get("budget_reached"):
        print(f"note: the stock budget ({state.get('journey_budget')} journeys) was reached, so the last round(s) "
              "stopped early and their journeys/s are low; use fewer/shorter rounds or a fresh database")
    ratio = None
    if baseline and aggs[baseline.name]["rounds"]:
        b = aggs[baseline.name]
        print(summary_line(baseline.name, b))
        if b["rps"]:
            ratio = agg["rps"] / b["rps"]
            n = len(target.steps)
            print(f"ratio: {target.name} req/s (all {n} steps) / {baseline.name} req/s = {ratio:.3f}; "
                  f"i.e. {agg['journeys_per_s']:.1f} journeys/s vs {b['rps'] / n:.0f} if each of the {n} "
                  f"requests cost a bare route (server CPU {_fmt(agg['server_cpu_ms_per_req'], 2)} ms vs "
                  f"{_fmt(b['server_cpu_ms_per_req'], 2)} ms per request)")
        cpu, unit = agg.get("cpu_ms_per_journey"), b.get("server_cpu_ms_per_req")
        if cpu and unit:
            # This machine's speed moves by a third between runs; in units of the bare route measured in the
            # same run, two runs (or two checkouts, run one after the other) compare.
            agg["cpu_per_journey_in_bare_requests"] = {k: v / unit for k, v in cpu.items()}
            print("cpu per journey in bare requests (÷ the bare route's CPU per request in this run, "
                  f"{unit:.2f} ms): " + ", ".join(f"{k} {v / unit:.0f}" for k, v in cpu.items()))
            floor = journey_floor(cpu, unit, len(target.steps), b["rps"], os.cpu_count() or 1)
            agg["floor"] = floor
            print(f"floor: if each of the {n} requests cost only a bare route ({floor['http_ms']:.1f} ms), a journey "
                  f"would still cost {floor['others_ms']:.1f} ms beside it ({floor['others']}): "
                  f"{floor['cpu_ms']:.1f} ms, at most {floor['journeys_per_s']:.1f} journeys/s on {floor['cpus']} "
                  f"cores, a ratio of at most {floor['ratio']:.3f}")
            if "worker" in cpu:
                apart = journey_floor({k: v for k, v in cpu.items() if k != "worker"}, unit, n, b["rps"],
                                      os.cpu_count() or 1)
                agg["floor_without_worker"] = apart
                print(f"floor with the pictures on hosts of their own (no worker here): {apart['cpu_ms']:.1f} ms, "
                      f"at most {apart['journeys_per_s']:.1f} journeys/s, a ratio of at most {apart['ratio']:.3f}")
    return ratio


def journey_floor(cpu: dict[str, float], bare_ms: float, requests: int, bare_rps: float, cpus: int) -> dict:
    """The best a journey could do on this machine if the service's own work were free.

    Each request still costs at least the bare route (gunicorn, Flask, the socket), and PostgreSQL and the
    queue worker keep their CPU per journey: their sum over the machine's cores bounds journeys/s, and that
    over the ceiling (`bare_rps / requests`) bounds the ratio that issue 10 asks to be >= 0.25.
    """
    others = {k: v for k, v in cpu.items() if k != "service" and "simulators" not in k}
    http = requests * bare_ms
    total = http + sum(others.values())
    per_s = cpus * 1000 / total if total else math.inf
    return {"http_ms": http, "others_ms": sum(others.values()), "others": ", ".join(
        f"{k} {v:.1f} ms" for k, v in others.items()) or "nothing else measured", "cpu_ms": total, "cpus": cpus,
            "journeys_per_s": per_s, "ratio": per_s / (bare_rps / requests)}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
