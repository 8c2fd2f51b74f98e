"""Offset projects: Chengdu's carbon-inclusive (CDCER) projects, owned by emission-reducing companies."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column

KG_PER_UNIT = 1000  # a credit unit is one tonne


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint("price_fen_per_tonne > 0", name="price_positive"),
        sa.CheckConstraint("claimed_kg >= 0 AND claimed_kg <= credited_kg", name="claimed_within_credited"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[str | None] = mapped_column(sa.String(32))
    location: Mapped[str | None] = mapped_column(sa.String(200))
    standard: Mapped[str] = mapped_column(sa.String(32), default="CDCER")
    description: Mapped[str | None] = mapped_column(sa.Text)
    price_fen_per_tonne: Mapped[int] = mapped_column(sa.Integer)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Running totals kept under the project's row lock: every imported kilogram, every claimed one.
    credited_kg: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    claimed_kg: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at = created_at_column()

    owner = relationship("Organization", lazy="joined")


class ScenarioProject(db.Model):
    """An organiser's choice of projects for a scenario; a scenario without rows offers every project."""

    __tablename__ = "scenario_projects"

    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
