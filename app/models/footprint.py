"""A computed footprint: inputs, itemised result and factor-set version, so it can be explained later."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column


class Footprint(db.Model):
    __tablename__ = "footprints"
    __table_args__ = (sa.Index("ix_footprints_user_created", "user_id", "created_at"),)

    # Random public id: footprints are personal and must not be enumerable.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), index=True)
    # Copied from the scenario (codes never change: they are printed on posters), so a footprint
    # serialises without loading its scenario.
    scenario_code: Mapped[str] = mapped_column(sa.String(24))
    scan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scans.id"))
    factor_set: Mapped[str] = mapped_column(sa.String(32))
    inputs: Mapped[dict] = mapped_column(sa.JSON)
    # Line items with full-precision kg as strings; rounding happens only in responses.
    items: Mapped[list] = mapped_column(sa.JSON)
    total_kg: Mapped[Decimal] = mapped_column(sa.Numeric(20, 6))
    created_at = created_at_column()

    scenario = relationship("Scenario")
