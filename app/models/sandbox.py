"""State of the sandbox WeChat Pay simulator (its side of the protocol), shared by every worker."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column


class SandboxPayTransaction(db.Model):
    __tablename__ = "sandbox_pay_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    prepay_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Not unique: a payer charged twice for one order is a second row (the service refunds it).
    out_trade_no: Mapped[str] = mapped_column(sa.String(32), index=True)
    appid: Mapped[str] = mapped_column(sa.String(32))
    mchid: Mapped[str] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.String(128))
    amount_total: Mapped[int] = mapped_column(sa.Integer)
    # JSAPI: the payer is named when ordering; NATIVE: whoever scans code_url pays (set on confirm).
    trade_type: Mapped[str] = mapped_column(sa.String(8), default="JSAPI", server_default="JSAPI")
    payer_openid: Mapped[str | None] = mapped_column(sa.String(64))
    code_url: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    notify_url: Mapped[str] = mapped_column(sa.String(256))
    time_expire: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # NOTPAY, SUCCESS, CLOSED, REFUND, as WeChat Pay's trade_state
    trade_state: Mapped[str] = mapped_column(sa.String(16), default="NOTPAY")
    transaction_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    payer_total: Mapped[int | None] = mapped_column(sa.Integer)
    success_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_fen: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at = created_at_column()


class SandboxPayRefund(db.Model):
    __tablename__ = "sandbox_pay_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_refund_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    refund_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    out_trade_no: Mapped[str] = mapped_column(sa.String(32), index=True)
    refund_fen: Mapped[int] = mapped_column(sa.Integer)
    total_fen: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str | None] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(16), default="SUCCESS")
    created_at = created_at_column()
