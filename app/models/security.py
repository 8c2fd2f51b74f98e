"""What the service keeps to defend staff sign-in and the console's sessions.

- SignInThrottle: failed sign-ins per key (an account's email, an account from one address, one address),
  each with the time before which the next attempt is refused. Rows exist for unknown emails too, so an
  unknown account is answered exactly like a known one.
- StaffSession: the console's sessions, on the server: signing out (or disabling the account, or a new
  password) ends one for good, whatever copy of the cookie is left.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


class SignInThrottle(db.Model):
    __tablename__ = "sign_in_throttles"

    # "a:<email>", "ap:<email>|<address>" or "p:<address>" (see services.console.staff)
    key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffSession(db.Model):
    __tablename__ = "staff_sessions"

    # Random, unguessable; the console's cookie (signed) carries it.
    id: Mapped[str] = mapped_column(sa.String(43), primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_accounts.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()
