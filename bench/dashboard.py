"""The organiser's dashboard at 100,000 scans: `python -m bench.run --target dashboard` (or python -m bench.dashboard).

    GET /api/v1/staff/scenarios/CDF2021/dashboard, through the Flask test client, as the demo organiser

What a run does, per database (a temp SQLite file, then a scratch PostgreSQL database; see bench/README.md,
"The organiser's dashboard"):

1. `flask db upgrade` + `seed-demo` (the current checkout's), then 8 doors on CDF2021 and a bulk load with
   SQLAlchemy Core (the models' tables, their constraints): guests, scans (link / wxacode, a share before
   login: no guest, later cited by a footprint), footprints citing scans, orders in every status and a valid
   certificate for each fulfilled one, over the last `--days` days. Then `flask leaderboard rebuild` (the
   dashboard's top 10) and, on PostgreSQL, VACUUM ANALYZE (what autovacuum would get to; SQLite is left as the
   app leaves it, without ANALYZE).
2. One worker process per checkout (bench/dashboard_worker.py: this one, and with `--old PATH` another
   checkout, e.g. a worktree of an older commit), each with its own app on that database: sign-in, one
   checked request, `--warmup` unrecorded requests.
3. `--rounds` rounds of `--per-round` requests on each side, alternating (old, new, then new, old, ...), so
   both see the same machine noise. Median, p90 and the SQL statements per request (X-SQL-Stats) per side,
   the ratio new/old, and the slowest statements (median ms per request).
4. The database dropped (PostgreSQL) or the temp dir removed, success or not.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.latency import save_results
from bench.load import percentile
from bench.server import ROOT, BenchError, flask_cli, prepared_environment, scratch_postgres

WORKER = Path(__file__).resolve().parent / "dashboard_worker.py"
SCENARIO = "CDF2021"  # the demo organiser's (seed-demo)
DOOR_WEIGHTS = (22, 18, 15, 12, 10, 9, 8, 6)  # door1 ... door8, for the scans on a door
CHUNK = 5000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run --target dashboard", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="dashboard", help=argparse.SUPPRESS)  # when called through bench.run
    p.add_argument("--db", choices=("both", "sqlite", "postgres"), default="both",
                   help="sqlite (a temp file), postgres (a scratch database on $BENCH_PG_ADMIN_URL or "
                        "postgresql://postgres@127.0.0.1:5432/postgres, dropped at the end) or both (default)")
    p.add_argument("--old", type=Path, action="append", default=[],
                   help="another checkout of the code (e.g. `git worktree add ../old <commit>`): measured on the "
                        "same database, alternating with this one; repeat for several (named by their commit)")
    p.add_argument("--scans", type=int, default=100_000, help="scans (default 100000)")
    p.add_argument("--footprints", type=int, default=30_000, help="footprints (default 30000)")
    p.add_argument("--orders", type=int, default=20_000, help="guest orders (default 20000)")
    p.add_argument("--certificates", type=int, default=15_000,
                   help="fulfilled orders, one valid certificate each (default 15000)")
    p.add_argument("--guests", type=int, default=45_000, help="guests (default 45000)")
    p.add_argument("--doors", type=int, default=8, choices=range(1, len(DOOR_WEIGHTS) + 1), metavar="1-8",
                   help="doors defined on the scenario (default 8)")
    p.add_argument("--days", type=float, default=3.0,
                   help="the activity spread over the last N days (default 3: hourly buckets, 72 points)")
    p.add_argument("--bucket", choices=("auto", "hour", "day"), default="auto",
                   help="?bucket= of the request (default auto: none, the endpoint's choice)")
    p.add_argument("--warmup", type=int, default=3, help="unrecorded requests per side first (default 3)")
    p.add_argument("--rounds", type=int, default=8, help="alternating rounds (default 8)")
    p.add_argument("--per-round", type=int, default=5, help="requests per side and round (default 5)")
    p.add_argument("--seed", type=int, default=20211207, help="random seed of the data (default 20211207)")
    p.add_argument("--output", type=Path, default=None,
                   help="results JSON path (default bench/results/dashboard-<timestamp>.json)")
    args = p.parse_args(argv)
    if not (args.certificates <= args.orders <= args.footprints and args.footprints <= args.scans * 2):
        p.error("need certificates <= orders <= footprints")
    if args.guests < 10 or args.footprints < 10 or args.scans < 10:
        p.error("at least 10 guests, footprints and scans")
    if args.rounds < 1 or args.per_round < 1 or args.warmup < 0 or not 0 < args.days <= 60:
        p.error("--rounds and --per-round at least 1, --warmup >= 0, --days in (0, 60]")
    args.old = [path.resolve() for path in args.old]
    for path in args.old:
        if not (path / "app" / "__init__.py").exists():
            p.error(f"--old {path}: not a checkout of this project (no app/__init__.py)")
    return args


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# The data


def plan_rows(args, *, user_base: int, scan_base: int, scenario_id: int, projects: list[tuple[int, int]],
              now: dt.datetime) -> dict[str, list[dict]]:
    """Every row to insert, by table, built to satisfy the models' constraints.

    Guests 1..guests; the first ~5/9 of them compute (some twice); 5% of the footprints are anonymous (no
    guest, never ordered). 90% of the footprints cite a scan of their own, a quarter of those made before
    login (no guest on the scan); the other scans are repeat scans, scans by guests who never compute, and
    anonymous scans (20%). 96% of the scans are on a door, 1% on a tag no door has (`lobby`), 3% on none.
    """
    rng = random.Random(args.seed)
    start = now - dt.timedelta(days=args.days)
    span = (now - dt.timedelta(hours=1) - start).total_seconds()
    doors = [f"door{i + 1}" for i in range(args.doors)]
    weights = DOOR_WEIGHTS[:args.doors]

    def tag() -> str | None:
        r = rng.random()
        return rng.choices(doors, weights)[0] if r < 0.96 else ("lobby" if r < 0.97 else None)

    def moment() -> dt.datetime:
        return start + dt.timedelta(seconds=rng.random() * span)

    def later(t: dt.datetime, lo: float, hi: float) -> dt.datetime:
        return t + dt.timedelta(seconds=rng.uniform(lo, hi))

    users = [{"id": user_base + i, "openid": f"bench-dash-{i}", "nickname": f"点点用户{i % 10000:04d}·{i}",
              "show_on_leaderboard": i % 20 != 0, "token_version": 1, "created_at": start, "last_login_at": start}
             for i in range(args.guests)]
    computing = max(1, args.guests * 5 // 9)
    scans: list[dict] = []

    def add_scan(user_id: int | None, at: dt.datetime, door: str | None) -> int:
        sid = scan_base + len(scans)
        scans.append({"id": sid, "scenario_id": scenario_id, "source": "wxacode" if rng.random() < 0.7 else "link",
                      "tag": door, "user_id": user_id,
                      "client_hash": None if user_id else f"{rng.getrandbits(64):016x}", "created_at": at})
        return sid

    footprints: list[dict] = []
    anonymous = args.footprints // 20
    registered = args.footprints - anonymous
    for i in range(args.footprints):
        user_id = None if i >= registered else user_base + (i if i < computing else rng.randrange(computing))
        at = moment()
        scan_id = None
        if rng.random() < 0.9 and len(scans) < args.scans:
            before_login = user_id is None or rng.random() < 0.25
            scan_id = add_scan(None if before_login else user_id, at, tag())
            at = later(at, 60, 1200)
        kg = Decimal(rng.randrange(50_000_000, 1_500_000_000)) / 1_000_000
        footprints.append({"id": f"fp_dash_{i}", "user_id": user_id, "scenario_id": scenario_id,
                           "scenario_code": SCENARIO, "scan_id": scan_id, "factor_set": "bench",
                           "inputs": {}, "items": [], "total_kg": kg, "created_at": at})
    while len(scans) < args.scans:
        r = rng.random()
        user_id = None if r < 0.2 else user_base + rng.randrange(args.guests)
        add_scan(user_id, moment(), tag())

    ordered = rng.sample(range(registered), min(args.orders, registered))
    other = ["pending"] * 10 + ["closed"] * 12 + ["paid"] * 1 + ["review"] * 1 + ["refunded"] * 2
    orders: list[dict] = []
    certificates: list[dict] = []
    for n, f in enumerate(ordered):
        fp = footprints[f]
        project_id, price = projects[rng.randrange(len(projects))]
        kg = math.ceil(fp["total_kg"])
        amount = math.ceil(kg * price / 1000)
        created = later(fp["created_at"], 30, 600)
        status = "fulfilled" if n < args.certificates else other[n % len(other)]
        paid = status in ("fulfilled", "paid", "review", "refunded")
        paid_at = later(created, 20, 180) if paid else None
        order = {"id": f"od_dash_{n}", "out_trade_no": f"DDD{n:013d}", "kind": "guest", "user_id": fp["user_id"],
                 "footprint_id": fp["id"], "scenario_id": scenario_id, "project_id": project_id, "kg": kg,
                 "price_fen_per_tonne": price, "amount_fen": amount, "status": status, "lang": "zh",
                 "prepay_id": f"wxdash{n}", "transaction_id": f"4200dash{n:012d}" if paid else None,
                 "paid_fen": amount if paid else None, "expires_at": created + dt.timedelta(minutes=15),
                 "paid_at": paid_at, "created_at": created,
                 "fulfilled_at": paid_at + dt.timedelta(seconds=1) if status == "fulfilled" else None,
                 "closed_at": created + dt.timedelta(minutes=15) if status == "closed" else None,
                 "refunded_at": later(paid_at, 600, 7200) if status == "refunded" else None,
                 "review_reason": "bench: amount mismatch" if status == "review" else None}
        orders.append(order)
        if status == "fulfilled":
            certificates.append({"serial": f"DD-DASH-{n:010d}", "order_id": order["id"], "kind": "personal",
                                 "user_id": fp["user_id"], "footprint_id": fp["id"], "scenario_id": scenario_id,
                                 "project_id": project_id, "holder": users[fp["user_id"] - user_base]["nickname"],
                                 "kg": kg, "status": "valid", "issued_at": order["fulfilled_at"],
                                 "created_at": order["fulfilled_at"]})
    return {"users": users, "scans": scans, "footprints": footprints, "orders": orders,
            "certificates": certificates}


def bulk_load(db_url: str, args) -> dict:
    """The doors and the rows of plan_rows, with Core inserts of the models' tables; step timings and facts."""
    import sqlalchemy as sa

    from app.models import Certificate, Footprint, Order, Project, Scan, Scenario, ScenarioDoor, User

    out: dict = {"steps": {}}
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            sid = conn.execute(sa.select(Scenario.id).where(Scenario.code == SCENARIO)).scalar_one()
            projects = [tuple(r) for r in conn.execute(
                sa.select(Project.id, Project.price_fen_per_tonne).where(Project.active).order_by(Project.id))]
            if not projects:
                raise BenchError("the seed has no active project")
            user_base = (conn.execute(sa.select(sa.func.max(User.id))).scalar() or 0) + 1
            scan_base = (conn.execute(sa.select(sa.func.max(Scan.id))).scalar() or 0) + 1
            now = dt.datetime.now(dt.UTC)
            conn.execute(sa.insert(ScenarioDoor), [
                {"scenario_id": sid, "tag": f"door{i + 1}", "label": f"{i + 1}号门", "created_at": now}
                for i in range(args.doors)])
        t = time.perf_counter()
        rows = plan_rows(args, user_base=user_base, scan_base=scan_base, scenario_id=sid, projects=projects, now=now)
        out["steps"]["plan (Python)"] = {"seconds": round(time.perf_counter() - t, 2)}
        tables = {"users": User, "scans": Scan, "footprints": Footprint, "orders": Order, "certificates": Certificate}
        for name, model in tables.items():
            t = time.perf_counter()
            with engine.begin() as conn:
                for i in range(0, len(rows[name]), CHUNK):
                    conn.execute(sa.insert(model), rows[name][i:i + CHUNK])
            out["steps"][name] = {"seconds": round(time.perf_counter() - t, 2), "rows": len(rows[name])}
            say(f"  {name}: {len(rows[name]):,} rows in {time.perf_counter() - t:.1f}s")
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            with engine.begin() as conn:
                for table in ("users", "scans"):
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                         f"(SELECT max(id) FROM {table}))"))
        scans, footprints = rows["scans"], rows["footprints"]
        cited = {f["scan_id"] for f in footprints if f["scan_id"] is not None}
        out["facts"] = {
            "scenario_id": sid, "doors": args.doors, "guests": len(rows["users"]),
            "scans": len(scans), "scans_without_guest": sum(s["user_id"] is None for s in scans),
            "scans_before_login_cited": sum(s["user_id"] is None and s["id"] in cited for s in scans),
            "scans_wxacode": sum(s["source"] == "wxacode" for s in scans),
            "footprints": len(footprints), "footprints_citing_a_scan": len(cited),
            "footprints_anonymous": sum(f["user_id"] is None for f in footprints),
            "orders": len(rows["orders"]), "orders_by_status": _count(o["status"] for o in rows["orders"]),
            "certificates": len(rows["certificates"]),
            "from": min(s["created_at"] for s in scans).isoformat(timespec="seconds"),
            "to": max(c["issued_at"] for c in rows["certificates"]).isoformat(timespec="seconds")
            if rows["certificates"] else None,
        }
    finally:
        engine.dispose()
    return out


