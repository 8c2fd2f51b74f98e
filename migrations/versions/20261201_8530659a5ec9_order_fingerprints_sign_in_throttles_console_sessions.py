"""order fingerprints, sign-in throttles, console sessions, scan clients, twice-paid sandbox orders

- orders.idempotency_fingerprint: an Idempotency-Key reused with another request body is refused.
- sign_in_throttles replaces staff_accounts.failed_sign_ins/locked_until: growing delays per account,
  account and address, and address, instead of a lock that kept the rightful owner out too.
- staff_sessions: the console's sessions on the server, so signing out ends them.
- scans.client_hash: one scan per anonymous client per door within the dedup window.
- sandbox_pay_transactions.out_trade_no is no longer unique: the simulator can play a payer charged twice.

Revision ID: 8530659a5ec9
Revises: 92584e9e0a4e
Create Date: 2026-12-01 21:10:53.618976

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8530659a5ec9'
down_revision = '92584e9e0a4e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_throttles',
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttles'))
    )
    op.create_table('staff_sessions',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_staff_sessions_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_fingerprint', sa.String(length=32), nullable=True))

    with op.batch_alter_table('sandbox_pay_transactions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_sandbox_pay_transactions_out_trade_no'), type_='unique')
        batch_op.create_index(batch_op.f('ix_sandbox_pay_transactions_out_trade_no'), ['out_trade_no'], unique=False)

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_hash', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_scans_scenario_client', ['scenario_id', 'client_hash'], unique=False)

    # In place (SQLite 3.35+): copying the table would trip the foreign keys that point at it.
    with op.batch_alter_table('staff_accounts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('failed_sign_ins')
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('staff_accounts', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index('ix_scans_scenario_client')
        batch_op.drop_column('client_hash')

    with op.batch_alter_table('sandbox_pay_transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sandbox_pay_transactions_out_trade_no'))
        batch_op.create_unique_constraint(batch_op.f('uq_sandbox_pay_transactions_out_trade_no'), ['out_trade_no'])

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('idempotency_fingerprint')

    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_staff_id'))

    op.drop_table('staff_sessions')
    op.drop_table('sign_in_throttles')
