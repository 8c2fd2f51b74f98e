"""One row per resolved QR scan: which scenario, which kind of code, which door, when."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column

SOURCES = ("wxacode", "link")


class Scan(db.Model):
    __tablename__ = "scans"
    __table_args__ = (
        sa.CheckConstraint(f"source IN {SOURCES!r}", name="source"),
        sa.Index("ix_scans_scenario_created", "scenario_id", "created_at"),
        # The dashboard's distinct guests per door, without a sort that spills at 100k scans.
        sa.Index("ix_scans_scenario_tag_user", "scenario_id", "tag", "user_id"),
        # One scan per anonymous client per door within the dedup window (services.guest.deeplinks).
        sa.Index("ix_scans_scenario_client", "scenario_id", "client_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"))
    source: Mapped[str] = mapped_column(sa.String(8))
    tag: Mapped[str | None] = mapped_column(sa.String(32))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # A keyed hash of the anonymous client's address and browser (never the address itself): reloads and
    # floods from one client count once.
    client_hash: Mapped[str | None] = mapped_column(sa.String(16))
    created_at = created_at_column()
