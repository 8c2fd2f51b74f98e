"""scenario texts per language: an English description, and the other guest languages' texts

scenarios.description_en: the English description (title, venue and city already had theirs).
scenarios.texts: {lang: {title, venue, city, description}} for fr, hi, bn and sw, each optional; the
guest's language is chosen with the fallback rule of app/i18n.py (app.i18n.pick_text).

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-02 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "e5f6a7b8c9d0"
down_revision = "d4e5f6a7b8c9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("description_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("texts", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_column("texts")
        batch.drop_column("description_en")
