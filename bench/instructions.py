"""Instructions per door-rush journey, counted by valgrind: a CPU figure this shared machine cannot blur.

    .venv/bin/python -m bench.instructions [--low 5] [--high 25] [CHECKOUT ...]

Times on this 2-core machine move by 10% between runs of the same code and by up to 2x between days, so a
change worth a few per cent of a journey's CPU does not show in `make bench-rush` or in
`bench.profile_journey`'s CPU times. Instructions do: `valgrind --tool=callgrind` counts the instructions a
process runs, the same count for the same code and inputs whatever else the machine is doing. This runs
`bench.profile_journey` (the journey through the Flask test client: the service and the in-process
simulators, one process; PostgreSQL's own work is not in it) under callgrind twice per checkout, with
`--low` and `--high` plain journeys, and divides the difference by `--high - --low`: start-up, migration,
seeding and warm-up are the same in both runs and cancel out. Each CHECKOUT is a directory with this
project (a `git worktree`, say, with its own or a linked .venv); the default is this one. The runs go two at
a time (two cores) and the table compares every checkout with the first.

Every run uses a scratch PostgreSQL database of its own (`--db-url scratch`, as profile_journey, dropped at
the end) or `--db-url sqlite`. Each run takes about a minute and a half under valgrind at the defaults.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.server import ROOT

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def count(checkout: Path, journeys: int, db_url: str, out: Path) -> int:
    """Instructions callgrind counted in one profile_journey run of `journeys` plain journeys."""
    python = checkout / ".venv" / "bin" / "python"
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
           str(python if python.exists() else sys.executable), "-m", "bench.profile_journey", "--db-url", db_url,
           "--plain", str(journeys), "--journeys", "1", "--warmup", "3", "--top", "0"]
    run = subprocess.run(cmd, cwd=checkout, capture_output=True, text=True, check=False)
    found = _COLLECTED.search(run.stderr)
    if run.returncode != 0 or not found:
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-15:])
        raise RuntimeError(f"{checkout}: profile_journey under valgrind failed (exit {run.returncode}):\n{tail}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkouts", nargs="*", type=Path, help="project directories to compare (default: this one)")
    p.add_argument("--low", type=int, default=5, help="plain journeys in the first run (default 5)")
    p.add_argument("--high", type=int, default=25, help="plain journeys in the second run (default 25)")
    p.add_argument("--db-url", default="scratch", help="'scratch' (PostgreSQL, default) or 'sqlite'")
    args = p.parse_args(argv)
    if not 0 < args.low < args.high <= 2000:
        p.error("need 0 < --low < --high <= 2000")
    if shutil.which("valgrind") is None:
        p.error("valgrind is not installed (Debian's valgrind package)")
    checkouts = [c.resolve() for c in args.checkouts] or [ROOT]
    with tempfile.TemporaryDirectory(prefix="diandian-callgrind-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = {(c, n): pool.submit(count, c, n, args.db_url, Path(tmp) / f"{i}-{n}.out")
                for i, c in enumerate(checkouts) for n in (args.low, args.high)}
        per_journey = {c: (runs[c, args.high].result() - runs[c, args.low].result()) / (args.high - args.low)
                       for c in checkouts}
    first = per_journey[checkouts[0]]
    print(f"instructions per journey (callgrind, profile_journey --db-url {args.db_url}, "
          f"{args.high} minus {args.low} journeys; service and in-process simulators, PostgreSQL not in it)")
    for c in checkouts:
        print(f"  {str(c):<40} {per_journey[c] / 1e6:9.2f} M  {(per_journey[c] / first - 1) * 100:+6.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
