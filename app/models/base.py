"""Shared column helpers: times are stored in UTC (China time for people is app.domain.china_time)."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Naive values are UTC by construction (see UTCDateTime)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class UTCDateTime(TypeDecorator):
    """Timezone-aware in Python, UTC in the database.

    PostgreSQL keeps the offset itself; SQLite stores the text as given and drops the offset, so every
    value is converted to UTC on the way in and comes back aware on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = as_utc(value).astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value).astimezone(UTC)


def created_at_column():
    return sa.Column(UTCDateTime(), nullable=False, default=utcnow)
