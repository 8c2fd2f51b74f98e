"""A scenario's running totals, counted from its guest board (before) and summed from its counter rows
(now), side by side on PostgreSQL as the participants grow:

    .venv/bin/python -m bench.totals [--participants 1000 10000 60000] [--repeat 60]

For each size: a scratch PostgreSQL database, migrated and seeded like every bench (bench.server), gets
that many participants of one scenario on the leaderboard (4 board rows each, as fulfilment writes them,
plus the scenario's counter rows as fulfilment keeps them, ANALYZEd); then the statement the resolve
sends for a scenario and its totals is timed both ways, alternating, one connection, `--repeat` times
each: medians of the round trip, and the server's own execution time from EXPLAIN ANALYZE.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import sqlalchemy as sa

from bench.server import ROOT, prepared_environment, scratch_postgres


def _statements(scenario_id: int):
    """(before, now): the scenario row with its participants and kilograms, the two ways."""
    from app.models import LeaderboardEntry, Scenario, ScenarioTotal

    board = f"s{scenario_id}:user:all"
    before = sa.select(
        Scenario.id, Scenario.code, Scenario.status,
        sa.select(sa.func.count()).select_from(LeaderboardEntry).where(LeaderboardEntry.board == board)
        .scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(LeaderboardEntry.kg), 0)).where(LeaderboardEntry.board == board)
        .scalar_subquery(),
    ).where(Scenario.id == scenario_id)
    now = sa.select(
        Scenario.id, Scenario.code, Scenario.status,
        sa.select(sa.func.coalesce(sa.func.sum(ScenarioTotal.participants), 0))
        .where(ScenarioTotal.scenario_id == scenario_id).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(ScenarioTotal.kg), 0))
        .where(ScenarioTotal.scenario_id == scenario_id).scalar_subquery(),
    ).where(Scenario.id == scenario_id)
    return before, now


def _load(conn, scenario_id: int, n: int) -> None:
    """n participants of the scenario: their four board rows and the scenario's eight counter rows."""
    conn.execute(sa.text("""
        INSERT INTO leaderboard_entries (board, member, user_id, kg, reached_at, score)
        SELECT b.board, 'u' || lpad(CAST(g AS TEXT), 10, '0'), NULL, 100 + g % 900, now(),
               CAST(100 + g % 900 AS BIGINT) * 1073741824
          FROM generate_series(1, :n) AS g
          CROSS JOIN (VALUES (:s || ':user:all'), (:s || ':user:2026-12'), ('all:user:all'), ('all:user:2026-12'))
               AS b(board)"""), {"n": n, "s": f"s{scenario_id}"})
    conn.execute(sa.text("""
        INSERT INTO scenario_totals (scenario_id, shard, participants, kg)
        SELECT :sid, g % 8, COUNT(*), SUM(100 + g % 900) FROM generate_series(1, :n) AS g GROUP BY g % 8
        ON CONFLICT (scenario_id, shard) DO UPDATE SET participants = EXCLUDED.participants, kg = EXCLUDED.kg"""),
        {"sid": scenario_id, "n": n})
    conn.execute(sa.text("ANALYZE leaderboard_entries"))
    conn.execute(sa.text("ANALYZE scenario_totals"))


def _time(conn, stmt, repeat: int) -> tuple[list[float], float, tuple]:
    """Round-trip times (ms) of `repeat` executions, the server's execution time (ms), the answer."""
    compiled = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    times, answer = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        answer = tuple(conn.execute(sa.text(compiled)).one())
        times.append((time.perf_counter() - t) * 1000)
    plan = conn.execute(sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + compiled)).scalar_one()
    return times, float(plan[0]["Execution Time"]), answer


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.totals", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--participants", type=int, nargs="+", default=[1_000, 10_000, 60_000])
    p.add_argument("--repeat", type=int, default=60)
    args = p.parse_args(argv)
    if any(not 1 <= n <= 1_000_000 for n in args.participants) or not 1 <= args.repeat <= 10_000:
        p.error("--participants in 1..1000000, --repeat in 1..10000")
    sys.path.insert(0, str(ROOT))
    print(f"{'participants':>12} {'before: board ms':>17} {'server ms':>10} {'now: counters ms':>17} "
          f"{'server ms':>10} {'ratio':>6}  answers")
    for n in args.participants:
        with scratch_postgres() as url, prepared_environment(url):
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            try:
                with engine.begin() as conn:
                    scenario_id = conn.execute(sa.text("SELECT id FROM scenarios WHERE code = 'CDF2021'")).scalar_one()
                    _load(conn, scenario_id, n)
                before, now = _statements(scenario_id)
                with engine.connect() as conn:
                    b_times, n_times = [], []
                    for _ in range(3):  # alternate: both see the same machine
                        bt, b_server, b_answer = _time(conn, before, args.repeat // 3 or 1)
                        nt, n_server, n_answer = _time(conn, now, args.repeat // 3 or 1)
                        b_times += bt
                        n_times += nt
            finally:
                engine.dispose()
        b, m = statistics.median(b_times), statistics.median(n_times)
        same = "same" if b_answer == n_answer else f"DIFFER {b_answer} vs {n_answer}"
        print(f"{n:>12,} {b:>17.2f} {b_server:>10.2f} {m:>17.2f} {n_server:>10.2f} {b / m:>6.1f}  {same}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
