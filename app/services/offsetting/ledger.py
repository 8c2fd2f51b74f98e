"""The money ledger: where every fen of an order goes. Append-only; helpers flush, never commit."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import insert, select

from app.extensions import db
from app.models import LedgerEntry, Order


def split(amount_fen: int, payment_rate: Decimal, platform_rate: Decimal) -> dict[str, int]:
    """Fees rounded half up to the fen; the owner gets the rest, so the three add up exactly."""
    payment_fee = int((amount_fen * payment_rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    platform_fee = int((amount_fen * platform_rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {"payment_fees": payment_fee, "platform": platform_fee,
            "owner": amount_fen - payment_fee - platform_fee}


_INSERT_ENTRIES = insert(LedgerEntry.__table__)  # Core: written in every fulfilment, never read back there


def record_sale(order: Order) -> list[dict]:
    """Three entries for a fulfilled order, in one statement; the unique keys make a second call
    impossible. Returns the entries written."""
    shares = split(order.amount_fen, current_app.config["PAYMENT_FEE_RATE"], current_app.config["PLATFORM_FEE_RATE"])
    entries = [
        {"idempotency_key": f"sale:{order.id}:{account}", "order_id": order.id, "project_id": order.project_id,
         "organization_id": order.project.owner_id if account == "owner" else None,
         "account": account, "kind": "sale", "amount_fen": amount}
        for account, amount in shares.items()
    ]
    db.session.execute(_INSERT_ENTRIES, entries)
    return entries


def record_refund(order: Order) -> list[LedgerEntry]:
    """The sale's entries negated (corrections are new entries, never edits)."""
    sales = db.session.execute(
        select(LedgerEntry).where(LedgerEntry.order_id == order.id, LedgerEntry.kind == "sale")
    ).scalars().all()
    entries = [
        LedgerEntry(idempotency_key=f"refund:{order.id}:{e.account}", order_id=order.id, project_id=e.project_id,
                    organization_id=e.organization_id, account=e.account, kind="refund", amount_fen=-e.amount_fen)
        for e in sales
    ]
    db.session.add_all(entries)
    return entries
