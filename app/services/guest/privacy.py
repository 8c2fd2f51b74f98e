"""The guest's personal data (PIPL): export everything held about them, erase it, and forget old scans.

What erasure keeps: the certificates, their claims on retired units, the orders' amounts and the ledger,
so the public registry and every total stay whole. They stay pseudonymous: they point at the guest's
row, which then holds nothing of the person (a random tombstone instead of the openid, no unionid,
nickname or avatar), and their texts typed by the guest (beneficiary, organisation, the certificate's
holder) and the footprints' places and inputs are gone. See README.md, "Privacy".
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.auth import forget_token_version
from app.domain.privacy import masked_name, without_places
from app.extensions import db
from app.i18n import translate
from app.models import (
    Certificate,
    Footprint,
    LeaderboardEntry,
    LedgerEntry,
    Order,
    PaymentNotification,
    Refund,
    Scan,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.services.guest.footprints import owner_id
from app.services.locks import lock_for_write
from app.services.offsetting import certificate_images, leaderboards

log = logging.getLogger("diandian.privacy")

TOMBSTONE_PREFIX = "erased:"
PURGE_BATCH = 1000


# -- export ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Export:
    """Everything held about one guest, loaded for the export schema to dump (no lazy loads left)."""

    user: User
    footprints: list[Footprint]
    scans: list  # rows: id, scenario, source, tag, created_at
    orders: list[Order]
    notifications: list[PaymentNotification]
    refunds: list[Refund]
    ledger: list[LedgerEntry]
    certificates: list[Certificate]
    leaderboard: list[LeaderboardEntry]
    exported_at: datetime


def export(user: User) -> Export:
    """GET /api/v1/me/export: the profile, footprints (inputs and items), scans still linked, orders, the
    payment notifications and refunds of those orders and their ledger split, certificates, leaderboard rows.

    Footprints are the guest's own and the anonymous ones they ordered first (owner_id), like GET /footprints.
    """
    orders = list(db.session.execute(select(Order).where(Order.user_id == user.id)
                                     .order_by(Order.created_at, Order.id)).scalars())
    order_ids = [o.id for o in orders]
    trade_nos = [o.out_trade_no for o in orders]
    return Export(
        user=user,
        footprints=_owned_footprints(user.id, orders),
        scans=list(db.session.execute(
            select(Scan.id, Scenario.code.label("scenario"), Scan.source, Scan.tag, Scan.created_at)
            .join(Scenario, Scenario.id == Scan.scenario_id).where(Scan.user_id == user.id)
            .order_by(Scan.created_at, Scan.id)).all()),
        orders=orders,
        notifications=list(db.session.execute(
            select(PaymentNotification).where(PaymentNotification.out_trade_no.in_(trade_nos))
            .order_by(PaymentNotification.id)).scalars()) if trade_nos else [],
        refunds=list(db.session.execute(select(Refund).where(Refund.order_id.in_(order_ids))
                                        .order_by(Refund.id)).scalars()) if order_ids else [],
        ledger=list(db.session.execute(select(LedgerEntry).where(LedgerEntry.order_id.in_(order_ids))
                                       .order_by(LedgerEntry.id)).scalars()) if order_ids else [],
        certificates=list(db.session.execute(select(Certificate).where(Certificate.user_id == user.id)
                                             .order_by(Certificate.issued_at, Certificate.id)).scalars()),
        leaderboard=list(db.session.execute(select(LeaderboardEntry).where(LeaderboardEntry.user_id == user.id)
                                            .order_by(LeaderboardEntry.board)).scalars()),
        exported_at=utcnow(),
    )


def _owned_footprints(user_id: int, orders: list[Order]) -> list[Footprint]:
    own = list(db.session.execute(select(Footprint).where(Footprint.user_id == user_id)
                                  .order_by(Footprint.created_at, Footprint.id)).scalars())
    ordered = {o.footprint_id for o in orders if o.footprint_id}
    anonymous = list(db.session.execute(select(Footprint).where(
        Footprint.id.in_(ordered), Footprint.user_id.is_(None)).order_by(Footprint.created_at)).scalars()) \
        if ordered else []
    return own + [fp for fp in anonymous if owner_id(fp) == user_id]


# -- erasure ----------------------------------------------------------------------------------------------
def erase(user_id: int) -> bool:
    """DELETE /api/v1/me: erase the guest's personal data and end their tokens. One transaction.

    Idempotent: an erased guest is left as is (False). Under the guest's row lock, so two requests at
    once erase once, and a fulfilment recording an organisation for them waits or is waited for
    (leaderboards.record takes the same lock).
    """
    lock_for_write()
    user = db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None or user.erased_at is not None:
        return False
    orders = list(db.session.execute(select(Order).where(Order.user_id == user_id)).scalars())
    footprints = _owned_footprints(user_id, orders)
    serials = list(db.session.execute(select(Certificate.serial).where(Certificate.user_id == user_id)).scalars())

    # Off the boards first, while the organisation names are still there to find the rows.
    user.show_on_leaderboard, user.show_places = False, False
    db.session.flush()
    touched = leaderboards.refresh_guest(user_id)

    db.session.execute(update(Order).where(Order.user_id == user_id)
                       .values(beneficiary=None, organization_name=None))
    # The holder text was the typed beneficiary or the nickname: the stored value becomes the mask.
    db.session.execute(update(Certificate).where(Certificate.user_id == user_id, Certificate.kind == "personal")
                       .values(holder=masked_name("zh", translate)))
    for fp in footprints:
        # Every line keeps its method, factor and kilograms (the certificate's proof); the places go.
        fp.items = [without_places(item) for item in fp.items]
        fp.inputs = {}
    db.session.execute(update(Scan).where(Scan.user_id == user_id).values(user_id=None))
    user.openid = TOMBSTONE_PREFIX + secrets.token_hex(24)  # random: no login can ever match it again
    user.unionid = None
    user.nickname = ""
    user.avatar_url = None
    user.token_version = (user.token_version or 1) + 1
    user.erased_at = utcnow()
    db.session.commit()

    forget_token_version(user_id, user.token_version)
    leaderboards.sync_rows(touched)
    store = certificate_images.storage()
    for serial in serials:  # renders that printed the holder's name
        store.delete_serial(serial)
    log.info("erased user=%s footprints=%s orders=%s certificates=%s", user_id, len(footprints), len(orders),
             len(serials))
    return True


# -- retention --------------------------------------------------------------------------------------------
def purge_scans(*, retention_days: int, batch_size: int = PURGE_BATCH, now: datetime | None = None) -> int:
    """Unlink scans older than the retention period from their guest (scans.user_id = NULL), in batches.

    Each batch is its own short transaction (a batch job, not a request: one huge UPDATE would hold its
    locks against a door rush). Scans themselves stay (the door counts); only who scanned goes.
    Returns how many scans were unlinked.
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    total = 0
    while True:
        ids = list(db.session.execute(select(Scan.id).where(Scan.user_id.is_not(None), Scan.created_at < cutoff)
                                      .order_by(Scan.id).limit(batch_size)).scalars())
        if not ids:
            break
        db.session.execute(update(Scan).where(Scan.id.in_(ids)).values(user_id=None))
        db.session.commit()
        total += len(ids)
        if len(ids) < batch_size:
            break
    log.info("purged scans=%s older_than_days=%s", total, retention_days)
    return total
