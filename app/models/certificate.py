"""Certificates of honour: the public record that a guest's kilograms were neutralised."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column

STATUSES = ("valid", "revoked")
# personal: a guest's own travel and stay (or daily life); event: an organiser's event certificate.
KINDS = ("personal", "event")


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        sa.Index("ix_certificates_user_issued", "user_id", "issued_at"),
        sa.Index("ix_certificates_scenario_issued", "scenario_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, with a check character: cannot be enumerated, and typos are caught (see services).
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8), default="personal", server_default="personal")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    footprint_id: Mapped[str | None] = mapped_column(sa.ForeignKey("footprints.id"))
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    holder: Mapped[str] = mapped_column(sa.String(64))
    kg: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default="valid")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at = created_at_column()

    order = relationship("Order", back_populates="certificate")
    scenario = relationship("Scenario", lazy="joined")
    project = relationship("Project", lazy="joined")
    claims = relationship("CreditClaim", lazy="selectin", order_by="CreditClaim.id")
