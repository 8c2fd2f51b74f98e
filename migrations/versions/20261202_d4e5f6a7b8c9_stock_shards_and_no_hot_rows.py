"""stock shards: a project's stock on a few counter rows; scenario totals read from the guest board

stock_shards: each project's kilograms split over 8 rows (services/offsetting/stock.py), each with its
credited, held and claimed kilograms and a CHECK that held + claimed never exceed credited. An order
holds on one row (orders.stock_shard), so fulfilments of one project no longer queue on the project's
row; projects.claimed_kg (written by every fulfilment) is gone, read from the rows instead. The existing
books move to shard 0 (what is claimed and held today, plus an eighth of the free kilograms); shards
1-7 share the rest of the free kilograms.

scenarios.participants and neutralized_kg (written by every fulfilment under the scenario's row lock,
which deadlocked against certificate inserts) are gone: they are read from the scenario's all-time guest
board, one row per participant.

orders.lang: the guest's language when ordering, in which the certificate's pictures are drawn after
payment (app.tasks).

ix_credit_units_open replaces ix_credit_units_allocation: only units with room left, so a claim never
scans the units sold before it. ix_orders_holds: live holds by project and expiry.

Revision ID: d4e5f6a7b8c9
Revises: c3d1f0a7b9e2
Create Date: 2026-12-02 02:10:00.000000

"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c3d1f0a7b9e2'
branch_labels = None
depends_on = None

SHARDS = 8
HOLD_GRACE = timedelta(minutes=10)


def _without_foreign_keys_on_sqlite():
    """Batch mode rebuilds projects on SQLite (a CHECK names the dropped column): DROP TABLE projects is
    refused while PRAGMA foreign_keys=ON and anything points at a project. The pragma is per connection
    and only takes effect outside a transaction, which is where Alembic runs a SQLite migration's DDL."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    return bind


def upgrade():
    bind = _without_foreign_keys_on_sqlite()
    op.create_table('stock_shards',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('shard', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('credited_kg', sa.BigInteger(), nullable=False),
        sa.Column('held_kg', sa.BigInteger(), nullable=False),
        sa.Column('claimed_kg', sa.BigInteger(), nullable=False),
        sa.CheckConstraint('held_kg >= 0 AND claimed_kg >= 0 AND held_kg + claimed_kg <= credited_kg',
                           name=op.f('ck_stock_shards_within_credited')),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_stock_shards_project_id_projects')),
        sa.PrimaryKeyConstraint('project_id', 'shard', name=op.f('pk_stock_shards'))
    )
    with op.batch_alter_table('orders', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('stock_shard', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('lang', sa.String(length=8), nullable=True))

    # The books as they stand: live holds (pending, not past expiry and grace) move to shard 0.
    live_after = datetime.now(timezone.utc) - HOLD_GRACE
    projects = bind.execute(sa.text("SELECT id, credited_kg, claimed_kg FROM projects")).all()
    for project_id, credited, claimed in projects:
        held = bind.execute(sa.text(
            "SELECT COALESCE(SUM(kg), 0) FROM orders WHERE project_id = :p AND status = 'pending' "
            "AND expires_at > :t"), {"p": project_id, "t": live_after}).scalar_one()
        free = max(0, credited - claimed - held)
        share, rest = divmod(free, SHARDS)
        rows = [{"p": project_id, "s": 0, "c": claimed + held + share + rest, "h": held, "k": claimed}]
        rows += [{"p": project_id, "s": s, "c": share, "h": 0, "k": 0} for s in range(1, SHARDS)]
        bind.execute(sa.text("INSERT INTO stock_shards (project_id, shard, credited_kg, held_kg, claimed_kg) "
                             "VALUES (:p, :s, :c, :h, :k)"), rows)
        bind.execute(sa.text(
            "UPDATE orders SET stock_shard = 0 WHERE project_id = :p AND ((status = 'pending' AND expires_at > :t)"
            " OR status = 'fulfilled')"), {"p": project_id, "t": live_after})

    with op.batch_alter_table('orders', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_orders_holds', ['project_id', 'expires_at'], unique=False,
                              postgresql_where=sa.text("stock_shard IS NOT NULL AND status = 'pending'"),
                              sqlite_where=sa.text("stock_shard IS NOT NULL AND status = 'pending'"))
    with op.batch_alter_table('credit_units', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_credit_units_allocation')
        batch_op.create_index('ix_credit_units_open', ['project_id', 'vintage', 'serial'], unique=False,
                              postgresql_where=sa.text('claimed_kg < 1000'), sqlite_where=sa.text('claimed_kg < 1000'))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint('claimed_within_credited', type_='check')
        batch_op.drop_column('claimed_kg')
    with op.batch_alter_table('scenarios', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('neutralized_kg')
        batch_op.drop_column('participants')
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def downgrade():
    bind = _without_foreign_keys_on_sqlite()
    with op.batch_alter_table('scenarios', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('participants', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('neutralized_kg', sa.BigInteger(), server_default='0', nullable=False))
    bind.execute(sa.text(
        "UPDATE scenarios SET participants = (SELECT COUNT(*) FROM leaderboard_entries e WHERE e.board = "
        "'s' || CAST(scenarios.id AS VARCHAR) || ':user:all'), neutralized_kg = (SELECT COALESCE(SUM(e.kg), 0) "
        "FROM leaderboard_entries e WHERE e.board = 's' || CAST(scenarios.id AS VARCHAR) || ':user:all')"))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_kg', sa.BigInteger(), server_default='0', nullable=False))
    bind.execute(sa.text("UPDATE projects SET claimed_kg = (SELECT COALESCE(SUM(claimed_kg), 0) FROM stock_shards "
                         "WHERE stock_shards.project_id = projects.id)"))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_check_constraint('claimed_within_credited', 'claimed_kg >= 0 AND claimed_kg <= credited_kg')
    with op.batch_alter_table('credit_units', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_credit_units_open')
        batch_op.create_index('ix_credit_units_allocation', ['project_id', 'vintage', 'serial'], unique=False)
    with op.batch_alter_table('orders', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_orders_holds')
        batch_op.drop_column('lang')
        batch_op.drop_column('stock_shard')
    op.drop_table('stock_shards')
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
