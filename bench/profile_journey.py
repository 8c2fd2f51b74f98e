"""Where the time of one door-rush journey goes, without gunicorn: the same journey code as
`bench.run --target door-rush`, sent through the Flask test client in this process, per step and under
cProfile.

    .venv/bin/python -m bench.profile_journey [--journeys 30] [--top 30] [--sort cumulative]

Prepares a fresh migrated + seeded database like `bench.run` (temp SQLite, or $BENCH_DATABASE_URL;
`--db-url scratch` for a scratch PostgreSQL database dropped at the end), runs a few unprofiled
journeys, then `--plain` journeys without the profiler and `--journeys` more under it: prints the
CPU of this process per plain journey (the service and the in-process simulators; PostgreSQL's own CPU
is not in it) and the mean wall time of each step both ways (one client, no concurrency: no queueing, no
lock waits), the SQL statements, commits and BEGINs of each step (the service's apart from the in-process
simulators', told apart by request path), and the cProfile table of the profiled ones.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import logging
import os
import pstats
import sys
import time

from app.sql_stats import HEADER, listen, parse_counts
from bench.load import Response
from bench.scenarios import RUSH_STEPS, JourneyCheckFailed, rush_journey
from bench.server import ROOT, postgres_pid, prepared_environment, scratch_postgres, tree_cpu_seconds


class TestClientContext:
    """The UserContext interface over Flask's test client; times each step, raises on any failure."""

    def __init__(self, client):
        self.client = client
        self.times: dict[str, list[float]] = {}
        self.step = None
        self.show_sql = False
        self.sql: dict[tuple[str, str, str], int] = {}  # (step, "service"|"sandbox", "statements"|"commits"|"begins")
        self.cpu: dict[str, list[int]] = {}  # step -> [service µs, sandbox µs], from X-SQL-Stats

    def count(self, what: str, statement: str | None = None) -> None:
        from flask import has_request_context, request

        who = "sandbox" if has_request_context() and request.path.startswith("/sandbox/") else "service"
        if self.show_sql and statement is not None:
            print(f"[{self.step}/{who}] {' '.join(statement.split())[:160]}")
        key = (self.step or "setup", who, what)
        self.sql[key] = self.sql.get(key, 0) + 1

    def request(self, step, method, path, body=None, headers=None, expect=200, finish=False, conn=None):
        self.step = step
        t0 = time.perf_counter()
        r = self.client.open(path, method=method, data=body, headers=headers or {})
        self.times.setdefault(step, []).append(time.perf_counter() - t0)
        counts = parse_counts(r.headers.get(HEADER, ""))
        cpu = self.cpu.setdefault(step, [0, 0])
        cpu[0], cpu[1] = cpu[0] + counts[4], cpu[1] + counts[5]
        ok = r.status_code == expect if isinstance(expect, int) else r.status_code in expect
        if not ok:
            raise JourneyCheckFailed(f"{step}: {method} {path} answered {r.status_code}: "
                                     f"{r.get_data(as_text=True)[:1000]}")
        return Response(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.get_data())

    def reject(self, step, message, kind="bad body"):
        raise JourneyCheckFailed(f"{step}: {message}")

    def divert(self, step, outcome):
        raise JourneyCheckFailed(f"{step}: {outcome}")

    def journey_done(self, seconds=None):
        self.times.setdefault("journey", []).append(seconds or 0.0)


