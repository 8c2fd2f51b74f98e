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
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.latency import finite, group_cpu_seconds
from bench.load import RoundResult, run_round
from bench.scenarios import SCENARIOS, JourneyCheckFailed, Scenario
from bench.server import (
    HOST,
    BenchError,
    Gunicorn,
    prepared_environment,
    scratch_postgres,
    sigterm_as_keyboard_interrupt,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"

#: The footprint target sends thousands of requests a minute from 4 guests on one address: its two limits
#: are raised out of the way (they are still counted on every request, so their cost is measured).
FOOTPRINT_ENV = {"RATE_FOOTPRINTS_PER_GUEST": "100000000/minute",
                 "RATE_FOOTPRINTS_PER_ADDRESS": "100000000/minute"}

#: Defaults that depend on the target (None in argparse = "the target's default").
TARGET_DEFAULTS = {
    "door-rush": {"rounds": 3, "duration": 10.0, "concurrency": 16, "round_warmup": 1.0},
}
GENERIC_DEFAULTS = {"rounds": 3, "duration": 5.0, "concurrency": 8, "round_warmup": 0.5}

#: Targets that are benches of their own (latency, not rounds against a baseline): `--target NAME` hands
#: the other arguments to that module's main().
STANDALONE_TARGETS = {"render": "bench.render", "leaderboard": "bench.leaderboard", "timings": "bench.timings",
                      "flood": "bench.flood"}


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
    p.add_argument("--worker-class", "-k", default="sync", help="gunicorn worker class (default sync)")
    p.add_argument("--threads", type=int, default=1, help="gunicorn --threads (gthread only; default 1)")
    p.add_argument("--users", type=int, default=4,
                   help="footprint: distinct sandbox guests logged in (default 4)")
    p.add_argument("--guests", type=int, default=0,
                   help="door-rush: 0 = a new sandbox guest every journey (default), N = a pool of N guests")
    p.add_argument("--pick", choices=("first", "random", "most"), default="first",
                   help="door-rush: project each guest orders from: the first listed with enough stock "
                        "(default; all guests on one project, the most contention), a random one, or the "
                        "one with the most available kg")
    p.add_argument("--deliveries", type=int, default=2,
                   help="door-rush: WeChat Pay notification deliveries per payment (default 2)")
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
    # The footprint target without a named database measures SQLite, then a scratch PostgreSQL database.
    args.both_databases = args.target == "footprint" and args.db_url is None and not args.sqlite_only
    for name, value in {**GENERIC_DEFAULTS, **TARGET_DEFAULTS.get(args.target, {})}.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.db_url is None:
        args.db_url = "scratch" if args.target == "door-rush" else "sqlite"
    if args.guests < 0:
        p.error("--guests cannot be negative")
    if not (1 <= args.deliveries <= 20):
        p.error("--deliveries must be 1 to 20")
    for name in ("rounds", "concurrency", "workers", "users", "max_requests", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if not (0 < args.duration <= 600):
        p.error("--duration must be in (0, 600] seconds")
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
        f"  {'step':<13} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        "   (p50/p99: median over rounds)",
    ]
    for step, s in agg["steps"].items():
        extra = ""
        if s["error_kinds"]:
            extra += "  errors: " + ", ".join(f"{k} x{n}" for k, n in sorted(s["error_kinds"].items()))
        if s["outcomes"]:
            extra += "  apart: " + ", ".join(f"{k} x{n}" for k, n in sorted(s["outcomes"].items()))
        lines.append(f"  {step:<13} {s['requests']:>8} {s['errors']:>6} {_fmt(s['p50_ms'], 2):>8} "
                     f"{_fmt(s['p99_ms'], 2):>8} {_fmt(s['max_ms'], 1):>8}{extra}")
    return lines


def summary_line(name: str, agg: dict) -> str:
    return (f"{name}: {agg['rps']:.0f} req/s p50 {agg['p50_ms']:.1f} ms p99 {agg['p99_ms']:.1f} ms"
            f" (errors {agg['errors']})")


# ---------------------------------------------------------------------------------------------


def measure(srv: Gunicorn, scn: Scenario, data: dict | None, args, round_no: int, duration: float,
            warmup: float) -> dict:
    setup = functools.partial(scn.setup, data=data) if scn.setup else None
    res: RoundResult = run_round(
        scn.name, round_no, HOST, srv.port, scn.user,
        concurrency=args.concurrency, duration=duration, warmup=warmup,
        max_requests=args.max_requests, request_timeout=args.request_timeout,
        setup=setup, server_cpu=functools.partial(group_cpu_seconds, srv),
    )
    summary = res.summary()
    done = sum(s["ok"] + s["errors"] for s in summary["steps"].values())
    summary["server_cpu_ms_per_req"] = (
        res.server_cpu_s * 1000 / done if res.server_cpu_s is not None and done else None
    )
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
    if args.target == "footprint":
        target = build(users=args.users)
    elif args.target == "door-rush":
        target = build(concurrency=args.concurrency, rounds=args.rounds, guests=args.guests, pick=args.pick,
                       deliveries=args.deliveries)
    else:
        target = build()
    baseline = None if (args.no_baseline or build_baseline is None) else build_baseline()
    order = [s for s in (baseline, target) if s is not None]  # baseline first in every round
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
        if any(s.needs_db for s in order):
            t = time.perf_counter()
            db_url, db_source = args.db_url, "BENCH_DATABASE_URL / --db-url"
            if db_url == "sqlite":
                db_url, db_source = None, "temp file"
            elif db_url == "scratch":
                db_url = stack.enter_context(scratch_postgres())  # dropped when the stack unwinds
                db_source = f"scratch database {db_url.rsplit('/', 1)[-1]}, dropped at the end"
            extra_env = FOOTPRINT_ENV if target.name == "footprint" else None
            benv = stack.enter_context(prepared_environment(db_url, args.reset_db, args.keep, extra_env))
            print(f"database: {benv.db_kind} ({db_source})"
                  f" migrated and seeded in {time.perf_counter() - t:.1f}s", flush=True)
        servers: dict[str, Gunicorn] = {}
        data: dict[str, dict | None] = {}
        for scn in order:
            env = benv.env if (scn.needs_db and benv) else {**os.environ, "PYTHONUNBUFFERED": "1"}
            srv = Gunicorn(scn.app, env, port=benv.port if (scn.needs_db and benv) else None,
                           workers=args.workers, worker_class=args.worker_class, threads=args.threads,
                           logdir=logdir, name=scn.name)
            stack.enter_context(srv)
            servers[scn.name] = srv
            print(f"server {scn.name}: gunicorn {scn.app} on {HOST}:{srv.port} (log {srv.logfile})",
                  flush=True)
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
            for row in rows:
                print(row, flush=True)

        try:
            if args.warmup > 0:
                for scn in order:
                    w = measure(servers[scn.name], scn, data[scn.name], args, 0, args.warmup, 0.0)
                    warmup_rounds.append(w)
                    if scn.strict and (w["errors"] or w.get("unrecorded_errors")):
                        show(w, scn)
                print(f"warm-up: {args.warmup:g}s per target done", flush=True)

            print(header(width), flush=True)
            for n in range(1, args.rounds + 1):
                for scn in order:
                    summary = measure(servers[scn.name], scn, data[scn.name], args, n,
                                      args.duration, args.round_warmup)
                    all_rounds.append(summary)
                    show(summary, scn)
        except KeyboardInterrupt:
            print("interrupted: stopping the servers; reporting the rounds done so far", file=sys.stderr)
            results["interrupted"] = True
        server_settings = {name: s.settings for name, s in servers.items()}
        for name, s in servers.items():
            tail = s.log_tail(15)
            if "Traceback" in tail or "ERROR" in tail or "CRITICAL" in tail:
                print(f"--- last lines of the {name} server log ({s.logfile}) ---\n{tail}", file=sys.stderr)
        db_kind = benv.db_kind if benv else None
        if target.invariants and benv is not None and not results.get("interrupted"):
            for s in servers.values():  # a quiet database: every request finished or abandoned
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
    if target.journeys:
        ratio = _journey_summary(target, baseline, aggs, warmup_rounds, all_rounds)
    else:
        parts = [summary_line(s.name, aggs[s.name]) for s in (target, baseline) if s and aggs[s.name]["rounds"]]
        if baseline and aggs[target.name]["rounds"] and aggs[baseline.name]["rounds"] and aggs[baseline.name]["rps"]:
            ratio = aggs[target.name]["rps"] / aggs[baseline.name]["rps"]
            parts.append(f"ratio {ratio:.2f}")
        print(" | ".join(parts) if parts else "no complete round")
        if ratio is not None:
            t_agg = aggs[target.name]
            LAST_SUMMARY["line"] = (f"ratio {ratio:.2f}; footprint {t_agg['rps']:.0f} req/s, p99 "
                                    f"{_fmt(t_agg.get('p99_ms'))} ms, server CPU "
                                    f"{_fmt(t_agg['server_cpu_ms_per_req'], 2)} ms/req vs bare "
                                    f"{_fmt(aggs[baseline.name]['server_cpu_ms_per_req'], 2)}")
            verdict = "met" if ratio >= 0.5 else "NOT met"
            print(f"aim: {target.name} >= 0.50 x {baseline.name} req/s -> {verdict} "
                  f"(medians of {aggs[target.name]['rounds']} rounds; "
                  f"server CPU per request {_fmt(aggs[target.name]['server_cpu_ms_per_req'], 2)} ms vs "
                  f"{_fmt(aggs[baseline.name]['server_cpu_ms_per_req'], 2)} ms)")

    total_errors = sum(a.get("errors", 0) for a in aggs.values())
    # A strict scenario (the door rush) must see no error at all, warm-ups included.
    warmup_errors = sum(w["errors"] + w.get("unrecorded_errors", 0) for w in warmup_rounds
                        if w["target"] == target.name and target.strict)
    warmup_errors += sum(r.get("unrecorded_errors", 0) for r in all_rounds
                         if r["target"] == target.name and target.strict)
    if warmup_errors:
        print(f"errors outside the measured windows (warm-ups): {warmup_errors}", file=sys.stderr)
    total_errors += warmup_errors
    invariants_failed = bool(invariants) and not all(c.passed for c in invariants)
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
        "errors": total_errors,
        "warmup_errors": warmup_errors,
        "warmup_rounds": warmup_rounds,
        "scenario": target.info,
        "invariants": [c.as_dict() for c in invariants],
        "invariant_facts": invariant_facts,
    })
    out = args.output or RESULTS_DIR / f"{target.name}-{started.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(finite(results), indent=2, default=str) + "\n")
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


def _journey_summary(target: Scenario, baseline: Scenario | None, aggs: dict, warmup_rounds: list[dict],
                     all_rounds: list[dict]) -> float | None:
    """Print the door-rush summary; returns the ratio (door-rush req/s over all steps ÷ bare req/s)."""
    agg = aggs[target.name]
    if not agg["rounds"]:
        print("no complete round")
        return None
    for line in journey_report(target.name, agg, len(target.steps)):
        print(line)
    state = target.info.get("state") or {}
    if state.get("budget_reached"):
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
    return ratio


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
