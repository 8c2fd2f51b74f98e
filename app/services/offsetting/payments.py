"""Payments: WeChat Pay notifications, fulfilment and refunds (reconciliation: services.ops.reconcile).

Every path is idempotent. WeChat delivers a notification several times and reconcile may learn of the
same payment: the order is re-read under a row lock (PostgreSQL; the write lock on SQLite), its state
decides, and unique keys (orders.transaction_id, certificates.order_id, ledger idempotency keys) are the
backstop. Fulfilment is one transaction: mark paid, claim kilograms, issue the certificate, write the
ledger and the leaderboard rows; it locks the order's row, one stock row of its project, the units it
claims and the guest's board rows, never a row every guest shares. A payment that does not match our
record puts the order in `review` and issues nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import defaultload, joinedload, lazyload

from app.errors import AppError, NotFound
from app.extensions import db
from app.models import Order, PaymentNotification, Project, Refund
from app.models.base import utcnow
from app.services.locks import lock_for_write
from app.services.offsetting import certificates, ledger, stock
from app.services.offsetting.stock import InsufficientStock
from app.tasks.queue import AFTER_FULFILMENT, MIRROR_LEADERBOARDS, enqueue
from app.wechat import wechat_pay
from app.wechat.exceptions import WeChatError
from app.wechat.pay import InvalidNotification, Transaction

log = logging.getLogger("diandian.payments")


class NotificationRejected(AppError):
    """Not provably from WeChat Pay (signature, timestamp, encryption): nothing is changed."""

    status_code, code = 401, "invalid_notification"


class MalformedNotification(AppError):
    status_code, code = 400, "malformed_notification"


class UnknownOrder(NotFound):
    code = "order_not_found"


class PaymentRejected(AppError):
    """Authentic, but not a payment we asked for: answered FAIL, nothing changes."""

    status_code, code = 400, "payment_rejected"


class RefundFailed(AppError):
    status_code, code = 502, "refund_failed"


class NotRefundable(AppError):
    status_code, code = 409, "order_not_refundable"


@dataclass(frozen=True)
class Outcome:
    order_id: str | None
    # fulfilled, duplicate, review, refunded, pending, unknown_order, ignored, rejected,
    # second_payment_refunded
    result: str


def handle_notification(headers, body: bytes) -> Outcome:
    """Verify, decrypt, record the delivery, settle the order.

    :raise NotificationRejected: forged, stale or undecryptable. :raise MalformedNotification:
    :raise UnknownOrder: authentic, but for an out_trade_no we never issued (WeChat will retry).
    """
    try:
        note = wechat_pay().parse_notification(headers, body)
    except InvalidNotification as exc:
        log.warning("notification rejected: %s", exc)
        raise NotificationRejected(str(exc)) from None
    tx = note.transaction
    if tx is None:
        _record(note.id, note.event_type, None, "ignored")
        db.session.commit()
        return Outcome(None, "ignored")
    if not tx.out_trade_no:
        raise MalformedNotification("no out_trade_no")
    outcome = settle(tx, source="notify", notification=(note.id, note.event_type))
    if outcome.result == "unknown_order":
        raise UnknownOrder(f"out_trade_no {tx.out_trade_no}")
    return outcome


_INSERT_NOTIFICATION = insert(PaymentNotification.__table__)  # Core: every delivery writes one, never reads it


def _record(notification_id: str, event_type: str, tx: Transaction | None, outcome: str) -> None:
    db.session.execute(_INSERT_NOTIFICATION, {
        "notification_id": notification_id[:64], "event_type": event_type[:32], "outcome": outcome,
        "out_trade_no": tx.out_trade_no[:32] if tx else None, "transaction_id": tx.transaction_id if tx else None,
        "trade_state": tx.trade_state if tx else None, "amount_total": tx.amount_total if tx else None})


# The order under its row lock, fresh from the database: built once, the first read of every delivery.
_LOCK_ORDER = (select(Order).where(Order.out_trade_no == bindparam("out_trade_no")).with_for_update(of=Order)
               .options(lazyload(Order.certificate))  # most deliveries only read the status; a refund loads it
               .options(defaultload(Order.project).lazyload(Project.owner))  # the ledger needs only owner_id
               .execution_options(populate_existing=True))
_LOCK_ORDER_WITH_USER = _LOCK_ORDER.options(joinedload(Order.user))


def lock_order(out_trade_no: str, *, with_user: bool = False) -> Order | None:
    """The order re-read under its row lock (PostgreSQL; SQLite: the database write lock), fresh from the
    database: the first step of every use case that settles, refunds or closes it. `with_user` joins the
    guest's row into the same read (a settlement issues their certificate); only the order is locked."""
    lock_for_write()
    return db.session.execute(_LOCK_ORDER_WITH_USER if with_user else _LOCK_ORDER,
                              {"out_trade_no": out_trade_no}).unique().scalar_one_or_none()


