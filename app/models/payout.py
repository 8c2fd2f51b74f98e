"""Payouts: money actually transferred to a project owner, recorded by a platform admin."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


class Payout(db.Model):
    """Append-only, like the ledger: a mistaken payout is corrected by a negative one, never edited."""

    __tablename__ = "payouts"
    __table_args__ = (
        sa.CheckConstraint("amount_fen <> 0", name="nonzero"),
        sa.UniqueConstraint("organization_id", "bank_reference", name="uq_payouts_organization_bank_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    bank_reference: Mapped[str] = mapped_column(sa.String(64))
    paid_on: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_by: Mapped[int] = mapped_column(sa.ForeignKey("staff_accounts.id"))
    created_at = created_at_column()
