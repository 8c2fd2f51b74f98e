"""Where the time of one footprint request goes, without gunicorn: cProfile around the Flask test client.

    .venv/bin/python -m bench.profile_footprint [--requests 500] [--top 30] [--sort cumulative]

Prepares a fresh migrated + seeded database exactly like `bench.run` (temp SQLite, or
$BENCH_DATABASE_URL), logs one sandbox guest in, sends `--requests` footprint requests (after a few
unprofiled warm-up ones) through `app.test_client()` in this process, and prints the cProfile table
plus the mean wall time per request. The WSGI layer of gunicorn and the TCP connection are not in
this picture (compare with `bench.run`'s server CPU per request for those).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import sys
import time

from bench.scenarios import FOOTPRINT_BYTES, FOOTPRINT_ENV
from bench.server import ROOT, prepared_environment


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_footprint", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime, ...)")
    p.add_argument("--anonymous", action="store_true", help="no Authorization header")
    p.add_argument("--dump", default=None, help="also write the raw profile to this file (for snakeviz etc.)")
    args = p.parse_args(argv)
    if not 1 <= args.requests <= 100_000:
        p.error("--requests must be in 1..100000")

    with prepared_environment(os.environ.get("BENCH_DATABASE_URL") or None) as benv:
        os.environ.update(benv.env)
        os.environ.update(FOOTPRINT_ENV)  # as bench.run's footprint target: counted, never refused
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        import wsgi  # noqa: E402  (after the environment is set)

        # Keep the per-request access-log line (it is part of the cost) but send it nowhere.
        devnull = open(os.devnull, "w")
        for handler in logging.getLogger("diandian").handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        client = wsgi.app.test_client()
        headers = {"Content-Type": "application/json"}
        if not args.anonymous:
            r = client.post("/api/v1/auth/login", json={"code": "sandbox-bench-profile"})
            if r.status_code != 200:
                print(f"login failed: {r.status_code} {r.get_data(as_text=True)[:300]}", file=sys.stderr)
                return 1
            headers["Authorization"] = f"Bearer {r.get_json()['token']}"

        def one():
            resp = client.post("/api/v1/footprints", data=FOOTPRINT_BYTES, headers=headers)
            if resp.status_code != 201:
                raise SystemExit(f"footprint answered {resp.status_code}: {resp.get_data(as_text=True)[:500]}")

        for _ in range(args.warmup):
            one()
        t0 = time.perf_counter()
        for _ in range(min(args.requests, 200)):
            one()
        plain = (time.perf_counter() - t0) / min(args.requests, 200)

        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for _ in range(args.requests):
            one()
        prof.disable()
        profiled = (time.perf_counter() - t0) / args.requests

        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        if args.dump:
            prof.dump_stats(args.dump)
        print(f"footprint via test client ({benv.db_kind}): {plain * 1000:.2f} ms per request unprofiled, "
              f"{profiled * 1000:.2f} ms under cProfile ({args.requests} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
