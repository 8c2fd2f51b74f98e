"""Doors: the named entrances of a scenario, each with its own QR poster (tag `<code>.<door>`)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column


class ScenarioDoor(db.Model):
    """A door the organiser defined. Scans with other tags still count (a poster may predate the list)."""

    __tablename__ = "scenario_doors"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "tag", name="uq_scenario_doors_scenario_tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(sa.String(24))
    label: Mapped[str | None] = mapped_column(sa.String(64))
    created_at = created_at_column()
