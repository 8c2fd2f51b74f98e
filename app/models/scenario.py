"""Scenarios: the event, scenic spot, shop, restaurant, hotel or daily life a QR code names."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship, undefer_group

from app.extensions import db
from app.models.base import UTCDateTime, as_utc, created_at_column, utcnow
from app.models.leaderboard import ScenarioTotal

KINDS = ("conference", "scenic", "supermarket", "restaurant", "hotel", "life")
STATUSES = ("draft", "active", "closed")


class Scenario(db.Model):
    __tablename__ = "scenarios"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short and QR-safe: it travels in a 32-character mini-program scene with a door tag.
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str | None] = mapped_column(sa.String(200))
    venue: Mapped[str | None] = mapped_column(sa.String(200))
    venue_en: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    city_en: Mapped[str | None] = mapped_column(sa.String(64))
    # Grid region of the factor set where the venue draws its power (the event footprint's electricity).
    grid: Mapped[str | None] = mapped_column(sa.String(16))
    description: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    # The texts in the other languages guests read (fr, hi, bn, sw): {lang: {title, venue, city, description}},
    # each optional; Chinese and English live in the columns above. Read through texts_of().
    texts: Mapped[dict | None] = mapped_column(sa.JSON)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Guests keep neutralising after the event (the trip home); the QR stops working after this.
    open_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    created_at = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    organization = relationship("Organization", lazy="joined")
    # Staff views only (loaded on access, or with selectinload for a list); guests never need them.
    doors = relationship("ScenarioDoor", order_by="ScenarioDoor.id", viewonly=True)

    # Running totals: the sum of the scenario's counter rows (ScenarioTotal, at most SHARDS of them, read
    # by primary key), which fulfilment and revocation write beside the guest board; never this row, so
    # guests of one event do not queue on it. They used to be counted from the board on every read
    # (~14 ms of PostgreSQL at 10,000 participants). Still deferred: only the reads that show them
    # load them (`with_totals`), in the same statement; an access elsewhere loads them both.
    participants: Mapped[int] = column_property(
        sa.select(sa.func.coalesce(sa.func.sum(ScenarioTotal.participants), 0))
        .where(ScenarioTotal.scenario_id == id)
        .correlate_except(ScenarioTotal).scalar_subquery(), deferred=True, group="totals")
    neutralized_kg: Mapped[int] = column_property(
        sa.select(sa.func.coalesce(sa.func.sum(ScenarioTotal.kg), 0)).where(ScenarioTotal.scenario_id == id)
        .correlate_except(ScenarioTotal).scalar_subquery(), deferred=True, group="totals")

    @staticmethod
    def with_totals():
        """The loader option for reads that show participants and kilograms (one statement with them)."""
        return undefer_group("totals")

    def texts_of(self, field: str) -> dict[str, str | None]:
        """One text field (title, venue, city, description) in every language it was given in, by language
        code: what app.i18n.pick_text chooses from with the fallback rule."""
        given = {"zh": getattr(self, field), "en": getattr(self, f"{field}_en")}
        for lang, texts in (self.texts or {}).items():
            given[lang] = (texts or {}).get(field)
        return given

    def is_visible(self) -> bool:
        """Drafts are invisible to guests: a draft code answers 404 like an unknown one."""
        return self.status != "draft"

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        if self.status != "active":
            return False
        return self.open_until is None or as_utc(self.open_until) > now
