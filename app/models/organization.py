"""Organisations: event organisers (their staff accounts run its scenarios) and the companies that own projects."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_at_column


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    created_at = created_at_column()
