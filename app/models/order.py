"""Orders: a guest buying the kilograms of a footprint from one project, paid with WeChat Pay."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, utcnow

STATUSES = ("pending", "paid", "fulfilled", "closed", "refunded", "review")
# guest: a guest pays in the mini-program (JSAPI); event: an organiser tops up an event (Native QR).
KINDS = ("guest", "event")


class OrderNotPayable(Exception):
    """A state transition the order's current status does not allow."""


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        sa.CheckConstraint("kg > 0 AND amount_fen > 0", name="positive"),
        sa.CheckConstraint("(kind = 'guest' AND user_id IS NOT NULL AND footprint_id IS NOT NULL)"
                           " OR (kind = 'event' AND staff_id IS NOT NULL)", name="payer"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_orders_user_idempotency_key"),
        sa.Index("ix_orders_project_status", "project_id", "status", "expires_at"),
        sa.Index("ix_orders_user_created", "user_id", "created_at"),
        # Holds still on a stock shard, by project and expiry: the lapsed ones are released from here.
        sa.Index("ix_orders_holds", "project_id", "expires_at", postgresql_where=sa.text("stock_shard IS NOT NULL"
                 " AND status = 'pending'"), sqlite_where=sa.text("stock_shard IS NOT NULL AND status = 'pending'")),
        # An organisation's board rows recounted from its orders (leaderboards._recount: refunds, and a
        # guest changing show_on_leaderboard), without reading every order.
        sa.Index("ix_orders_organization_name", "organization_name"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8), default="guest", server_default="guest")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    footprint_id: Mapped[str | None] = mapped_column(sa.ForeignKey("footprints.id"), index=True)
    # The organiser paying an event top-up (kind "event").
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_accounts.id"), index=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    kg: Mapped[int] = mapped_column(sa.Integer)
    price_fen_per_tonne: Mapped[int] = mapped_column(sa.Integer)
    amount_fen: Mapped[int] = mapped_column(sa.Integer)
    beneficiary: Mapped[str | None] = mapped_column(sa.String(64))
    organization_name: Mapped[str | None] = mapped_column(sa.String(64))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    # A hash of the request that first came with the key: the same key with another body is refused.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    # The guest's language when ordering (app.i18n): its certificate's pictures are drawn in it after
    # payment (app.tasks), the other language on first view only.
    lang: Mapped[str | None] = mapped_column(sa.String(8))
    # The project's stock shard (models/project.py: StockShard) that holds this order's kilograms while
    # it is pending (None once released) and that its certificate's kilograms were claimed from.
    stock_shard: Mapped[int | None] = mapped_column(sa.SmallInteger)
    prepay_id: Mapped[str | None] = mapped_column(sa.String(64))
    # Native pay (event top-ups): the weixin:// link the organiser scans with WeChat.
    code_url: Mapped[str | None] = mapped_column(sa.String(128))
    transaction_id: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    paid_fen: Mapped[int | None] = mapped_column(sa.Integer)
    review_reason: Mapped[str | None] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at = created_at_column()

    project = relationship("Project", lazy="joined")
    # Loaded where asked for (payments.lock_order for a settlement): the guest whose certificate it issues.
    user = relationship("User", lazy="select", viewonly=True)
    certificate = relationship("Certificate", back_populates="order", uselist=False, lazy="selectin")

    # -- row-local state transitions (no commits, no I/O) --------------------------------------------
    def mark_paid(self, transaction_id: str, paid_fen: int) -> None:
        if self.status not in ("pending", "closed"):
            raise OrderNotPayable(self.status)
        self.status, self.transaction_id, self.paid_fen, self.paid_at = "paid", transaction_id, paid_fen, utcnow()

    def mark_fulfilled(self) -> None:
        if self.status != "paid":
            raise OrderNotPayable(self.status)
        self.status, self.fulfilled_at = "fulfilled", utcnow()

    def mark_review(self, reason: str, transaction_id: str | None, paid_fen: int | None) -> None:
        self.status, self.review_reason = "review", reason[:200]
        if transaction_id and not self.transaction_id:
            self.transaction_id, self.paid_fen, self.paid_at = transaction_id, paid_fen, utcnow()

    def mark_closed(self) -> None:
        if self.status != "pending":
            raise OrderNotPayable(self.status)
        self.status, self.closed_at = "closed", utcnow()

    def mark_refunded(self) -> None:
        if self.status not in ("paid", "fulfilled", "review"):
            raise OrderNotPayable(self.status)
        self.status, self.refunded_at = "refunded", utcnow()
