"""privacy: users.show_places (opt-in places on the verify page) and users.erased_at

show_places defaults to false for every existing guest: the verify page stops naming places until a
guest opts in (PATCH /api/v1/me). erased_at marks a guest erased by DELETE /api/v1/me.

Revision ID: c3d1f0a7b9e2
Revises: 92584e9e0a4e
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d1f0a7b9e2'
down_revision = '92584e9e0a4e'
branch_labels = None
depends_on = None


def upgrade():
    # recreate="never": adding columns is in place on SQLite too (a table copy would DROP TABLE users,
    # which PRAGMA foreign_keys=ON refuses once anything points at a guest).
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('show_places', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('show_places')
