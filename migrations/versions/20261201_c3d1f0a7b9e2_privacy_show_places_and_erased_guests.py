"""privacy: users.show_places (opt-in places on the verify page), users.erased_at, orders by organisation

show_places defaults to false for every existing guest: the verify page stops naming places until a
guest opts in (PATCH /api/v1/me). erased_at marks a guest erased by DELETE /api/v1/me.
ix_orders_organization_name: a guest changing show_on_leaderboard recomputes the organisation rows they
count on from those organisations' orders (services/offsetting/leaderboards.py: refresh_guest, _recount);
without it each row read every order (5 s per change at 300,000 orders).

Revision ID: c3d1f0a7b9e2
Revises: 8530659a5ec9
Create Date: 2026-12-01 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d1f0a7b9e2'
down_revision = '8530659a5ec9'
branch_labels = None
depends_on = None


def upgrade():
    # recreate="never": adding columns is in place on SQLite too (a table copy would DROP TABLE users,
    # which PRAGMA foreign_keys=ON refuses once anything points at a guest).
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('show_places', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_organization_name', ['organization_name'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_organization_name')

    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('show_places')
