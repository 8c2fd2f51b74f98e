"""Event neutralisation: the organiser's footprint of the event itself and the top-up that covers it."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column


class EventFootprint(db.Model):
    """Venue energy, catering, materials, staff travel and the attendees' estimated travel and stay."""

    __tablename__ = "event_footprints"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_accounts.id"))
    factor_set: Mapped[str] = mapped_column(sa.String(32))
    inputs: Mapped[dict] = mapped_column(sa.JSON)
    items: Mapped[list] = mapped_column(sa.JSON)
    # Full precision, as text-safe Numeric: operations (the organiser's own) and attendees (estimated).
    operations_kg: Mapped[Decimal] = mapped_column(sa.Numeric(20, 6))
    attendees_kg: Mapped[Decimal] = mapped_column(sa.Numeric(20, 6))
    total_kg: Mapped[Decimal] = mapped_column(sa.Numeric(20, 6))
    created_at = created_at_column()


class EventNeutralisation(db.Model):
    """One top-up quote and its order: the event total, the guests' credited share, the remainder.

    The guests' share is credited only against the attendees' part of the boundary (their own travel and
    stay), never against the venue, catering or materials: a kilogram is claimed once.
    """

    __tablename__ = "event_neutralisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), index=True)
    event_footprint_id: Mapped[str] = mapped_column(sa.ForeignKey("event_footprints.id"), index=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"), unique=True)
    total_kg: Mapped[int] = mapped_column(sa.Integer)
    guests_kg: Mapped[int] = mapped_column(sa.Integer)  # valid guest certificates in the scenario, at quote time
    guest_certificates: Mapped[int] = mapped_column(sa.Integer)
    credited_guests_kg: Mapped[int] = mapped_column(sa.Integer)  # min(guests_kg, attendees part)
    topup_kg: Mapped[int] = mapped_column(sa.Integer)
    created_at = created_at_column()

    scenario = relationship("Scenario", lazy="joined")
    footprint = relationship("EventFootprint", lazy="joined")
    order = relationship("Order", lazy="joined")