def settle(tx: Transaction, *, source: str, notification: tuple[str, str] | None = None) -> Outcome:
    """Act on what WeChat Pay says about one transaction (from a notification or a query).

    Commits once. A paid order whose kilograms cannot be claimed is refunded right after; so is a
    payment that arrives after its hold lapsed when the unheld stock cannot fill it (it never takes
    another guest's live hold), and a second, different payment of an order already paid (the order
    keeps its certificate). :raise PaymentRejected: not the payment we asked for (another merchant,
    another amount, a transaction WeChat Pay does not know): nothing changes but the delivery's record.
    """
    order = lock_order(tx.out_trade_no, with_user=True)

    def done(result: str) -> Outcome:
        if notification:
            _record(*notification, tx, result)
        db.session.commit()
        return Outcome(order.id if order else None, result)

    if order is None:
        log.warning("payment for unknown out_trade_no from %s", source)
        return done("unknown_order")
    if tx.trade_state != "SUCCESS":
        return done("pending")
    if order.transaction_id == tx.transaction_id and order.status in ("paid", "fulfilled", "refunded", "review"):
        return done("duplicate")
    problem = _mismatch(order, tx)
    if problem:
        log.error("payment %s refused for order %s: %s", tx.transaction_id, order.id, problem)
        done("rejected")
        raise PaymentRejected(problem)
    if order.transaction_id:
        return _second_payment(order, tx, done)
    if order.status == "review":
        return done("review")

    lapsed = order.status == "closed" or order.expires_at <= utcnow() - stock.HOLD_GRACE
    try:
        # The hold becomes the claim on the order's own stock row; a lapsed hold is filled only from free
        # kilograms. First, so that a refusal comes before anything is written. No project or scenario
        # row is locked: guests do not queue on them.
        stock.claim(order, lapsed=lapsed)
    except InsufficientStock:
        log.error("order %s paid but its credits are gone or held by others: refunding", order.id)
        order.mark_paid(tx.transaction_id, tx.amount_total)
        order.review_reason = "paid, but the credits could not be claimed: refunded automatically"
        done("paid")
        refund_order(order.out_trade_no, reason="积分不足，自动退款 credits unavailable")
        return Outcome(order.id, "refunded")
    user = order.user  # None: an organiser's top-up
    certificate = certificates.issue(order, user)
    ledger.record_sale(order)
    order.mark_paid(tx.transaction_id, tx.amount_total)
    order.mark_fulfilled()  # one UPDATE of the order, at the commit
    outcome = done("fulfilled")
    enqueue(AFTER_FULFILMENT, certificate.id)  # after the commit, off the guest's path: the mirror, the pictures
    return outcome


def _mismatch(order: Order, tx: Transaction) -> str | None:
    """Why this payment is not the one we asked for, or None (WeChat's '假通知' warning)."""
    config = current_app.config
    pay = wechat_pay()
    if tx.appid != config["WECHAT_APPID"] or tx.mchid != pay.mchid:
        return "appid or mchid of another merchant"
    if tx.amount_total != order.amount_fen or (tx.currency or "CNY") != "CNY":
        return f"paid {tx.amount_total} {tx.currency}, order is {order.amount_fen} CNY"
    if not tx.transaction_id:
        return "no transaction_id"
    return None


