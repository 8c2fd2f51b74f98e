"""Leaderboard totals, kept by the fulfilment and refund transactions (and rebuildable from certificates).

One row per (board, member). A board is a scope (one scenario or all), a kind (users or organisations)
and a period (all time or one month, China time): `s12:user:all`, `all:org:2026-11`. Redis sorted sets
mirror these rows when REDIS_URL is set; the SQL index serves the same ranking without it.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class LeaderboardEntry(db.Model):
    __tablename__ = "leaderboard_entries"
    __table_args__ = (
        sa.UniqueConstraint("board", "member", name="uq_leaderboard_entries_board_member"),
        # Read backwards, this is the ranking: score descending, then member descending (as Redis).
        sa.Index("ix_leaderboard_entries_rank", "board", "score", "member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board: Mapped[str] = mapped_column(sa.String(48))
    # "u0000000042" for a guest, "o:<name>" for an organisation.
    member: Mapped[str] = mapped_column(sa.String(80))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kg: Mapped[int] = mapped_column(sa.BigInteger)
    # When the member reached this total: the issue time of their latest certificate on the board.
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # kg and reached_at packed as in the Redis sorted sets (services/offsetting/leaderboards.py: score()).
    score: Mapped[int] = mapped_column(sa.BigInteger)


class ScenarioTotal(db.Model):
    """A scenario's participants and kilograms, kept on a few counter rows so reads never count the board.

    Summing a scenario's guest board (`s<id>:user:all`) on every scan cost ~14 ms of PostgreSQL at
    10,000 participants, growing with the event. The rows that write the board write these in the same
    transaction: a certificate adds its kilograms, and one participant when it inserted the guest's row;
    a revocation takes them back. A guest's certificates always land on the shard `user_id % SHARDS`, so
    guests of one event rarely wait on one another's row, and the totals are the sum of a scenario's rows.
    No foreign key to the scenario: its row must not be locked (FOR KEY SHARE) by every fulfilment.
    """

    __tablename__ = "scenario_totals"

    SHARDS = 8

    scenario_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    participants: Mapped[int] = mapped_column(sa.Integer)
    kg: Mapped[int] = mapped_column(sa.BigInteger)
