"""Leaderboard benchmark: `python -m bench.run --target leaderboard` (or `python -m bench.leaderboard`).

Aim: GET /api/v1/leaderboards under 20 ms from Redis and under 100 ms from PostgreSQL, with 1,000,000
certificates stored. What a run does (see bench/README.md, "Leaderboards"):

1. A scratch PostgreSQL database (created, and dropped at the end), `flask db upgrade` + `seed-demo`.
2. Bulk load with plain SQL (INSERT ... SELECT generate_series): users, then one footprint, one
   fulfilled order and one valid certificate per certificate, over the seed's active scenarios and
   projects, issued over the last 90 days, 1-2000 kg each, part of the orders for one of 500
   organisations. credit_claims / credit_units / the ledger are not written (leaderboards never read them).
3. A guest logs in through the sandbox (`sandbox-bench-me`) and gets three certificates by SQL, sized
   to put them mid-table on the boards measured (so `me` is a real rank computation).
4. `flask --app wsgi leaderboard rebuild` with REDIS_URL: timed, peak memory (RSS) of the process.
5. gunicorn (2 sync workers) twice on that database: WITH REDIS_URL (reads from the sorted sets), then
   WITHOUT (reads from leaderboard_entries): each query sequentially (latency), then at concurrency 8
   for a short while (throughput).
6. Redis and SQL answers compared, query by query (JSON bodies, limit 10 and 100).
7. Always, success or not: the servers stopped, the Redis keys deleted, the database dropped.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.latency import (
    STAT_HEADER,
    CheckFailed,
    expect_status,
    fmt_ms,
    save_results,
    stat_cols,
    stats,
    throughput,
    timed,
)
from bench.server import (
    HOST,
    ROOT,
    BenchError,
    Gunicorn,
    prepared_environment,
    scratch_postgres,
    sigterm_as_keyboard_interrupt,
    venv_tool,
)

AIM_REDIS_MS = 20.0
AIM_SQL_MS = 100.0
CST = dt.timezone(dt.timedelta(hours=8))
REDIS_PREFIX = "diandian:lb:"  # app/services/offsetting/leaderboards.py
ME_CODE = "sandbox-bench-me"
#: Share of the certificates per scenario code (split evenly over the projects); other active scenarios
#: share what is left.
SCENARIO_WEIGHTS = {"CDF2021": 0.40, "LIFE": 0.20}

QUERIES = [
    ("overall", {"limit": 10}),
    ("scenario", {"scenario": "CDF2021", "limit": 10}),
    ("organization", {"by": "organization", "limit": 10}),
    ("month", {"period": "month", "limit": 10}),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run --target leaderboard", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="leaderboard", help=argparse.SUPPRESS)  # when called through bench.run
    p.add_argument("--certificates", type=int, default=1_000_000, help="certificates loaded (default 1000000)")
    p.add_argument("--users", type=int, default=200_000, help="guests they belong to (default 200000)")
    p.add_argument("--orgs", type=int, default=500, help="organisations (default 500)")
    p.add_argument("--org-share", type=float, default=0.3,
                   help="share of the orders made for an organisation (default 0.3)")
    p.add_argument("--days", type=int, default=90, help="certificates issued over the last N days (default 90)")
    p.add_argument("--requests", type=int, default=200,
                   help="sequential requests measured per query and backend (default 200)")
    p.add_argument("--warmup-requests", type=int, default=10, help="unrecorded requests per query first (default 10)")
    p.add_argument("--throughput-seconds", type=float, default=2.0,
                   help="seconds of closed-loop load per query and backend (default 2; 0 = skip)")
    p.add_argument("--concurrency", "-c", type=int, default=8, help="connections for the throughput rounds (default 8)")
    p.add_argument("--workers", "-w", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/14",
                   help="Redis database for the sorted sets (default $BENCH_REDIS_URL or redis://127.0.0.1:6379/14; "
                        "must hold no diandian:* keys; its diandian:lb:* keys are deleted at the end)")
    p.add_argument("--rebuild-timeout", type=float, default=1200.0,
                   help="seconds before `flask leaderboard rebuild` is killed (default 1200)")
    p.add_argument("--fk-triggers", action="store_true",
                   help="keep PostgreSQL's foreign-key triggers on during the bulk load (about 2.5x slower); by "
                        "default they are off for the load (session_replication_role = replica) and every "
                        "foreign key is verified afterwards")
    p.add_argument("--rebuild-sketch", action="store_true",
                   help="diagnostic, at the end: the rebuild as one SQL statement (rolled back) and a chunked Redis "
                        "load, timed and compared with the app's rows (about 2.5 minutes more at 1M)")
    p.add_argument("--no-vacuum", action="store_true",
                   help="skip VACUUM ANALYZE of leaderboard_entries after the rebuild (see bench/README.md)")
    p.add_argument("--keep-logs", action="store_true", help="keep the gunicorn logs (the database is always dropped)")
    p.add_argument("--output", type=Path, default=None,
                   help="results JSON path (default bench/results/leaderboard-<timestamp>.json)")
    args = p.parse_args(argv)
    if args.certificates < 1000 or args.users < 100 or args.orgs < 1:
        p.error("at least 1000 certificates, 100 users and 1 organisation")
    if args.certificates > 20_000_000:
        p.error("--certificates: at most 20000000")
    if not (0 <= args.org_share <= 1):
        p.error("--org-share must be in [0, 1]")
    if args.requests < 1 or args.concurrency < 1 or args.workers < 1 or args.days < 1:
        p.error("--requests, --concurrency, --workers and --days must be at least 1")
    if args.throughput_seconds < 0 or args.throughput_seconds > 60:
        p.error("--throughput-seconds must be in [0, 60]")
    db_no = args.redis_url.rstrip("/").rsplit("/", 1)[-1]
    if not db_no.isdigit() or db_no == "15":
        p.error("--redis-url must name a database number other than 15 (the test suite's), e.g. .../14")
    if "127.0.0.1" not in args.redis_url and "localhost" not in args.redis_url:
        p.error("--redis-url: loopback only")
    return args


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# Redis


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=30)


def redis_delete(r, pattern: str) -> int:
    n = 0
    batch = []
    for key in r.scan_iter(pattern, count=1000):
        batch.append(key)
        if len(batch) >= 500:
            n += r.delete(*batch)
            batch = []
    if batch:
        n += r.delete(*batch)
    return n


def redis_members(r) -> tuple[int, int]:
    """(keys, members) under the leaderboard prefix."""
    keys = list(r.scan_iter(REDIS_PREFIX + "*", count=1000))
    pipe = r.pipeline(transaction=False)
    for k in keys:
        pipe.zcard(k)
    return len(keys), sum(pipe.execute()) if keys else 0


# ---------------------------------------------------------------------------------------------
# Bulk load (plain SQL)


def pg_connect(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, connect_timeout=10)


def bulk_load(db_url: str, args) -> dict:
    """users, footprints, orders, certificates with INSERT ... SELECT; returns step timings and facts."""
    out: dict = {"steps": {}}
    t_all = time.perf_counter()
    with pg_connect(db_url) as conn:
        cur = conn.cursor()
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET work_mem = '256MB'")
        out["fk_checks"] = "triggers"
        if not args.fk_triggers:
            # The foreign-key triggers fire once per row (2/3 of the load time); the rows are built to
            # satisfy every key, and every key is verified afterwards (verify_foreign_keys). Superuser only.
            try:
                cur.execute("SET session_replication_role = replica")
                out["fk_checks"] = "verified after the load"
            except Exception as exc:  # noqa: BLE001 - not a superuser: keep the triggers
                conn.rollback()
                cur.execute("SET synchronous_commit = off")
                cur.execute("SET work_mem = '256MB'")
                say(f"  (cannot skip the foreign-key triggers: {str(exc).strip()}; loading with them)")
        cur.execute("SELECT id, code FROM scenarios WHERE status = 'active' ORDER BY id")
        scenarios = cur.fetchall()
        cur.execute("SELECT id, code, price_fen_per_tonne FROM projects WHERE active ORDER BY id")
        projects = cur.fetchall()
        if not scenarios or not projects:
            raise BenchError("the seed has no active scenario or project")
        codes = [c for _, c in scenarios]
        named = {c: w for c, w in SCENARIO_WEIGHTS.items() if c in codes}
        rest = [c for c in codes if c not in named]
        left = max(0.0, 1.0 - sum(named.values()))
        weights = {**named, **{c: left / len(rest) for c in rest}} if rest else named
        total_w = sum(weights.values())
        picks, lo = [], 0.0
        for sid, code in scenarios:
            for pid, _code, price in projects:
                w = weights[code] / total_w / len(projects)
                picks.append((lo, lo + w, sid, code, pid, price))
                lo += w
        picks[-1] = (*picks[-1][:1], 1.0 + 1e-9, *picks[-1][2:])
        out["scenario_weights"] = {c: round(w / total_w, 4) for c, w in weights.items()}
        out["projects"] = [p[1] for p in projects]
        cur.execute("CREATE TEMP TABLE bench_pick (lo float8, hi float8, scenario_id int, scenario_code text, "
                    "project_id int, price int)")
        cur.executemany("INSERT INTO bench_pick VALUES (%s, %s, %s, %s, %s, %s)", picks)

        def step(name: str, sql: str) -> int:
            t = time.perf_counter()
            cur.execute(sql)
            n = cur.rowcount
            conn.commit()
            out["steps"][name] = {"seconds": round(time.perf_counter() - t, 2), "rows": n}
            say(f"  {name}: {n:,} rows in {time.perf_counter() - t:.1f}s")
            return n

        say(f"bulk load: {args.users:,} users, {args.certificates:,} certificates (+ footprints, orders) ...")
        # Numbers go into the SQL text (validated ints and floats): CREATE TABLE AS takes no parameters.
        step("users", f"""
            INSERT INTO users (openid, nickname, show_on_leaderboard, token_version, created_at, last_login_at)
            SELECT 'bench-openid-' || g, '点点用户' || lpad((g % 10000)::text, 4, '0') || '·' || g,
                   g % 20 <> 0, 0, now() - interval '120 days', now() - interval '1 day'
            FROM generate_series(1, {int(args.users)}) g""")
        cur.execute("SELECT min(id), max(id), count(*) FROM users WHERE openid LIKE 'bench-openid-%'")
        umin, umax, ucount = cur.fetchone()
        if umax - umin + 1 != ucount:
            raise BenchError(f"bulk-loaded user ids are not contiguous ({umin}..{umax}, {ucount} rows)")
        out["user_ids"] = [umin, umax]
        cur.execute("SELECT setseed(0.4242)")
        step("plan (temp table)", f"""
            CREATE TEMP TABLE bench_c AS
            SELECT b.g, b.user_id, b.kg, b.issued_at, b.org, p.scenario_id, p.scenario_code, p.project_id, p.price
            FROM (SELECT g,
                         {int(umin)} + floor(random() * {int(args.users)})::int AS user_id,
                         1 + floor(random() * 2000)::int AS kg,
                         now() - random() * ({int(args.days)} * interval '1 day') AS issued_at,
                         CASE WHEN random() < {float(args.org_share)!r}
                              THEN 'Bench Org ' || lpad((1 + floor(random() * {int(args.orgs)}))::int::text, 3, '0')
                         END AS org,
                         random() AS r
                  FROM generate_series(1, {int(args.certificates)}) g) b
            JOIN bench_pick p ON b.r >= p.lo AND b.r < p.hi""")
        step("footprints", """
            INSERT INTO footprints (id, user_id, scenario_id, scenario_code, scan_id, factor_set, inputs, items,
                                    total_kg, created_at)
            SELECT 'fp_bench_' || g, user_id, scenario_id, scenario_code, NULL, 'bench', '{}', '[]',
                   kg - 0.4, issued_at - interval '3 minutes'
            FROM bench_c""")
        step("orders", """
            INSERT INTO orders (id, out_trade_no, user_id, footprint_id, scenario_id, project_id, kg,
                                price_fen_per_tonne, amount_fen, organization_name, status, prepay_id,
                                transaction_id, paid_fen, expires_at, paid_at, fulfilled_at, created_at)
            SELECT 'od_bench_' || g, 'DDB' || lpad(g::text, 12, '0'), user_id, 'fp_bench_' || g, scenario_id,
                   project_id, kg, price, ceil(kg * price / 1000.0)::int, org, 'fulfilled', 'wxbench' || g,
                   '4200bench' || lpad(g::text, 12, '0'), ceil(kg * price / 1000.0)::int,
                   issued_at + interval '13 minutes', issued_at - interval '1 second', issued_at,
                   issued_at - interval '2 minutes'
            FROM bench_c""")
        step("certificates", """
            INSERT INTO certificates (serial, order_id, user_id, footprint_id, scenario_id, project_id, holder, kg,
                                      status, issued_at, created_at)
            SELECT 'DD-BNCH-' || lpad(g::text, 10, '0'), 'od_bench_' || g, user_id, 'fp_bench_' || g,
                   scenario_id, project_id, '点点用户' || lpad((user_id % 10000)::text, 4, '0'), kg, 'valid',
                   issued_at, issued_at
            FROM bench_c""")
        cur.execute("DROP TABLE bench_c")
        conn.commit()
        if out["fk_checks"] != "triggers":
            cur.execute("SET session_replication_role = DEFAULT")
            t = time.perf_counter()
            checked = verify_foreign_keys(cur, ("users", "footprints", "orders", "certificates"))
            conn.commit()
            out["steps"]["foreign keys verified"] = {"seconds": round(time.perf_counter() - t, 2),
                                                     "keys": len(checked)}
            say(f"  foreign keys verified: {len(checked)} keys, no orphan, in {time.perf_counter() - t:.1f}s")
        t = time.perf_counter()
        conn.autocommit = True
        cur.execute("ANALYZE")
        out["steps"]["analyze"] = {"seconds": round(time.perf_counter() - t, 2)}
        cur.execute("""SELECT count(*), count(DISTINCT user_id), sum(kg) FROM certificates""")
        n, users_with, kg = cur.fetchone()
        cur.execute("SELECT count(DISTINCT organization_name), count(organization_name) FROM orders")
        orgs, org_orders = cur.fetchone()
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        out["database_size"] = cur.fetchone()[0]
    out.update({"certificates": n, "users_with_certificates": users_with, "kg": int(kg), "organizations": orgs,
                "orders_with_organization": org_orders, "seconds": round(time.perf_counter() - t_all, 1)})
    say(f"bulk load done in {out['seconds']:.1f}s: {n:,} certificates, {users_with:,} guests with one, "
        f"{orgs} organisations on {org_orders:,} orders; database {out['database_size']}")
    return out


def verify_foreign_keys(cur, tables: tuple[str, ...]) -> list[str]:
    """Every foreign key of `tables` (read from pg_constraint) holds: no row points at a missing parent.
    BenchError naming the key and the count otherwise."""
    from psycopg import sql

    cur.execute("""
        SELECT con.conname, cl.relname, pcl.relname,
               array_agg(a.attname ORDER BY k.ord), array_agg(pa.attname ORDER BY k.ord)
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_class pcl ON pcl.oid = con.confrelid
        CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
        JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.fattnum
        WHERE con.contype = 'f' AND cl.relname = ANY(%s)
        GROUP BY con.conname, cl.relname, pcl.relname ORDER BY con.conname""", (list(tables),))
    keys = cur.fetchall()
    for name, child, parent, cols, pcols in keys:
        not_null = sql.SQL(" AND ").join(sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(c)) for c in cols)
        match = sql.SQL(" AND ").join(sql.SQL("p.{} = c.{}").format(sql.Identifier(pc), sql.Identifier(c))
                                      for c, pc in zip(cols, pcols))
        cur.execute(sql.SQL("SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})")
                    .format(sql.Identifier(child), not_null, sql.Identifier(parent), match))
        orphans = cur.fetchone()[0]
        if orphans:
            raise BenchError(f"bulk load broke foreign key {name}: {orphans} {child} rows without their {parent}")
    return [k[0] for k in keys]


def give_me_certificates(db_url: str, user_id: int, org: str) -> dict:
    """Three certificates for the logged-in guest, sized to land mid-table on the measured boards:
    CDF2021 this month (x = the median guest's total this month), CDF2021 45 days ago (x + y = the median
    CDF2021 total), LIFE 50 days ago (x + y + z = the median all-time total). All for `org` (one of the
    bulk-loaded organisations, mid-way in the list)."""
    now = dt.datetime.now(CST)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with pg_connect(db_url) as conn:
        cur = conn.cursor()

        def median(where: str, params=()) -> int:
            cur.execute(f"""SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY s)
                            FROM (SELECT sum(kg) AS s FROM certificates WHERE status = 'valid' {where}
                                  GROUP BY user_id) t""", params)
            return int(cur.fetchone()[0] or 1)

        cur.execute("SELECT id FROM scenarios WHERE code = 'CDF2021'")
        cdf = cur.fetchone()[0]
        cur.execute("SELECT id FROM scenarios WHERE code = 'LIFE'")
        life = (cur.fetchone() or (cdf,))[0]
        m_all = median("")
        m_cdf = median("AND scenario_id = %s", (cdf,))
        m_month = median("AND issued_at >= %s", (month_start,))
        x = max(1, m_month)
        y = max(1, m_cdf - x)
        z = max(1, m_all - x - y)
        cur.execute("SELECT id, price_fen_per_tonne FROM projects WHERE active ORDER BY id LIMIT 1")
        project, price = cur.fetchone()
        cur.execute("SELECT nickname FROM users WHERE id = %s", (user_id,))
        holder = cur.fetchone()[0]
        certs = [(1, cdf, "CDF2021", x, now - dt.timedelta(seconds=10)),
                 (2, cdf, "CDF2021", y, now - dt.timedelta(days=45)),
                 (3, life, "LIFE", z, now - dt.timedelta(days=50))]
        for n, sid, code, kg, at in certs:
            amount = -(-kg * price // 1000)
            cur.execute("""INSERT INTO footprints (id, user_id, scenario_id, scenario_code, factor_set, inputs, items,
                                                   total_kg, created_at)
                           VALUES (%s, %s, %s, %s, 'bench', '{}', '[]', %s, %s)""",
                        (f"fp_benchme_{n}", user_id, sid, code, kg, at))
            cur.execute("""INSERT INTO orders (id, out_trade_no, user_id, footprint_id, scenario_id, project_id, kg,
                                               price_fen_per_tonne, amount_fen, organization_name, status, prepay_id,
                                               transaction_id, paid_fen, expires_at, paid_at, fulfilled_at, created_at)
                           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'fulfilled', %s, %s, %s, %s, %s, %s, %s)""",
                        (f"od_benchme_{n}", f"DDBME{n:08d}", user_id, f"fp_benchme_{n}", sid, project, kg, price,
                         amount, org, f"wxbenchme{n}", f"4200benchme{n}", amount,
                         at + dt.timedelta(minutes=13), at, at, at))
            cur.execute("""INSERT INTO certificates (serial, order_id, user_id, footprint_id, scenario_id, project_id,
                                                     holder, kg, status, issued_at, created_at)
                           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'valid', %s, %s)""",
                        (f"DD-BNME-{n:010d}", f"od_benchme_{n}", user_id, f"fp_benchme_{n}", sid, project, holder,
                         kg, at, at))
        conn.commit()
    return {"user_id": user_id, "kg": {"this_month_cdf2021": x, "earlier_cdf2021": y, "earlier_life": z},
            "medians": {"all": m_all, "cdf2021": m_cdf, "month": m_month}, "organization": org}


# ---------------------------------------------------------------------------------------------
# The rebuild (a child process: timed, its peak RSS read from the kernel)


def rebuild(env: dict, timeout: float, r, logdir: Path, db_url: str) -> dict:
    """Run `flask leaderboard rebuild`; phases seen from outside: reading and summing the certificates
    (until its first INSERT INTO leaderboard_entries shows in pg_stat_activity), inserting the rows (until
    the first Redis key appears), loading Redis (until it exits)."""
    cmd = [venv_tool("flask"), "--app", "wsgi", "leaderboard", "rebuild"]
    log = logdir / "rebuild.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)
    t0 = time.perf_counter()
    last_print = t0
    rss_peak_kb = rss_kb = 0
    redis_phase = None
    status = ru = None
    insert_phase = None
    rss_at_insert_kb = None
    try:
        baseline_keys = r.dbsize()
    except Exception:  # noqa: BLE001 - progress only
        baseline_keys = 0
    watch = pg_connect(db_url)
    watch.autocommit = True
    try:
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            try:
                with open(f"/proc/{proc.pid}/status") as st:
                    for line in st:
                        if line.startswith("VmHWM:"):
                            rss_peak_kb = max(rss_peak_kb, int(line.split()[1]))
                        elif line.startswith("VmRSS:"):
                            rss_kb = int(line.split()[1])
            except OSError:
                rss_kb = 0
            if insert_phase is None:
                with contextlib.suppress(Exception):
                    if watch.execute("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND "
                                     "pid <> pg_backend_pid() AND query LIKE 'INSERT INTO leaderboard_entries%'"
                                     ).fetchone():
                        insert_phase = now - t0
                        rss_at_insert_kb = rss_kb
            if redis_phase is None:
                with contextlib.suppress(Exception):
                    if r.dbsize() > baseline_keys:
                        redis_phase = now - t0
            if now - last_print >= 15:
                last_print = now
                phase = ("loading Redis" if redis_phase is not None else "inserting leaderboard_entries"
                         if insert_phase is not None else "reading and summing certificates")
                say(f"  rebuild running: {now - t0:.0f}s, RSS {rss_kb / 1024:.0f} MB "
                    f"(peak {rss_peak_kb / 1024:.0f} MB), phase: {phase}")
            if now - t0 > timeout:
                raise BenchError(f"`flask leaderboard rebuild` still running after {timeout:.0f}s (killed); "
                                 f"peak RSS so far {rss_peak_kb / 1024:.0f} MB")
            time.sleep(0.25)
    finally:
        watch.close()
        if status is None:  # still running: we started it, we end it (its own process group)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(errors="replace").strip()
    if proc.returncode != 0:
        raise BenchError(f"`flask leaderboard rebuild` failed (exit {proc.returncode}) after {seconds:.0f}s:\n"
                         f"{output[-3000:]}")
    peak_mb = max(ru.ru_maxrss, rss_peak_kb) / 1024  # ru_maxrss: KB on Linux
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb), "cpu_user_s": round(ru.ru_utime, 1),
            "cpu_sys_s": round(ru.ru_stime, 1), "redis_phase_from_s": round(redis_phase, 1) if redis_phase else None,
            "insert_phase_from_s": round(insert_phase, 1) if insert_phase else None,
            "rss_at_insert_mb": round(rss_at_insert_kb / 1024) if rss_at_insert_kb else None,
            "output": output.splitlines()[-1] if output else ""}


# ---------------------------------------------------------------------------------------------
# Measuring the endpoint


def query_path(params: dict) -> str:
    return "/api/v1/leaderboards?" + urlencode(params)


def check_body(name: str, resp, params: dict, with_me: bool) -> dict:
    expect_status(resp, 200, f"GET {query_path(params)} ({name})")
    try:
        body = json.loads(resp.body)
    except ValueError:
        raise CheckFailed(f"{name}: not JSON: {resp.body[:300]!r}") from None
    entries = body.get("entries")
    # A full page at limit 10 (every board measured has more members); at most `limit` otherwise.
    if (not isinstance(entries, list) or len(entries) > params["limit"]
            or (params["limit"] == 10 and len(entries) != 10) or not entries):
        raise CheckFailed(f"{name}: expected {params['limit']} entries: {str(body)[:500]}")
    if [e.get("rank") for e in entries] != list(range(1, len(entries) + 1)):
        raise CheckFailed(f"{name}: ranks not 1..n: {str(body)[:500]}")
    if any(entries[i]["kg"] < entries[i + 1]["kg"] for i in range(len(entries) - 1)):
        raise CheckFailed(f"{name}: entries not in descending kg: {str(body)[:500]}")
    if with_me and not (isinstance(body.get("me"), dict) and body["me"].get("rank")):
        raise CheckFailed(f"{name}: no `me` rank for the mid-table guest: {str(body)[:500]}")
    if not with_me and body.get("me") is not None:
        raise CheckFailed(f"{name}: `me` without a token: {str(body)[:300]}")
    return body


def measure_backend(backend: str, srv: Gunicorn, token: str, args) -> dict:
    out: dict = {"queries": {}, "bodies": {}}
    auth = {"Authorization": f"Bearer {token}"}
    for qname, params in QUERIES:
        for with_me in (False, True):
            name = f"{qname}{' +me' if with_me else ''}"
            path = query_path(params)
            headers = auth if with_me else None
            for _ in range(args.warmup_requests):
                _, resp = timed(srv.port, "GET", path, headers)
                check_body(name, resp, params, with_me)
            lat = []
            body = None
            for _ in range(args.requests):
                seconds, resp = timed(srv.port, "GET", path, headers)
                body = check_body(name, resp, params, with_me)
                lat.append(seconds)
            s = stats(lat)
            out["queries"][name] = {"path": path, "me": with_me, **s}
            out["bodies"][name] = body
            say(f"  {backend:<5} {name:<18} p50 {s['p50_ms']:7.2f} ms  p99 {s['p99_ms']:7.2f} ms"
                + (f"  me={body['me']}" if with_me else ""))
    # Bodies for the comparison at the largest page too (not timed).
    for qname, params in QUERIES:
        big = {**params, "limit": 100}
        for with_me in (False, True):
            _, resp = timed(srv.port, "GET", query_path(big), auth if with_me else None)
            out["bodies"][f"{qname}{' +me' if with_me else ''} limit=100"] = check_body(qname, resp, big, with_me)
    if args.throughput_seconds > 0:
        out["throughput"] = {}
        for qname, params in QUERIES:
            for with_me in (False, True):
                name = f"{qname}{' +me' if with_me else ''}"
                t = throughput(srv, name, query_path(params), auth if with_me else None,
                               concurrency=args.concurrency, duration=args.throughput_seconds,
                               warmup=min(0.5, args.throughput_seconds))
                out["throughput"][name] = t
                if t["errors"]:
                    raise CheckFailed(f"{backend} {name}: {t['errors']} errors at concurrency {args.concurrency}: "
                                      f"{t['error_samples']}")
        say(f"  {backend}: throughput at concurrency {args.concurrency}: "
            + ", ".join(f"{k} {v['rps']:.0f}/s" for k, v in out["throughput"].items()))
    return out


def compare(redis_bodies: dict, sql_bodies: dict) -> dict:
    diffs = {}
    for name, a in redis_bodies.items():
        b = sql_bodies.get(name)
        if a != b:
            first = None
            for ea, eb in zip(a.get("entries", []), (b or {}).get("entries", [])):
                if ea != eb:
                    first = {"redis": ea, "sql": eb}
                    break
            diffs[name] = {"me": {"redis": a.get("me"), "sql": (b or {}).get("me")}, "first_entry_diff": first}
    return {"identical": not diffs, "compared": len(redis_bodies), "diffs": diffs}


#: The rebuild's arithmetic (app/services/offsetting/leaderboards.py: _targets, month_of, score) in one SQL statement.
SKETCH_SELECT = """
    WITH c AS (
        SELECT c.user_id, c.scenario_id, c.kg, date_trunc('second', c.issued_at) AS at,
               to_char((c.issued_at AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM') AS month,
               o.organization_name AS org
        FROM certificates c JOIN orders o ON o.id = c.order_id
        WHERE c.status = 'valid'),
    t AS (
        SELECT scope || ':user:' || period AS board, 'u' || lpad(user_id::text, 10, '0') AS member, user_id, kg, at
        FROM c CROSS JOIN LATERAL (VALUES ('s' || c.scenario_id), ('all')) s(scope)
               CROSS JOIN LATERAL (VALUES ('all'), (c.month)) p(period)
        UNION ALL
        SELECT scope || ':org:' || period, 'o:' || org, NULL::int, kg, at
        FROM c CROSS JOIN LATERAL (VALUES ('s' || c.scenario_id), ('all')) s(scope)
               CROSS JOIN LATERAL (VALUES ('all'), (c.month)) p(period)
        WHERE org IS NOT NULL AND org <> '')
    SELECT board, member, max(user_id) AS user_id, sum(kg)::bigint AS kg, max(at) AS reached_at,
           (least(sum(kg), 8388607)::bigint << 30)
           + ((1::bigint << 30) - 1
              - least(greatest(extract(epoch FROM max(at) - timestamptz '2024-01-01 00:00:00+00'), 0),
                      (1::bigint << 30) - 1)::bigint) AS score
    FROM t GROUP BY board, member"""
COLUMNS = "board, member, user_id, kg, reached_at, score"


def rebuild_sketch(db_url: str, r) -> dict:
    """Diagnostic (--rebuild-sketch): the same rebuild done by PostgreSQL and a chunked Redis load, to show
    what the app's rebuild could cost. In one transaction, rolled back: DELETE + INSERT ... SELECT into
    leaderboard_entries (its indexes and foreign key included), compared row for row with what
    `flask leaderboard rebuild` wrote. Then the rows are loaded into scratch sorted sets
    (diandian:lb:~sketch:*, deleted after) with ZADD of 10,000 members per command."""
    out: dict = {}
    with pg_connect(db_url) as conn:
        cur = conn.cursor()
        cur.execute(f"CREATE TEMP TABLE lb_app AS SELECT {COLUMNS} FROM leaderboard_entries")
        t = time.perf_counter()
        cur.execute("DELETE FROM leaderboard_entries")
        cur.execute(f"INSERT INTO leaderboard_entries ({COLUMNS}) {SKETCH_SELECT}")
        out["rows"] = cur.rowcount
        out["sql_seconds"] = round(time.perf_counter() - t, 1)
        cur.execute(f"SELECT count(*) FROM (SELECT {COLUMNS} FROM leaderboard_entries EXCEPT "
                    f"SELECT {COLUMNS} FROM lb_app) x")
        extra = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM (SELECT {COLUMNS} FROM lb_app EXCEPT "
                    f"SELECT {COLUMNS} FROM leaderboard_entries) x")
        missing = cur.fetchone()[0]
        out["identical_to_app"] = extra == 0 and missing == 0
        out["rows_only_in_sketch"], out["rows_only_in_app"] = extra, missing
        conn.rollback()
        say(f"  sketch: SQL rebuild (DELETE + INSERT ... SELECT, rolled back) {out['sql_seconds']:.1f}s, "
            f"{out['rows']:,} rows, identical to the app's: {'yes' if out['identical_to_app'] else 'NO'}")
        t = time.perf_counter()
        prefix = REDIS_PREFIX + "~sketch:"
        with conn.cursor(name="sketch") as rows:  # server-side cursor: streamed, not all in memory
            rows.itersize = 20_000
            rows.execute("SELECT board, member, score FROM leaderboard_entries ORDER BY board")
            pipe = r.pipeline(transaction=False)
            board, chunk, sent = None, {}, 0
            for b, m, sc in rows:
                if (b != board or len(chunk) >= 10_000) and chunk:
                    pipe.zadd(prefix + board, chunk)
                    sent += 1
                    chunk = {}
                    if sent % 20 == 0:
                        pipe.execute()
                board = b
                chunk[m] = sc
            if chunk:
                pipe.zadd(prefix + board, chunk)
            pipe.execute()
        out["redis_seconds"] = round(time.perf_counter() - t, 1)
        n = redis_delete(r, prefix + "*")
        conn.rollback()
    say(f"  sketch: Redis load of the same rows, 10,000 members per ZADD: {out['redis_seconds']:.1f}s "
        f"({n} scratch keys deleted)")
    return out


def explain_rank(db_url: str, user_id: int) -> dict:
    """Diagnostic: what the SQL `me` rank costs in PostgreSQL, as the app writes it (count(id)) and with
    count(*) (an index-only scan can answer that), on the overall and this month's guest boards."""
    month = dt.datetime.now(CST).strftime("%Y-%m")
    member = f"u{user_id:010d}"
    out = {}
    with pg_connect(db_url) as conn:
        cur = conn.cursor()
        for board in ("all:user:all", f"all:user:{month}"):
            cur.execute("SELECT score FROM leaderboard_entries WHERE board = %s AND member = %s", (board, member))
            row = cur.fetchone()
            if row is None:
                continue
            res = {}
            for label, what in (("count(id) (the app)", "count(id)"), ("count(*)", "count(*)")):
                best = None
                plan_node = None
                for _ in range(3):
                    cur.execute(f"""EXPLAIN (ANALYZE, FORMAT JSON)
                        SELECT {what} FROM leaderboard_entries
                        WHERE board = %s AND (score > %s OR (score = %s AND member > %s))""",
                                (board, row[0], row[0], member))
                    plan = cur.fetchone()[0][0]
                    ms = plan["Execution Time"]
                    best = ms if best is None else min(best, ms)
                    node = plan["Plan"]
                    while node.get("Plans"):
                        node = node["Plans"][0]
                    plan_node = node.get("Node Type")
                res[label] = {"execution_ms": round(best, 2), "scan": plan_node}
            cur.execute("SELECT count(*) FROM leaderboard_entries WHERE board = %s", (board,))
            res["board_rows"] = cur.fetchone()[0]
            out[board] = res
        conn.rollback()
    return out


# ---------------------------------------------------------------------------------------------


def report(results: dict) -> list[str]:
    lines = []
    b = results.get("bulk_load")
    if b:
        lines.append(f"bulk load: {b['certificates']:,} certificates for {b['users_with_certificates']:,} guests "
                     f"({b['organizations']} organisations) in {b['seconds']:.1f}s: "
                     + ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in b["steps"].items())
                     + f"; database {b.get('database_size')}")
    rb = results.get("rebuild")
    if rb:
        rk = results.get("redis_keys") or {}
        lines.append(f"rebuild (`flask leaderboard rebuild`, REDIS_URL set): {rb['seconds']:.1f}s wall, "
                     f"peak RSS {rb['peak_rss_mb']} MB, CPU {rb['cpu_user_s']:.1f}s user + {rb['cpu_sys_s']:.1f}s sys; "
                     f"phases: reading + summing certificates 0-{rb['insert_phase_from_s']}s (RSS then "
                     f"{rb['rss_at_insert_mb']} MB), inserting rows to {rb['redis_phase_from_s']}s, loading Redis "
                     f"to the end; \"{rb['output']}\"; "
                     f"Redis: {rk.get('members')} members in {rk.get('keys')} sorted sets")
    if results.get("vacuum_s") is not None:
        lines.append(f"VACUUM ANALYZE leaderboard_entries after the rebuild: {results['vacuum_s']:.1f}s")
    me = results.get("me")
    if me:
        lines.append(f"mid-table guest: user {me['user_id']}, certificates {me['kg']} kg (medians {me['medians']})")
    back = results.get("backends", {})
    if back:
        lines.append(f"GET /api/v1/leaderboards, one request at a time ({results['config']['requests']} per query, "
                     "TCP connect included):")
        rate = "req/s @c" + str(results["config"]["concurrency"])
        lines.append(f"  {'query':<18} {'backend':<6} {STAT_HEADER}  {rate:>10} {'srv cpu ms':>10}  me")
        names = list(next(iter(back.values()))["queries"])
        for name in names:
            for backend in ("redis", "sql"):
                if backend not in back:
                    continue
                q = back[backend]["queries"][name]
                t = (back[backend].get("throughput") or {}).get(name)
                me_txt = back[backend]["bodies"][name].get("me") if q["me"] else ""
                rps = f"{t['rps']:.0f}" if t else "-"
                cpu = fmt_ms(t.get("server_cpu_ms_per_req") if t else None, 2)
                lines.append(f"  {name:<18} {backend:<6} {stat_cols(q)}  {rps:>10} {cpu:>10}  {me_txt or ''}")
    cmp_ = results.get("comparison")
    if cmp_:
        lines.append(f"Redis vs SQL answers ({cmp_['compared']} queries, limit 10 and 100): "
                     f"{'identical' if cmp_['identical'] else 'DIFFERENT'}"
                     + ("" if cmp_["identical"] else f": {json.dumps(cmp_['diffs'], ensure_ascii=False)[:1500]}"))
    sk = results.get("rebuild_sketch")
    if sk:
        lines.append(f"diagnostic, rebuild as SQL: DELETE + INSERT ... SELECT {sk['sql_seconds']:.1f}s for "
                     f"{sk['rows']:,} rows (identical to the app's: {'yes' if sk['identical_to_app'] else 'NO'}, "
                     f"{sk['rows_only_in_sketch']} / {sk['rows_only_in_app']} rows differ); Redis load with "
                     f"10,000-member ZADDs {sk['redis_seconds']:.1f}s")
    ex = results.get("explain")
    if ex:
        for board, res in ex.items():
            lines.append(f"diagnostic, SQL `me` rank on {board} ({res['board_rows']:,} rows): "
                         + ", ".join(f"{k} {v['execution_ms']:.1f} ms ({v['scan']})" for k, v in res.items()
                                     if k != "board_rows"))
    return lines


def verdicts(results: dict) -> list[str]:
    out = []
    for backend, aim in (("redis", AIM_REDIS_MS), ("sql", AIM_SQL_MS)):
        q = (results.get("backends", {}).get(backend) or {}).get("queries")
        if not q:
            continue
        worst50 = max(v["p50_ms"] for v in q.values())
        worst99 = max(v["p99_ms"] for v in q.values())
        slow = [k for k, v in q.items() if v["p99_ms"] >= aim]
        out.append(f"{backend}: worst p50 {worst50:.1f} ms, worst p99 {worst99:.1f} ms (aim < {aim:.0f} ms): "
                   + ("met for every query (p99)" if not slow else f"NOT met (p99) for {', '.join(slow)}"))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_keyboard_interrupt()
    started = dt.datetime.now()
    t_start = time.perf_counter()
    results: dict = {"started": started.isoformat(timespec="seconds"), "target": "leaderboard",
                     "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(), "loadavg_start": os.getloadavg()},
                     "aims_ms": {"redis": AIM_REDIS_MS, "sql": AIM_SQL_MS}}
    say(f"bench: target=leaderboard {args.certificates:,} certificates, {args.users:,} guests, "
        f"{args.orgs} organisations; Redis {args.redis_url}; gunicorn -w {args.workers}; cpus={os.cpu_count()}")
    os.environ.pop("REDIS_URL", None)  # the service sees Redis only when this bench says so
    status = 0
    r = redis_client(args.redis_url)
    try:
        r.ping()
    except Exception as exc:
        raise BenchError(f"Redis at {args.redis_url} does not answer: {exc}") from None
    existing = sum(1 for _ in r.scan_iter("diandian:*", count=1000))
    if existing:
        raise BenchError(f"{args.redis_url} already holds {existing} diandian:* keys (another run, or someone "
                         "else's data?): pick another database with --redis-url, nothing was changed")
    with contextlib.ExitStack() as stack:
        def redis_cleanup():
            try:
                n = redis_delete(r, REDIS_PREFIX + "*") + redis_delete(r, "diandian:wechatpy*")
                say(f"cleanup: deleted {n} Redis keys in {args.redis_url}")
            except Exception as exc:  # noqa: BLE001
                print(f"[bench] could not delete the Redis keys diandian:lb:* in {args.redis_url}: {exc}",
                      file=sys.stderr)

        stack.callback(redis_cleanup)
        logdir = Path(tempfile.mkdtemp(prefix="diandian-bench-lb-"))
        if not args.keep_logs:
            stack.callback(shutil.rmtree, logdir, True)
        try:
            t = time.perf_counter()
            stack.callback(say, "cleanup: scratch database dropped")  # registered first: runs after the drop
            db_url = stack.enter_context(scratch_postgres())
            benv = stack.enter_context(prepared_environment(db_url))
            say(f"scratch database {db_url.rsplit('/', 1)[-1]} migrated and seeded in {time.perf_counter() - t:.1f}s")
            env_sql = {k: v for k, v in benv.env.items() if k != "REDIS_URL"}
            env_redis = {**env_sql, "REDIS_URL": args.redis_url}

            results["bulk_load"] = bulk_load(db_url, args)

            # The mid-table guest: a real sandbox login, then certificates by SQL.
            with Gunicorn("wsgi:app", env_sql, port=benv.port, workers=1, logdir=logdir, name="login") as srv:
                _, resp = timed(srv.port, "POST", "/api/v1/auth/login", {"Content-Type": "application/json"},
                                json.dumps({"code": ME_CODE}).encode())
                expect_status(resp, 200, "sandbox login")
                login = json.loads(resp.body)
            token, user_id = login["token"], login["user"]["id"]
            results["me"] = give_me_certificates(db_url, user_id, f"Bench Org {max(1, args.orgs // 2):03d}")
            say(f"mid-table guest: user {user_id}, certificates {results['me']['kg']} kg")

            say("rebuild: `flask --app wsgi leaderboard rebuild` with REDIS_URL ...")
            results["rebuild"] = rebuild(env_redis, args.rebuild_timeout, r, logdir, db_url)
            keys, members = redis_members(r)
            results["redis_keys"] = {"keys": keys, "members": members}
            with pg_connect(db_url) as conn:
                rows = conn.execute("SELECT count(*), count(DISTINCT board) FROM leaderboard_entries").fetchone()
            results["leaderboard_rows"] = {"rows": rows[0], "boards": rows[1]}
            say(f"rebuild: {results['rebuild']['seconds']:.1f}s, peak RSS {results['rebuild']['peak_rss_mb']} MB, "
                f"\"{results['rebuild']['output']}\"; Redis {members:,} members in {keys} sorted sets; "
                f"SQL {rows[0]:,} rows on {rows[1]} boards")
            if members != rows[0]:
                raise CheckFailed(f"Redis holds {members} members but leaderboard_entries {rows[0]} rows")
            if not args.no_vacuum:
                t = time.perf_counter()
                with pg_connect(db_url) as conn:
                    conn.autocommit = True
                    conn.execute("VACUUM (ANALYZE) leaderboard_entries")
                results["vacuum_s"] = round(time.perf_counter() - t, 1)
                say(f"VACUUM ANALYZE leaderboard_entries: {results['vacuum_s']:.1f}s")

            results["backends"] = {}
            for backend, env in (("redis", env_redis), ("sql", env_sql)):
                with Gunicorn("wsgi:app", env, port=benv.port, workers=args.workers, logdir=logdir,
                              name=f"lb-{backend}") as srv:
                    say(f"{backend}: gunicorn -w {args.workers} on {HOST}:{srv.port}"
                        f"{' with REDIS_URL' if backend == 'redis' else ' without REDIS_URL'}")
                    results.setdefault("servers", {})[backend] = srv.settings
                    results["backends"][backend] = measure_backend(backend, srv, token, args)
                    tail = srv.log_tail(20)
                    if "Traceback" in tail or "ERROR" in tail:
                        print(f"--- last lines of the {backend} server log ---\n{tail}", file=sys.stderr)
            results["comparison"] = compare(results["backends"]["redis"]["bodies"],
                                            results["backends"]["sql"]["bodies"])
            with contextlib.suppress(Exception):
                results["explain"] = explain_rank(db_url, user_id)
            if args.rebuild_sketch:  # last: its rolled-back DELETE + INSERT leaves dead rows behind
                say("rebuild sketch (diagnostic) ...")
                results["rebuild_sketch"] = rebuild_sketch(db_url, r)
        except CheckFailed as exc:
            print(f"CHECK FAILED: {exc}", file=sys.stderr)
            results["error"] = str(exc)
            status = 2
        except KeyboardInterrupt:
            print("interrupted: cleaning up", file=sys.stderr)
            results["interrupted"] = True
            status = 130
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            results["error"] = str(exc)
            status = 1
        say("cleanup ...")
    results["seconds"] = round(time.perf_counter() - t_start, 1)
    print()
    for line in report(results):
        print(line)
    v = verdicts(results)
    for line in v:
        print("aim: " + line)
    results["verdicts"] = v
    if results.get("comparison") and not results["comparison"]["identical"]:
        status = status or 4
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    results["machine"]["loadavg_end"] = os.getloadavg()
    print(f"machine load average (1, 5, 15 min): {results['machine']['loadavg_start'][0]:.2f} at the start, "
          f"{' '.join(f'{x:.2f}' for x in results['machine']['loadavg_end'])} at the end (other work on the box "
          "skews the figures)")
    for backend in results.get("backends", {}).values():
        backend["bodies"] = {k: v for k, v in backend["bodies"].items() if "limit=100" not in k}
    out = save_results(results, "leaderboard", started, args.output)
    print(f"total {results['seconds']:.0f}s; results: {out}")
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
