"""Staff accounts: platform admins, organisers, venue staff and project owners (the console's users)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column

ROLES = ("admin", "organizer", "venue_staff", "project_owner")


class StaffAccount(db.Model):
    __tablename__ = "staff_accounts"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    # werkzeug's scrypt hash; the password itself is never stored or logged.
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(16))
    # The organisation an organiser runs events for, or a project owner is; null for admins and venue staff.
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    token_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at = created_at_column()

    organization = relationship("Organization", lazy="joined")

    def __repr__(self) -> str:
        return f"<StaffAccount {self.id} {self.role}>"


class StaffAssignment(db.Model):
    """A venue staff member may print posters for the scenarios they are assigned to."""

    __tablename__ = "staff_assignments"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_accounts.id"), primary_key=True)
    # The primary key leads with staff_id; a scenario's list of assigned staff needs its own index.
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), primary_key=True, index=True)
