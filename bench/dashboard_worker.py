"""One checkout's side of `bench/dashboard.py`: the dashboard request through the Flask test client, on demand.

    python bench/dashboard_worker.py <checkout root> <scenario code>     (started by bench/dashboard.py)

Run by path with the checkout's root first on sys.path, so `app` is that checkout's code (the current one, or
an old worktree): this file imports nothing from `bench` and only the public parts of `app` that every version
since the dashboard has (create_app, the X-SQL-Stats header of app/sql_stats.py, the staff sign-in).

The environment (DATABASE_URL, SQL_STATS=1, ...) comes from the parent. The worker signs the demo organiser in,
checks one dashboard answer, prints `ready <json>` and then serves commands, one per line on stdin:

    run <n> [<bucket>]   n dashboard requests (bucket: hour, day or auto); answers one JSON line:
                         {"seconds": [...], "statements": [...], "slowest": {...}, "digest": {...}}
    quit
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time

ORGANISER = {"email": "organizer@demo.diandian.test", "password": "diandian-demo"}  # seed-demo, sandbox only


def main() -> int:
    root, code = sys.argv[1], sys.argv[2]
    sys.path.insert(0, root)
    os.chdir(root)
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app()
    devnull = open(os.devnull, "w")
    for handler in logging.getLogger("diandian").handlers:  # the access-log line is still formatted
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    # Time of each statement (cursor execute to the next statement or the end), by its first words.
    timings: list[tuple[str, float]] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        t0 = conn.info.pop("bench_t0", None)
        if t0 is not None:
            timings.append((_label(statement), time.perf_counter() - t0))

    client = app.test_client()
    rv = client.post("/api/v1/staff/sign-in", json=ORGANISER)
    if rv.status_code != 200:
        print(f"error sign-in answered {rv.status_code}: {rv.get_data(as_text=True)[:300]}", flush=True)
        return 1
    headers = {"Authorization": f"Bearer {rv.get_json()['token']}"}
    url = f"/api/v1/staff/scenarios/{code}/dashboard"

    def one(bucket: str) -> tuple[float, int | None, dict]:
        query = {} if bucket == "auto" else {"bucket": bucket}
        t0 = time.perf_counter()
        resp = client.get(url, query_string=query, headers=headers)
        body = resp.get_data()
        seconds = time.perf_counter() - t0
        if resp.status_code != 200:
            raise SystemExit(f"error dashboard answered {resp.status_code}: {body[:500]!r}")
        stats = resp.headers.get("X-SQL-Stats", "")  # service=<statements>/<commits>; sandbox=...
        statements = int(stats.split("service=", 1)[1].split("/", 1)[0]) if "service=" in stats else None
        return seconds, statements, json.loads(body)

    _, _, body = one("auto")
    print("ready " + json.dumps({"digest": digest(body), "python": sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] != "run":
            print(f"error unknown command {line.strip()!r}", flush=True)
            continue
        n, bucket = int(words[1]), (words[2] if len(words) > 2 else "auto")
        seconds, statements, slowest = [], [], {}
        for _ in range(n):
            timings.clear()
            s, count, body = one(bucket)
            seconds.append(s)
            statements.append(count)
            for label, t in timings:
                slowest.setdefault(label, []).append(t)
        print(json.dumps({"seconds": seconds, "statements": statements, "slowest": slowest,
                          "digest": digest(body)}), flush=True)
    return 0


def _label(statement: str) -> str:
    """A statement's identity across requests: its first words and a short hash of the whole text."""
    text = " ".join(statement.split())
    return f"{text[:70]} #{hashlib.sha1(text.encode()).hexdigest()[:6]}"


def digest(body: dict) -> dict:
    """What the answer says, without the moving parts (generated_at, the current hour's point)."""
    return {"totals": body["totals"], "funnel": body["funnel"], "bucket": body["bucket"],
            "points": len(body["series"]), "last_point": body["series"][-1] if body["series"] else None,
            "doors": [{k: d.get(k) for k in ("tag", "scans", "guests", "computed", "ordered", "paid_guests", "kg")}
                      for d in body["doors"]],
            "leaderboard": [(e.get("rank"), e.get("kg")) for e in body["leaderboard"]]}


if __name__ == "__main__":
    sys.exit(main())
