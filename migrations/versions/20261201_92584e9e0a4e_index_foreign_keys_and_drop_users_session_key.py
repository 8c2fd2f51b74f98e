"""index foreign keys and owner ledger queries, drop users.session_key

Every foreign key that a query filters or joins on gets an index (or leads a composite one); the
owners' ledger queries (services/payouts.py) get composite indexes that match them, which replace the
single-column ix_ledger_entries_organization_id. users.session_key goes: nothing reads it, and it is a
WeChat secret kept in plain text.

Left unindexed on purpose (no query looks rows up by them, and their parents are never deleted):
footprints.scan_id, certificates.footprint_id, scenario_projects.project_id, event_footprints.staff_id,
payouts.recorded_by.

Revision ID: 92584e9e0a4e
Revises: 517f8b36390d
Create Date: 2026-12-01 20:24:18.938136

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '92584e9e0a4e'
down_revision = '517f8b36390d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('event_neutralisations', schema=None) as batch_op:
        # events.quote_topup looks for a pending top-up of the same event footprint.
        batch_op.create_index(batch_op.f('ix_event_neutralisations_event_footprint_id'), ['event_footprint_id'],
                              unique=False)

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        # balance() and statement(): account = 'owner' AND organization_id = ? [AND created_at range], summing
        # amount_fen (in the index, so the sums need no table reads). Its leading column covers the foreign
        # key, so the single-column index goes.
        batch_op.drop_index(batch_op.f('ix_ledger_entries_organization_id'))
        batch_op.create_index('ix_ledger_entries_organization_account',
                              ['organization_id', 'account', 'created_at', 'amount_fen'], unique=False)
        # projects_with_sales(): account = 'owner' GROUP BY project_id; and the projects foreign key.
        batch_op.create_index('ix_ledger_entries_project_account', ['project_id', 'account', 'amount_fen'],
                              unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_owner_id'), ['owner_id'], unique=False)

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scans_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scenarios_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('staff_assignments', schema=None) as batch_op:
        # The primary key leads with staff_id; assignments.list_assignments filters on scenario_id alone.
        batch_op.create_index(batch_op.f('ix_staff_assignments_scenario_id'), ['scenario_id'], unique=False)

    # recreate="never": SQLite (3.35 and later) drops the column in place. Batch mode's default copy and
    # move would DROP TABLE users, which PRAGMA foreign_keys=ON (app/__init__.py) refuses as soon as any
    # order, scan, footprint, certificate or leaderboard row points at a guest.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('session_key')


def downgrade():
    # The column comes back empty: the keys are gone (a guest's next login under the old code writes one).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.VARCHAR(length=64), nullable=True))

    with op.batch_alter_table('staff_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_assignments_scenario_id'))

    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scenarios_organization_id'))

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scans_user_id'))

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_owner_id'))

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_project_account')
        batch_op.drop_index('ix_ledger_entries_organization_account')
        batch_op.create_index(batch_op.f('ix_ledger_entries_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('event_neutralisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_neutralisations_event_footprint_id'))

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_project_id'))
