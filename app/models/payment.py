"""Every verified WeChat Pay notification delivery, and our refunds."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


class PaymentNotification(db.Model):
    """One row per delivery (WeChat retries; each retry is a row), with what we made of it."""

    __tablename__ = "payment_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    event_type: Mapped[str] = mapped_column(sa.String(32))
    out_trade_no: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    transaction_id: Mapped[str | None] = mapped_column(sa.String(32))
    trade_state: Mapped[str | None] = mapped_column(sa.String(16))
    amount_total: Mapped[int | None] = mapped_column(sa.Integer)
    # fulfilled, duplicate, review, unknown_order, refunded, ignored
    outcome: Mapped[str] = mapped_column(sa.String(16))
    received_at = created_at_column()


class Refund(db.Model):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_refund_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(200))
    refund_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))  # PROCESSING, SUCCESS, ABNORMAL, CLOSED
    created_at = created_at_column()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
