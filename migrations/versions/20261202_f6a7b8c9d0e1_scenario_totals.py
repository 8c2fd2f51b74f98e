"""scenario totals on counter rows: participants and kilograms without counting the board

scenario_totals: (scenario_id, shard) -> participants, kg; the sum of a scenario's rows is its totals,
written by fulfilment and revocation beside the guest board (services/offsetting/leaderboards.py).
Filled from the boards as they stand (shard 0). No foreign key: fulfilment must not lock the scenario's row.

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "f6a7b8c9d0e1"
down_revision = "e5f6a7b8c9d0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scenario_totals",
        sa.Column("scenario_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("kg", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scenario_id", "shard", name=op.f("pk_scenario_totals")),
    )
    op.execute(
        "INSERT INTO scenario_totals (scenario_id, shard, participants, kg) "
        "SELECT s.id, 0, COUNT(e.id), SUM(e.kg) FROM scenarios s "
        "JOIN leaderboard_entries e ON e.board = 's' || CAST(s.id AS VARCHAR) || ':user:all' GROUP BY s.id")


def downgrade():
    op.drop_table("scenario_totals")
