"""The money ledger: append-only; corrections are new entries, never edits.

For each paid order: the payment-processing fee, the platform fee and the remainder owed to the
project's owner, in fen that add up to the amount paid. A refund appends the same entries negated.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column

ACCOUNTS = ("payment_fees", "platform", "owner")
KINDS = ("sale", "refund")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint(f"account IN {ACCOUNTS!r}", name="account"),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        # An owner's balance and statements (services/console/payouts.py): its "owner" entries, by date. The
        # trailing amount_fen lets the sums read the index alone, never the (append-only) table.
        sa.Index("ix_ledger_entries_organization_account", "organization_id", "account", "created_at", "amount_fen"),
        # The owners' share per project (account "owner", grouped by project), and the projects foreign key.
        sa.Index("ix_ledger_entries_project_account", "project_id", "account", "amount_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<kind>:<order id>:<account>": the same entry can never be written twice.
    idempotency_key: Mapped[str] = mapped_column(sa.String(96), unique=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    # For "owner" entries, the organisation owed; null for the platform's own accounts.
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    account: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(8))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    created_at = created_at_column()
