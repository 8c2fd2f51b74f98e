"""China time, the product's time zone for every date and time people read (orders, posters, statements,
charts, certificates). China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact
and needs no tz database. Stored times are UTC; these helpers are the one way to show them."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

CST = timezone(timedelta(hours=8), "Asia/Shanghai")


def to_china(moment: datetime) -> datetime:
    """The same instant on China's clock (a naive value is UTC, as SQLite returns them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CST)


def china_date(moment: datetime) -> date:
    """The China calendar day of an instant."""
    return to_china(moment).date()


def china_today() -> date:
    return datetime.now(CST).date()


def china_now() -> datetime:
    return datetime.now(CST)


def china_midnight(day: date) -> datetime:
    """The instant a China calendar day starts (payout days are stored this way)."""
    return datetime.combine(day, time(0), CST)


def china_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str | None:
    """An instant as text on China's clock, None for None (CSV cells, pages)."""
    return to_china(moment).strftime(fmt) if moment else None
