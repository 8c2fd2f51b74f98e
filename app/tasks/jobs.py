"""The jobs `flask worker` runs (or app.tasks.queue runs inline): each takes ids, reads what was committed,
calls one service, and is idempotent (a retry, or a second run, changes nothing)."""
from __future__ import annotations

import logging
import secrets

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Certificate, Order
from app.services.offsetting import certificate_images, leaderboards
from app.services.ops import reconcile

log = logging.getLogger("diandian.tasks")

# How long the worker waits for a heavy slot (app.capacity) before a render is retried later: a worker
# may wait where a guest's request may not, but never past RQ's job timeout.
RENDER_SLOT_WAIT_SECONDS = 30


def prerender_certificate(certificate_id: int) -> int:
    """After fulfilment: draw both variants in the language the guest ordered in (else QUEUE_PRERENDER_LANGS)
    into storage, where the guest's GET of the image finds them. Pictures already stored are skipped.
    Returns how many were drawn."""
    ordered_in = db.session.execute(select(Order.lang).join(Certificate, Certificate.order_id == Order.id)
                                    .where(Certificate.id == certificate_id)).scalar()
    langs = (ordered_in,) if ordered_in else current_app.config["QUEUE_PRERENDER_LANGS"]
    wait = RENDER_SLOT_WAIT_SECONDS if current_app.config["QUEUE_MODE"] == "redis" else None
    return certificate_images.prerender(certificate_id, langs, wait=wait)


def mirror_leaderboards(certificate_id: int) -> bool:
    """After a fulfilment or a refund: copy the committed leaderboard rows of this certificate to Redis.
    Reads the rows as they are when it runs, so a late or repeated run writes the current truth."""
    row = db.session.execute(select(Certificate, Order.organization_name).join(Order, Order.id == Certificate.order_id)
                             .where(Certificate.id == certificate_id)).one_or_none()
    if row is None:
        return False
    leaderboards.sync(row[0], row[1])
    db.session.rollback()
    return True


def reconcile_orders() -> dict[str, int] | None:
    """Periodic (every QUEUE_RECONCILE_SECONDS, the worker's schedule): ask WeChat Pay about pending orders,
    fulfil the paid ones, close the expired ones (services.ops.reconcile).

    Every worker's schedule enqueues it, so it runs only where it takes two locks in Redis: one held while
    it runs (never two at once, on any host) and one kept for most of the period (once per period, even
    when two schedules fire seconds apart). Returns the counts, or None when another worker had it.
    """
    redis, period = current_app.extensions["redis"], current_app.config["QUEUE_RECONCILE_SECONDS"]
    key = f"diandian:periodic:{current_app.config['QUEUE_NAME']}:reconcile"
    if not redis.set(f"{key}:period", secrets.token_hex(8), nx=True, ex=max(1, period - max(1, period // 6))):
        return None
    lock = redis.lock(f"{key}:running", timeout=600, blocking=False)
    if not lock.acquire():
        return None
    try:
        counts = reconcile.reconcile()
    finally:
        lock.release()
    if counts:
        log.info("reconcile: %s", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return counts
