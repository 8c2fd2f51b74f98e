"""Offset projects: Chengdu's carbon-inclusive (CDCER) projects, owned by emission-reducing companies."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column

KG_PER_UNIT = 1000  # a credit unit is one tonne


class StockShard(db.Model):
    """One of a project's few stock counters (services/offsetting/stock.py).

    A project's kilograms are split over several rows so that guests holding and claiming at the same
    moment update different rows instead of queueing on one. Each row keeps its own books, checked by
    the database: what it holds for unpaid orders plus what certificates claimed never exceeds what it
    was credited. The project's figures are the sums over its rows.
    """

    __tablename__ = "stock_shards"
    __table_args__ = (
        sa.CheckConstraint("held_kg >= 0 AND claimed_kg >= 0 AND held_kg + claimed_kg <= credited_kg",
                           name="within_credited"),
    )

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    credited_kg: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    held_kg: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    claimed_kg: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        sa.CheckConstraint("price_fen_per_tonne > 0", name="price_positive"),
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
    # Every imported kilogram (written by imports only). Claimed kilograms live on the stock shards, so
    # that a fulfilment never writes this row; `claimed_kg` is read from them.
    credited_kg: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    claimed_kg: Mapped[int] = column_property(
        sa.select(sa.func.coalesce(sa.func.sum(StockShard.claimed_kg), 0))
        .where(StockShard.project_id == id).correlate_except(StockShard).scalar_subquery(),
        deferred=True)
    created_at = created_at_column()

    owner = relationship("Organization", lazy="joined")


class ScenarioProject(db.Model):
    """An organiser's choice of projects for a scenario; a scenario without rows offers every project."""

    __tablename__ = "scenario_projects"

    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