class CollectorPauses:
    """The garbage collector's pauses while entered, per generation: the thread's CPU time in each
    collection. A full (generation 2) collection walks every object the process tracks, so its pause grows
    with what the process keeps (wsgi.py freezes what the start built out of those walks)."""

    def __init__(self):
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._began = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.thread_time()
        else:
            self.pauses[info["generation"]].append(time.thread_time() - self._began)

    def __enter__(self) -> CollectorPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)

    def summary(self, journeys: int) -> str:
        parts = [f"gen{g} {len(p)} ({sum(p) * 1000:.1f} ms, the longest {max(p) * 1000:.1f})"
                 for g, p in self.pauses.items() if p]
        total = sum(sum(p) for p in self.pauses.values())
        return (f"garbage collector over the plain journeys: {', '.join(parts) or 'no collection'}; "
                f"{total / max(1, journeys) * 1000:.2f} ms a journey; {len(gc.get_objects()):,} objects tracked, "
                f"{gc.get_freeze_count():,} frozen")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_journey", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--journeys", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--plain", type=int, default=30, help="journeys timed without the profiler first")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime, ...)")
    p.add_argument("--timer", choices=("wall", "cpu"), default="wall",
                   help="cProfile's clock: wall (default; includes waiting on PostgreSQL) or cpu (this process's CPU "
                        "only: where the CPU goes, not the waits)")
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL") or None,
                   help="a URL, 'sqlite' (default) or 'scratch' (PostgreSQL, dropped at the end)")
    p.add_argument("--dump", default=None, help="also write the raw profile to this file")
    p.add_argument("--show-sql", action="store_true", help="print every statement of the last journey, per step")
    args = p.parse_args(argv)
    if not 1 <= args.journeys <= 2000 or not 0 <= args.plain <= 2000:
        p.error("--journeys and --plain must be in 1..2000 (--plain may be 0)")

    with contextlib.ExitStack() as stack:
        url = None if args.db_url in (None, "sqlite") else args.db_url
        if url == "scratch":
            url = stack.enter_context(scratch_postgres())
        benv = stack.enter_context(prepared_environment(url))
        os.environ.update(benv.env)
        os.environ["QUEUE_PRERENDER_LANGS"] = ""  # pictures are the queue worker's work, not the guest's path
        os.environ["SQL_STATS"] = "1"  # each step's CPU inside the application, the service's and the simulators'
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        import wsgi  # noqa: E402  (after the environment is set)

        devnull = open(os.devnull, "w")
        for handler in logging.getLogger("diandian").handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        ctx = TestClientContext(wsgi.app.test_client())

        with wsgi.app.app_context():
            from app.extensions import db

            engine = db.engine
        listen(engine, statement=lambda text: ctx.count("statements", text),
               commit=lambda: ctx.count("commits"), begin=lambda: ctx.count("begins"))
        n = 0

        def one():
            nonlocal n
            n += 1
            rush_journey(ctx, code=f"sandbox-profile-{os.getpid()}-{n}", door=n % 8 + 1)

        try:
            for _ in range(args.warmup):
                one()
            ctx.times, ctx.cpu = {}, {}
            # PostgreSQL's CPU over the plain journeys: its postmaster's process tree, when it runs here (the
            # simulators' statements are in it too: they share the database in-process).
            pg = postgres_pid(benv.db_url) if benv.db_kind == "postgresql" else None
            pg0 = tree_cpu_seconds(pg)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            with CollectorPauses() as collector:
                for _ in range(args.plain):
                    one()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            pg_cpu = tree_cpu_seconds(pg) - pg0 if pg0 is not None else None
            plain_times, plain_cpu = dict(ctx.times), dict(ctx.cpu)
            ctx.times, ctx.cpu = {}, {}
            ctx.sql.clear()
            prof = cProfile.Profile(time.process_time) if args.timer == "cpu" else cProfile.Profile()
            prof.enable()
            for i in range(args.journeys):
                ctx.show_sql = args.show_sql and i == args.journeys - 1
                one()
            prof.disable()
        except JourneyCheckFailed as exc:
            print(f"journey failed: {exc}", file=sys.stderr)
            return 1
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        if args.dump:
            prof.dump_stats(args.dump)
        if args.plain:
            print(f"plain ({args.plain} journeys, no profiler): {cpu / args.plain * 1000:.1f} ms CPU of this process "
                  f"and {wall / args.plain * 1000:.1f} ms wall per journey"
                  + (f"; PostgreSQL {pg_cpu / args.plain * 1000:.1f} ms CPU per journey" if pg_cpu is not None else ""))
            print(collector.summary(args.plain))
        print(f"per step: mean wall ms plain and under cProfile ({args.journeys} journeys, {benv.db_kind}, test "
              "client); SQL statements, commits and transactions opened (BEGINs sent) per journey, the service's and "
              "the in-process simulators':")
        print("  (svc CPU and sim CPU: the plain journeys' CPU inside the application, X-SQL-Stats, in ms)")
        print(f"  {'step':<13} {'plain':>8} {'profiled':>8} {'svc stmts':>10} {'svc commits':>12} {'svc BEGINs':>11} "
              f"{'sim stmts':>10} {'sim commits':>12} {'svc CPU':>8} {'sim CPU':>8}")
        counted = [("service", "statements"), ("service", "commits"), ("service", "begins"),
                   ("sandbox", "statements"), ("sandbox", "commits")]
        totals = [0.0] * (len(counted) + 2)
        for step in (*RUSH_STEPS, "journey"):
            vals = ctx.times.get(step) or [float("nan")]
            plain_vals = plain_times.get(step) or [float("nan")]
            figures = [ctx.sql.get((step, who, what), 0) / args.journeys for who, what in counted]
            figures += [us / 1000 / max(1, args.plain) for us in plain_cpu.get(step, [0, 0])]
            if step == "journey":
                figures = totals
            else:
                totals = [a + b for a, b in zip(totals, figures)]
            print(f"  {step:<13} {sum(plain_vals) / len(plain_vals) * 1000:8.1f} {sum(vals) / len(vals) * 1000:8.1f} "
                  f"{figures[0]:10.1f} {figures[1]:12.1f} {figures[2]:11.1f} "
                  f"{figures[3]:10.1f} {figures[4]:12.1f} {figures[5]:8.2f} {figures[6]:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
