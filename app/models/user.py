"""Guests, identified by their WeChat openid, which never leaves the server.

WeChat's session_key (from code2Session) is not stored: nothing reads it, and it is a secret that would
sit here in plain text. Login keeps only the openid and unionid of that answer.

An erased guest (DELETE /api/v1/me, services/guest/privacy.py) keeps its row so certificates, orders and
boards stay whole, but the row holds nothing of the person: its openid is a random tombstone no WeChat
login can ever match, and erased_at is set.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, utcnow


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64))
    nickname: Mapped[str] = mapped_column(sa.String(64))
    avatar_url: Mapped[str | None] = mapped_column(sa.String(512))
    show_on_leaderboard: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Opt-in: the public verify page names the places of the footprint behind the guest's certificates.
    show_places: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Bumped to invalidate every token issued before (logout everywhere).
    token_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at = created_at_column()
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:  # never print the openid
        return f"<User {self.id}>"
