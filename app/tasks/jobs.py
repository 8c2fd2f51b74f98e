"""The jobs `flask worker` runs (or app.tasks.queue runs inline): each takes ids, reads what was committed,
calls one service, and is idempotent (a retry, or a second run, changes nothing)."""
from __future__ import annotations

import logging
import secrets

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import load_only, raiseload

from app.extensions import db
from app.models import Certificate, Order
from app.services.offsetting import certificate_images, leaderboards
from app.services.ops import reconcile

log = logging.getLogger("diandian.tasks")

# How long the worker waits for a heavy slot (app.capacity) before a render is retried later: a worker
# may wait where a guest's request may not, but never past RQ's job timeout.
RENDER_SLOT_WAIT_SECONDS = 30


# A certificate with what its jobs need of it and its order, in one statement built once (the worker runs it
# for every payment): the boards it counts on (its kind, guest, scenario and day), the serial its pictures are
# stored under, the language and organisation of the order. Not the scenario, project and claims its model
# loads by default (a second statement, ~60 columns); what is left out raises when read.
_WITH_ORDER = (select(Certificate, Order.organization_name, Order.lang)
               .join(Order, Order.id == Certificate.order_id).where(Certificate.id == bindparam("id"))
               .options(load_only(Certificate.id, Certificate.serial, Certificate.kind, Certificate.user_id,
                                  Certificate.scenario_id, Certificate.issued_at, raiseload=True),
                        raiseload("*")))


def after_fulfilment(certificate_id: int) -> int:
    """After a fulfilment, its work in one job: the Redis mirror of the boards, then the pictures (unless
    QUEUE_PRERENDER_LANGS is empty). One job, not one for each: RQ's bookkeeping is ~7 ms of the worker's
    CPU a job and an enqueue ~0.3 ms of the guest's confirm. Both parts are idempotent, so RQ's retry of a
    failed job (a render slot not free in time, say) runs the mirror again harmlessly. Returns how many
    pictures were drawn."""
    found = _mirror(certificate_id)
    if found is None or not current_app.config["QUEUE_PRERENDER_LANGS"]:
        return 0
    return _prerender(*found)


def mirror_leaderboards(certificate_id: int) -> bool:
    """After a refund: copy the committed leaderboard rows of this certificate to Redis. Reads the rows as
    they are when it runs, so a late or repeated run writes the current truth. False: the certificate is gone."""
    return _mirror(certificate_id) is not None


def prerender_certificate(certificate_id: int) -> int:
    """Draw a certificate's pictures (jobs enqueued under this name before after_fulfilment existed still
    run). Returns how many were drawn."""
    row = db.session.execute(_WITH_ORDER, {"id": certificate_id}).one_or_none()
    found = (row.Certificate.serial, row.lang) if row is not None else None
    db.session.rollback()
    return _prerender(*found) if found is not None else 0


def _mirror(certificate_id: int) -> tuple[str, str | None] | None:
    """Mirror the certificate's board rows to Redis; returns its serial and its order's language, or None
    when it is gone (erased). Both are read before the rollback, which expires what was loaded: reading them
    after would load the whole certificate again."""
    row = db.session.execute(_WITH_ORDER, {"id": certificate_id}).one_or_none()
    found = None
    if row is not None:
        leaderboards.sync(row.Certificate, row.organization_name)
        found = row.Certificate.serial, row.lang
    db.session.rollback()
    return found


def _prerender(serial: str, ordered_in: str | None) -> int:
    """Both variants in the language the guest ordered in (else QUEUE_PRERENDER_LANGS) into storage, where
    the guest's GET of the image finds them. Pictures already stored are skipped."""
    langs = (ordered_in,) if ordered_in else current_app.config["QUEUE_PRERENDER_LANGS"]
    wait = RENDER_SLOT_WAIT_SECONDS if current_app.config["QUEUE_MODE"] == "redis" else None
    return certificate_images.prerender(serial, langs, wait=wait)


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
