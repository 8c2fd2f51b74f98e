"""The claim, certificate and ledger invariants, checked directly in the database after a door rush.

    python -m bench.invariants postgresql://postgres@127.0.0.1/diandian_bench   # or sqlite:////path.db

Plain SQL through SQLAlchemy (the URL is normalised as the app does: `postgres://` is accepted), read
only. Each check is a query that returns the offending rows (at most a few, as examples) and a count;
PASS when there are none. Run it on a quiet database (the bench stops the servers first).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass
class Check:
    name: str
    passed: bool
    failures: int
    examples: list = field(default_factory=list)
    detail: str = ""

    def line(self) -> str:
        text = f"  {'PASS' if self.passed else 'FAIL'}  {self.name}"
        if self.detail:
            text += f" ({self.detail})"
        if not self.passed:
            text += f": {self.failures} offending row(s), e.g. {self.examples[:3]}"
        return text

    def as_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "failures": self.failures,
                "examples": [list(map(str, e)) for e in self.examples[:5]], "detail": self.detail}


# (name, query returning the offending rows). Each query's rows are failures.
CHECKS: list[tuple[str, str]] = [
    ("no credit unit claimed past 1000 kg (nor below 0)",
     "SELECT id, serial, claimed_kg FROM credit_units WHERE claimed_kg > 1000 OR claimed_kg < 0"),
    ("every unit's claimed_kg = sum of its unreleased credit_claims.kg",
     """SELECT u.id, u.serial, u.claimed_kg, COALESCE(c.kg, 0)
          FROM credit_units u
          LEFT JOIN (SELECT unit_id, SUM(kg) AS kg FROM credit_claims WHERE released_at IS NULL
                     GROUP BY unit_id) c ON c.unit_id = u.id
         WHERE u.claimed_kg <> COALESCE(c.kg, 0)"""),
    ("every fulfilled order has a certificate whose unreleased claims sum to the order's kg",
     """SELECT o.id, o.kg, cert.serial, COALESCE(c.kg, 0)
          FROM orders o
          LEFT JOIN certificates cert ON cert.order_id = o.id
          LEFT JOIN (SELECT certificate_id, SUM(kg) AS kg FROM credit_claims WHERE released_at IS NULL
                     GROUP BY certificate_id) c ON c.certificate_id = cert.id
         WHERE o.status = 'fulfilled' AND (cert.id IS NULL OR COALESCE(c.kg, 0) <> o.kg)"""),
    ("no order left paid but not fulfilled (status 'paid')",
     "SELECT id, kg, transaction_id, paid_at FROM orders WHERE status = 'paid'"),
    ("no order in review (the sandbox always pays the exact amount)",
     "SELECT id, kg, review_reason FROM orders WHERE status = 'review'"),
    ("no order refunded (nobody asks for one: a refund here is a paid order that could not be fulfilled)",
     "SELECT id, kg, review_reason FROM orders WHERE status = 'refunded'"),
    ("every project's stock rows: claimed = its units' claimed kg, credited = imported, held = live holds",
     """SELECT p.code, s.claimed, COALESCE(u.kg, 0), s.credited, p.credited_kg, s.held, COALESCE(h.kg, 0)
          FROM projects p
          JOIN (SELECT project_id, SUM(claimed_kg) AS claimed, SUM(credited_kg) AS credited,
                       SUM(held_kg) AS held FROM stock_shards GROUP BY project_id) s ON s.project_id = p.id
          LEFT JOIN (SELECT project_id, SUM(claimed_kg) AS kg FROM credit_units GROUP BY project_id) u
                 ON u.project_id = p.id
          LEFT JOIN (SELECT project_id, SUM(kg) AS kg FROM orders WHERE status = 'pending'
                     AND stock_shard IS NOT NULL GROUP BY project_id) h ON h.project_id = p.id
         WHERE s.claimed <> COALESCE(u.kg, 0) OR s.credited <> p.credited_kg OR s.held <> COALESCE(h.kg, 0)"""),
    ("no stock row holds and claims more than it was credited",
     """SELECT project_id, shard, credited_kg, held_kg, claimed_kg FROM stock_shards
         WHERE held_kg < 0 OR claimed_kg < 0 OR held_kg + claimed_kg > credited_kg"""),
    ("one leaderboard row per guest and scenario board (participants counted once)",
     """SELECT board, member, COUNT(*) FROM leaderboard_entries GROUP BY board, member HAVING COUNT(*) > 1"""),
    ("every scenario's totals (its counter rows) = its guest board: one participant per row, their kg",
     """SELECT s.id, COALESCE(t.participants, 0), COALESCE(b.n, 0), COALESCE(t.kg, 0), COALESCE(b.kg, 0)
          FROM scenarios s
          LEFT JOIN (SELECT scenario_id, SUM(participants) AS participants, SUM(kg) AS kg FROM scenario_totals
                     GROUP BY scenario_id) t ON t.scenario_id = s.id
          LEFT JOIN (SELECT board, COUNT(*) AS n, SUM(kg) AS kg FROM leaderboard_entries
                     WHERE board LIKE 's%:user:all' GROUP BY board) b
                 ON b.board = 's' || CAST(s.id AS VARCHAR) || ':user:all'
         WHERE COALESCE(t.participants, 0) <> COALESCE(b.n, 0) OR COALESCE(t.kg, 0) <> COALESCE(b.kg, 0)"""),
    ("every fulfilled order has exactly 3 'sale' ledger entries summing to its amount_fen",
     """SELECT o.id, o.amount_fen, COALESCE(l.n, 0), l.total
          FROM orders o
          LEFT JOIN (SELECT order_id, COUNT(*) AS n, SUM(amount_fen) AS total FROM ledger_entries
                     WHERE kind = 'sale' GROUP BY order_id) l ON l.order_id = o.id
         WHERE o.status = 'fulfilled' AND (COALESCE(l.n, 0) <> 3 OR l.total <> o.amount_fen)"""),
    ("no order has more than one certificate",
     "SELECT order_id, COUNT(*) FROM certificates GROUP BY order_id HAVING COUNT(*) > 1"),
]


def _engine(url: str) -> sa.Engine:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def check_invariants(url: str) -> tuple[list[Check], dict]:
    """Run every check; returns (checks, facts) where facts are counts for the report."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            checks = []
            for name, query in CHECKS:
                rows = conn.execute(sa.text(query)).fetchall()
                checks.append(Check(name, not rows, len(rows), [tuple(r) for r in rows[:5]]))
            facts = {
                "orders": dict(conn.execute(sa.text(
                    "SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status")).fetchall()),
                "certificates": conn.execute(sa.text("SELECT COUNT(*) FROM certificates")).scalar_one(),
                "claims": conn.execute(sa.text(
                    "SELECT COUNT(*) FROM credit_claims WHERE released_at IS NULL")).scalar_one(),
                "units_touched": conn.execute(sa.text(
                    "SELECT COUNT(*) FROM credit_units WHERE claimed_kg > 0")).scalar_one(),
                "units_full": conn.execute(sa.text(
                    "SELECT COUNT(*) FROM credit_units WHERE claimed_kg = 1000")).scalar_one(),
                "claimed_kg": int(conn.execute(sa.text(
                    "SELECT COALESCE(SUM(claimed_kg), 0) FROM credit_units")).scalar_one()),
                "ledger_sale_fen": int(conn.execute(sa.text(
                    "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entries WHERE kind = 'sale'")).scalar_one()),
            }
        counts = {c.name: c for c in checks}
        counts[CHECKS[0][0]].detail = f"{facts['units_touched']} units claimed from, {facts['units_full']} full"
        counts[CHECKS[2][0]].detail = f"{facts['orders'].get('fulfilled', 0)} fulfilled orders"
        counts[CHECKS[-1][0]].detail = f"{facts['certificates']} certificates"
        return checks, facts
    finally:
        engine.dispose()


def report(checks: list[Check], facts: dict) -> list[str]:
    lines = [c.line() for c in checks]
    orders = ", ".join(f"{k} {v}" for k, v in facts["orders"].items()) or "none"
    lines.append(f"  orders: {orders}; certificates {facts['certificates']}, claims {facts['claims']}, "
                 f"{facts['claimed_kg']} kg claimed, sales {facts['ledger_sale_fen']} fen in the ledger")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 64
    checks, facts = check_invariants(args[0])
    print("\n".join(report(checks, facts)))
    return 0 if all(c.passed for c in checks) else 4


if __name__ == "__main__":
    sys.exit(main())
