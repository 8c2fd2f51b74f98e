"""Serialised credit inventory: imported blocks of one-tonne units, and the kilograms claimed from them.

Pooled retirement: a unit is retired (a registry cancellation, with time and reason) the first time any
kilogram of it is claimed; certificates then claim kilograms of retired units until each is full. The
CHECK constraint is the last guard that no unit is ever claimed past 1,000 kg.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


class CreditBlock(db.Model):
    __tablename__ = "credit_blocks"
    __table_args__ = (sa.Index("ix_credit_blocks_prefix_range", "prefix", "digits", "first", "last"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    vintage: Mapped[int] = mapped_column(sa.Integer)
    prefix: Mapped[str] = mapped_column(sa.String(48))
    digits: Mapped[int] = mapped_column(sa.Integer)
    first: Mapped[int] = mapped_column(sa.BigInteger)
    last: Mapped[int] = mapped_column(sa.BigInteger)
    serial_start: Mapped[str] = mapped_column(sa.String(64))
    serial_end: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str | None] = mapped_column(sa.String(256))
    created_at = created_at_column()


class CreditUnit(db.Model):
    __tablename__ = "credit_units"
    __table_args__ = (
        sa.CheckConstraint("claimed_kg >= 0 AND claimed_kg <= 1000", name="claimed_kg_range"),
        # The allocation order: oldest vintage, then lowest serial, among units with room left. Partial:
        # full units leave the index, so a claim never scans past the units sold before it.
        sa.Index("ix_credit_units_open", "project_id", "vintage", "serial",
                 postgresql_where=sa.text("claimed_kg < 1000"), sqlite_where=sa.text("claimed_kg < 1000")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    block_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_blocks.id"), index=True)
    vintage: Mapped[int] = mapped_column(sa.Integer)
    serial: Mapped[str] = mapped_column(sa.String(64), unique=True)
    claimed_kg: Mapped[int] = mapped_column(sa.Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retirement_reason: Mapped[str | None] = mapped_column(sa.String(200))


class CreditClaim(db.Model):
    """Kilograms of one unit claimed by one certificate. Revoked claims stay, marked, for the record."""

    __tablename__ = "credit_claims"
    __table_args__ = (
        sa.UniqueConstraint("certificate_id", "unit_id", name="uq_credit_claims_certificate_unit"),
        sa.CheckConstraint("kg > 0 AND kg <= 1000", name="kg_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_units.id"), index=True)
    kg: Mapped[int] = mapped_column(sa.Integer)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()

    unit = relationship("CreditUnit", lazy="joined")
