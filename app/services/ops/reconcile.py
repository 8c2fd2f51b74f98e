"""Reconciliation with WeChat Pay (`flask reconcile`): WeChat does not guarantee a notification arrives.

Orders still pending are asked about: those WeChat reports paid are settled through the same path as a
notification, the expired ones are closed (freeing their hold); orders left paid but unfulfilled are
refunded.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from app.errors import AppError
from app.extensions import db
from app.models import Order
from app.models.base import utcnow
from app.services.offsetting import orders, payments, stock
from app.wechat import wechat_pay
from app.wechat.exceptions import WeChatError
from app.wechat.pay import PayError

log = logging.getLogger("diandian.reconcile")


def reconcile() -> dict[str, int]:
    """Ask WeChat Pay about orders still pending: fulfil those it reports paid, close the expired ones.

    Also retries orders left paid but unfulfilled. Returns counts per outcome.
    """
    counts: dict[str, int] = {}
    released = stock.expire_lapsed()  # lapsed holds back to the stock even if WeChat cannot be asked
    db.session.commit()
    if released:
        counts["holds_released"] = released
    now = utcnow()
    pending = db.session.execute(
        select(Order.out_trade_no, Order.status, Order.expires_at).where(Order.status.in_(("pending", "paid")))
        .order_by(Order.created_at)
    ).all()
    db.session.rollback()
    pay = wechat_pay()
    for out_trade_no, status, expires_at in pending:
        try:
            tx = pay.query(out_trade_no)
        except WeChatError as exc:
            log.warning("reconcile: query %s failed: %s", out_trade_no, exc.errcode)
            counts["unreachable"] = counts.get("unreachable", 0) + 1
            continue
        if tx is not None and tx.trade_state in ("SUCCESS", "REFUND"):
            if status == "pending":
                try:
                    result = payments.settle(tx, source="reconcile").result
                except payments.PaymentRejected:
                    result = "rejected"
            else:
                result = _retry_paid(out_trade_no)
        elif expires_at <= now:
            result = _close_expired(out_trade_no)
        else:
            result = "waiting"
        counts[result] = counts.get(result, 0) + 1
    return counts


def _retry_paid(out_trade_no: str) -> str:
    """A paid order whose fulfilment did not finish: refund it (its hold is gone, stock may be too)."""
    try:
        payments.refund_order(out_trade_no, reason="支付后未能完成，自动退款 not fulfilled")
        return "refunded"
    except AppError as exc:
        log.error("reconcile: refund of %s failed: %s", out_trade_no, exc.code)
        return "refund_failed"


def _close_expired(out_trade_no: str) -> str:
    try:
        wechat_pay().close(out_trade_no)
    except PayError as exc:
        if exc.code == "ORDERPAID":  # paid at the last moment: settle on the next run
            return "waiting"
        if exc.code != "ORDER_NOT_EXIST":
            raise
    except WeChatError:
        return "unreachable"
    order = payments.lock_order(out_trade_no)
    if order.status == "pending":
        orders.close(order)
    db.session.commit()
    return "closed"