def _second_payment(order: Order, tx: Transaction, done) -> Outcome:
    """Another transaction for an order already paid: refunded, once, if WeChat Pay confirms it took
    that money for this order; the order and its certificate stay as they are.

    :raise PaymentRejected: WeChat Pay does not know it (a forged or foreign transaction id).
    """
    confirmed = _confirmed(tx)
    if confirmed is None:
        log.error("order %s: transaction %s is not one WeChat Pay knows for it", order.id, tx.transaction_id)
        done("rejected")
        raise PaymentRejected(f"transaction {tx.transaction_id} is unknown to WeChat Pay for this order")
    out_refund_no = f"RD{tx.transaction_id}"[:64]
    refund = db.session.execute(select(Refund).where(Refund.out_refund_no == out_refund_no)).scalar_one_or_none()
    if refund is None:
        refund = Refund(out_refund_no=out_refund_no, order_id=order.id, amount_fen=confirmed.amount_total,
                        reason="second payment of an order already paid", status="PROCESSING")
        db.session.add(refund)
    outcome = done("second_payment")  # on record before money moves; the same out_refund_no on retry
    if refund.status != "SUCCESS":
        try:
            result = wechat_pay().refund(out_refund_no=refund.out_refund_no, transaction_id=tx.transaction_id,
                                         refund_fen=refund.amount_fen, total_fen=refund.amount_fen,
                                         reason="重复支付，自动退款 paid twice")
        except WeChatError as exc:
            log.error("refund of second payment %s failed: %s", tx.transaction_id, exc.errcode)
            refund.status = "ABNORMAL"
        else:
            refund.refund_id, refund.status = result.refund_id, result.status
            refund.completed_at = utcnow() if result.status == "SUCCESS" else None
        db.session.commit()
    return Outcome(outcome.order_id, "second_payment_refunded")


def _confirmed(tx: Transaction) -> Transaction | None:
    """WeChat Pay's own record of a transaction, if it is a payment of this out_trade_no to us."""
    try:
        known = wechat_pay().query_transaction(tx.transaction_id)
    except WeChatError:
        return None
    if known is None or known.out_trade_no != tx.out_trade_no or known.trade_state not in ("SUCCESS", "REFUND"):
        return None
    return known


def refund_order(out_trade_no: str, *, reason: str) -> Order:
    """Refund through WeChat Pay, revoke the certificate, return the kilograms, reverse the ledger.

    :raise UnknownOrder: :raise NotRefundable: not paid, or already refunded. :raise RefundFailed:
    """
    order = lock_order(out_trade_no)
    if order is None:
        raise UnknownOrder()
    if order.status not in ("paid", "fulfilled", "review") or not order.transaction_id:
        db.session.rollback()
        raise NotRefundable(f"order {order.id} is {order.status}")
    refund = db.session.execute(select(Refund).where(Refund.out_refund_no == f"RF{order.out_trade_no}")
                                ).scalar_one_or_none()
    if refund is None:
        refund = Refund(out_refund_no=f"RF{order.out_trade_no}", order_id=order.id,
                        amount_fen=order.paid_fen or order.amount_fen, reason=reason[:200], status="PROCESSING")
        db.session.add(refund)
    db.session.commit()  # the refund is on record before money moves; the same out_refund_no on retry

    try:
        result = wechat_pay().refund(out_refund_no=refund.out_refund_no, out_trade_no=order.out_trade_no,
                                     refund_fen=refund.amount_fen, total_fen=refund.amount_fen, reason=reason)
    except WeChatError as exc:
        refund.status = "ABNORMAL"
        db.session.commit()
        raise RefundFailed(f"WeChat Pay refused the refund: {exc.errcode} {exc.errmsg}") from None

    order = lock_order(order.out_trade_no)
    refund.refund_id, refund.status = result.refund_id, result.status
    if result.status == "SUCCESS":
        refund.completed_at = utcnow()
    if order.status != "refunded":
        if order.certificate is not None:
            certificates.revoke(order.certificate, f"refunded: {reason}")
            ledger.record_refund(order)
        order.mark_refunded()
    db.session.commit()
    if order.certificate is not None:
        enqueue(MIRROR_LEADERBOARDS, order.certificate.id)
    return order