def _count(values) -> dict:
    counts: dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return dict(sorted(counts.items()))


def analyze(db_url: str) -> float:
    """VACUUM ANALYZE on PostgreSQL (seconds); nothing on SQLite (the app never runs ANALYZE there)."""
    import sqlalchemy as sa

    if not db_url.startswith("postgresql"):
        return 0.0
    t = time.perf_counter()
    engine = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - t


# ---------------------------------------------------------------------------------------------
# The workers


class Worker:
    """bench/dashboard_worker.py on one checkout, as a subprocess speaking lines of JSON."""

    def __init__(self, name: str, root: Path, env: dict[str, str]):
        self.name, self.root = name, root
        env = {**env, "SQL_STATS": "1", "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen([sys.executable, str(WORKER), str(root), SCENARIO], cwd=root, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.ready = self._read("ready")

    def _read(self, expect: str | None = None) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError(f"the {self.name} worker ({self.root}) ended (exit {self.proc.wait()})")
        if line.startswith("error "):
            raise BenchError(f"the {self.name} worker ({self.root}): {line[6:].strip()}")
        if expect:
            if not line.startswith(expect + " "):
                raise BenchError(f"the {self.name} worker said {line.strip()[:300]!r}")
            line = line[len(expect) + 1:]
        return json.loads(line)

    def run(self, n: int, bucket: str) -> dict:
        self.proc.stdin.write(f"run {n} {bucket}\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def measure(env: dict[str, str], args) -> dict:
    """Warm-up, then alternating rounds; per side the request times, statements and statement timings."""
    sides = [("new", ROOT)] + [(old_name(path, len(args.old)), path) for path in args.old]
    workers: dict[str, Worker] = {}
    try:
        for name, root in sides:
            workers[name] = Worker(name, root, env)
        for w in workers.values():
            if args.warmup:
                w.run(args.warmup, args.bucket)
        data = {name: {"seconds": [], "statements": [], "slowest": {}, "digest": None} for name in workers}
        order = [name for name, _ in reversed(sides)]  # old first in the first round
        for r in range(args.rounds):
            for name in order if r % 2 == 0 else list(reversed(order)):  # then new first, and so on
                got = workers[name].run(args.per_round, args.bucket)
                side = data[name]
                side["seconds"] += got["seconds"]
                side["statements"] += got["statements"]
                side["digest"] = got["digest"]
                for label, times in got["slowest"].items():
                    side["slowest"].setdefault(label, []).extend(times)
            say(f"  round {r + 1}/{args.rounds}: " + ", ".join(
                f"{name} median {statistics.median(data[name]['seconds']) * 1000:.0f} ms" for name in order))
        return data
    finally:
        for w in workers.values():
            w.close()


def _git(path: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def old_name(path: Path, count: int) -> str:
    """`old` for a single --old, else `old-<short commit>`."""
    return "old" if count == 1 else f"old-{_git(path, 'rev-parse', '--short', 'HEAD') or path.name}"


def summary(side: dict) -> dict:
    lat = sorted(side["seconds"])
    statements = [s for s in side["statements"] if s is not None]
    per_request = len(lat)
    slowest = sorted(((label, sum(times) / per_request * 1000, statistics.median(times) * 1000, len(times))
                      for label, times in side["slowest"].items()), key=lambda x: -x[1])
    return {"n": per_request, "median_ms": statistics.median(lat) * 1000, "p90_ms": percentile(lat, 90) * 1000,
            "min_ms": lat[0] * 1000, "max_ms": lat[-1] * 1000, "mean_ms": statistics.fmean(lat) * 1000,
            "statements": (min(statements), max(statements)) if statements else None,
            "slowest": [{"statement": s, "ms_per_request": round(a, 2), "median_ms": round(m, 2), "count": c}
                        for s, a, m, c in slowest[:6]]}


# ---------------------------------------------------------------------------------------------
# A pass per database


def one_database(kind: str, args) -> dict:
    result: dict = {"database": kind}
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(scratch_postgres(name=f"diandian_dash_{os.getpid()}")) if kind == "postgres" \
            else None
        say(f"{kind}: migrate + seed ...")
        benv = stack.enter_context(prepared_environment(url))
        say(f"{kind}: bulk load ...")
        t = time.perf_counter()
        result["load"] = bulk_load(benv.db_url, args)
        t_rebuild = time.perf_counter()
        result["load"]["leaderboard_rebuild"] = flask_cli(benv, "leaderboard", "rebuild", timeout=600)
        result["load"]["steps"]["leaderboard rebuild"] = {"seconds": round(time.perf_counter() - t_rebuild, 2)}
        seconds = analyze(benv.db_url)
        if seconds:
            result["load"]["steps"]["vacuum analyze"] = {"seconds": round(seconds, 2)}
        result["load"]["seconds"] = round(time.perf_counter() - t, 1)
        say(f"{kind}: loaded in {result['load']['seconds']:.0f}s; measuring "
            f"({args.rounds} rounds x {args.per_round} requests per side{', alternating with --old' * bool(args.old)})")
        env = {k: v for k, v in benv.env.items() if k != "REDIS_URL"}  # leaderboard from SQL, inline queue
        data = measure(env, args)
        result["sides"] = {name: {**summary(side), "digest": side["digest"]} for name, side in data.items()}
    return result


def report(results: dict) -> list[str]:
    lines = []
    for db in results["databases"]:
        facts = db.get("load", {}).get("facts")
        if facts:
            lines.append(f"{db['database']}: {facts['scans']:,} scans "
                         f"({facts['scans_without_guest']:,} without a guest, "
                         f"{facts['scans_before_login_cited']:,} of them cited by a footprint), "
                         f"{facts['footprints']:,} footprints ({facts['footprints_citing_a_scan']:,} citing a scan), "
                         f"{facts['orders']:,} orders {facts['orders_by_status']}, {facts['certificates']:,} "
                         f"certificates, {facts['guests']:,} guests, {facts['doors']} doors; loaded in "
                         f"{db['load']['seconds']:.0f}s")
        sides = db.get("sides", {})
        lines.append(f"  {'code':<12} {'n':>4} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'max ms':>8} "
                     f"{'statements':>10}")
        for name, s in sides.items():
            st = s["statements"]
            st_text = "-" if st is None else (str(st[0]) if st[0] == st[1] else f"{st[0]}-{st[1]}")
            lines.append(f"  {name:<12} {s['n']:>4} {s['median_ms']:>10.1f} {s['p90_ms']:>8.1f} {s['min_ms']:>8.1f} "
                         f"{s['max_ms']:>8.1f} {st_text:>10}")
        new = sides.get("new")
        for name, old in sides.items():
            if name == "new" or new is None:
                continue
            lines.append(f"  new / {name}: median x{new['median_ms'] / old['median_ms']:.2f}, "
                         f"p90 x{new['p90_ms'] / old['p90_ms']:.2f}")
            for key in ("totals", "funnel", "doors"):
                same = new["digest"][key] == old["digest"][key]
                lines.append(f"    {key}: " + ("the same" if same else
                                               f"{name} {old['digest'][key]} -> new {new['digest'][key]}"
                                               if key != "doors" else "differ"))
        for name, s in sides.items():
            lines.append(f"  slowest statements, {name} (ms per request, mean; median of each run):")
            for row in s["slowest"][:4]:
                lines.append(f"    {row['ms_per_request']:>7.1f}  {row['median_ms']:>7.1f} x{row['count'] // s['n']}"
                             f"  {row['statement']}")
        if sides:
            d = next(iter(sides.values()))["digest"]
            lines.append(f"  answer: funnel {d['funnel']}, bucket {d['bucket']}, {d['points']} points")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now()
    results: dict = {"started": started.isoformat(timespec="seconds"), "args": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "loadavg_start": os.getloadavg(), "databases": []}
    results["commits"] = {"new": _git(ROOT, "rev-parse", "HEAD"), "new_changes": _git(ROOT, "status", "--short"),
                          **{old_name(path, len(args.old)): _git(path, "rev-parse", "HEAD") for path in args.old}}
    status = 0
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    try:
        for kind in kinds:
            try:
                results["databases"].append(one_database(kind, args))
            except BenchError as exc:
                print(f"bench: {kind}: {exc}", file=sys.stderr)
                results["databases"].append({"database": kind, "error": str(exc)})
                status = 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        status = 130
    results["loadavg_end"] = os.getloadavg()
    print()
    for line in report({"databases": [d for d in results["databases"] if "sides" in d]}):
        print(line)
    print(f"machine load average: {results['loadavg_start'][0]:.2f} at the start, "
          f"{' '.join(f'{x:.2f}' for x in results['loadavg_end'])} at the end (1, 5, 15 min)")
    out = save_results(results, "dashboard", started, args.output)
    print(f"results: {out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
