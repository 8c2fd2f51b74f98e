"""Guests' latency while one client floods staff sign-in (scrypt): the heavy-work cap at work.

    python -m bench.run --target flood [--seconds 8] [--flooders 4]

gunicorn with 2 sync workers on a scratch SQLite database, production password hashing (werkzeug's
scrypt, ~0.1 s a hash). A guest asks for the scenario, its projects and a place search one after the
other (with a short pause, as a phone would) and we take the p50 of those requests:
1. quiet: nobody else;
2. flood, defaults: `--flooders` threads post wrong passwords from one address, `--rate` a second in all;
3. botnet, heavy-work cap only: the same flood from a new address and a new email every time (so no rate
   limit or sign-in delay applies), HEAVY_SLOTS at its default;
4. botnet, no cap (HEAVY_SLOTS=0): what the service did before the cap.
Addresses come through X-Forwarded-For (PROXY_HOPS=1), the guests' from a venue address of their own.
The aim: the guests' p50 under a flood within 2x of the quiet figure.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
from collections import Counter

from bench.latency import timed
from bench.server import Gunicorn, prepared_environment

GUEST_PATHS = ("/api/v1/scenarios/CDF2021", "/api/v1/projects?scenario=CDF2021", "/api/v1/places?q=chengdu")
VENUE = "10.1.0.1"
AIM_RATIO = 2.0


def guest_p50(port: int, seconds: float) -> tuple[float, int]:
    """p50 (ms) of the guest's requests over `seconds`, and how many were answered 200."""
    end, times, ok = time.monotonic() + seconds, [], 0
    i = 0
    while time.monotonic() < end:
        elapsed, resp = timed(port, "GET", GUEST_PATHS[i % len(GUEST_PATHS)], headers={"X-Forwarded-For": VENUE})
        times.append(elapsed * 1000)
        ok += resp.status == 200
        i += 1
        time.sleep(0.02)
    return statistics.median(times), ok


def flood(port: int, stop: threading.Event, statuses: Counter, *, botnet: bool, interval: float) -> None:
    while not stop.wait(interval):
        n = random.randrange(1 << 30)
        address = f"198.18.{n % 250}.{n // 250 % 250}" if botnet else "203.0.113.66"
        email = f"bot{n}@example.test" if botnet else "admin@demo.diandian.test"
        body = json.dumps({"email": email, "password": "not the password"}).encode()
        try:
            _, resp = timed(port, "POST", "/api/v1/staff/sign-in", body=body, timeout=30,
                            headers={"Content-Type": "application/json", "X-Forwarded-For": address})
            statuses[resp.status] += 1
        except OSError:
            statuses["error"] += 1


def phase(benv, name: str, env: dict, seconds: float, flooders: int, rate: float, *, botnet: bool | None) -> dict:
    with Gunicorn("wsgi:app", {**benv.env, **env}, port=benv.port, workers=2, name=f"flood-{name}",
                  logdir=benv.workdir) as server:
        guest_p50(server.port, 1.0)  # warm both workers
        stop, statuses = threading.Event(), Counter()
        threads = []
        if botnet is not None:
            threads = [threading.Thread(target=flood, args=(server.port, stop, statuses), daemon=True,
                                        kwargs={"botnet": botnet, "interval": flooders / rate})
                       for _ in range(flooders)]
            for t in threads:
                t.start()
            time.sleep(0.5)
        try:
            p50, ok = guest_p50(server.port, seconds)
        finally:
            stop.set()
            for t in threads:
                t.join(35)
    return {"phase": name, "guest_p50_ms": round(p50, 2), "guest_ok": ok,
            "flood": {str(k): v for k, v in sorted(statuses.items(), key=str)}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run --target flood", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=8.0, help="guest measuring time per phase (default 8)")
    p.add_argument("--flooders", type=int, default=4, help="flooding threads (default 4)")
    p.add_argument("--rate", type=float, default=20.0,
                   help="sign-in attempts a second from the flood, all threads together (default 20; the attack "
                        "measured before the cap was 5 a second)")
    args = p.parse_args(argv)
    base = {"PROXY_HOPS": "1"}
    with prepared_environment(extra_env=base) as benv:
        results = [
            phase(benv, "quiet", {}, args.seconds, args.flooders, args.rate, botnet=None),
            phase(benv, "flood, defaults", {}, args.seconds, args.flooders, args.rate, botnet=False),
            phase(benv, "botnet, heavy-work cap", {}, args.seconds, args.flooders, args.rate, botnet=True),
            phase(benv, "botnet, no cap", {"HEAVY_SLOTS": "0"}, args.seconds, args.flooders, args.rate, botnet=True),
        ]
    quiet = results[0]["guest_p50_ms"]
    failed = False
    print(f"{'phase':<26} {'guest p50':>10} {'x quiet':>8}  guest 200s  sign-in answers")
    for r in results:
        ratio = r["guest_p50_ms"] / quiet
        capped = r["phase"] != "botnet, no cap"
        failed |= capped and ratio > AIM_RATIO
        print(f"{r['phase']:<26} {r['guest_p50_ms']:>8.1f}ms {ratio:>7.2f}x  {r['guest_ok']:>10}  {r['flood']}")
    print(f"aim: guests' p50 within {AIM_RATIO:g}x of quiet under a flood (the capped phases): "
          + ("MISSED" if failed else "met"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
