"""Certificates: issuing (inside fulfilment), public look-up, revocation (inside refunds).

Serials look like `DD-7Q2M-K9XH-40TB-V`: 12 random Crockford base-32 symbols (60 bits: cannot be
enumerated) and a Luhn mod-32 check symbol from the same alphabet, so a serial is always plain letters and
digits (safe in URLs, QR codes and CSV) and any single mistyped symbol or swapped neighbour pair is
rejected before any look-up. (Crockford's own mod-37 check adds `*~$=U`, which broke URLs and copy-paste.)
"""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, select, update

from app.errors import NotFound
from app.extensions import db
from app.models import Certificate, Order, Scenario, User
from app.models.base import utcnow
from app.services import credits, leaderboard

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class CertificateNotFound(NotFound):
    code = "certificate_not_found"


def _check_symbol(body: str) -> str:
    """Luhn mod N (N = 32): catches every single-symbol error and nearly all adjacent swaps."""
    n, total, factor = len(ALPHABET), 0, 2
    for ch in reversed(body):
        addend = factor * ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 3 - factor
    return ALPHABET[(n - total % n) % n]


def new_serial() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"DD-{body[:4]}-{body[4:8]}-{body[8:]}-{_check_symbol(body)}"


def normalise_serial(text: str) -> str | None:
    """Canonical form of a typed serial, or None when it cannot be one of ours (bad check symbol)."""
    raw = text.strip().upper().replace("-", "").replace(" ", "")
    raw = raw.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(raw) != 15 or not raw.startswith("DD"):
        return None
    body, check = raw[2:14], raw[14]
    if any(ch not in ALPHABET for ch in body) or _check_symbol(body) != check:
        return None
    return f"DD-{body[:4]}-{body[4:8]}-{body[8:]}-{check}"


def urls(serial: str) -> dict[str, str]:
    base = current_app.config["PUBLIC_BASE_URL"]
    return {"verify_url": f"{base}/verify/{serial}", "image_url": f"{base}/api/v1/certificates/{serial}/image.png"}


def get_certificate(serial: str) -> Certificate:
    """:raise CertificateNotFound:"""
    canonical = normalise_serial(serial)
    certificate = canonical and db.session.execute(
        select(Certificate).where(Certificate.serial == canonical)).scalar_one_or_none()
    if not certificate:
        raise CertificateNotFound()
    return certificate


def issue(order: Order, user: User | None) -> Certificate:
    """Claim the order's kilograms and record the certificate. Flushes, never commits.

    A guest's order gives a personal certificate (holder: the beneficiary or the guest's nickname); an
    organiser's top-up gives the event certificate (holder: the organisation), which is not a participant.
    :raise credits.InsufficientStock: the caller refunds.
    """
    serial = new_serial()
    event = order.kind == "event"
    certificate = Certificate(
        serial=serial, order_id=order.id, user_id=order.user_id, footprint_id=order.footprint_id,
        scenario_id=order.scenario_id, project_id=order.project_id, kg=order.kg, status="valid",
        kind="event" if event else "personal",
        holder=(order.beneficiary or (user.nickname if user else "") or "—")[:64], issued_at=utcnow(),
    )
    db.session.add(certificate)
    db.session.flush()
    credits.claim(order.project_id, order.kg, certificate.id,
                  reason=f"Diandian pooled retirement, first claimed by certificate {serial}")
    if not event:
        _count(order.scenario_id, order.user_id, order.kg, joining=True)
    leaderboard.record(certificate, order.organization_name)
    return certificate


def revoke(certificate: Certificate, reason: str) -> None:
    """Mark revoked and return its kilograms to the pool. Flushes, never commits."""
    if certificate.status == "revoked":
        return
    certificate.status, certificate.revoked_at, certificate.revocation_reason = "revoked", utcnow(), reason[:200]
    credits.release(certificate.claims, certificate.project_id)
    db.session.flush()
    if certificate.kind != "event":
        _count(certificate.scenario_id, certificate.user_id, -certificate.kg, joining=False)
    leaderboard.unrecord(certificate, certificate.order.organization_name)


def _count(scenario_id: int, user_id: int, kg: int, *, joining: bool) -> None:
    """Keep the scenario's participants and kilograms in step (atomic UPDATEs, no read-modify-write).

    The scenario row is locked first (PostgreSQL; SQLite's write lock is held already), so two of one
    guest's orders on different projects, fulfilled at the same instant, cannot both count them as new.
    Lock order everywhere: the order, its project, then the scenario.
    """
    db.session.execute(select(Scenario.id).where(Scenario.id == scenario_id).with_for_update())
    others = db.session.execute(select(func.count(Certificate.id)).where(
        Certificate.scenario_id == scenario_id, Certificate.user_id == user_id,
        Certificate.status == "valid", Certificate.kind == "personal")).scalar_one()
    # After a new certificate the guest has `others` valid ones (this one included); after a revocation,
    # `others` excludes it.
    delta = (1 if others == 1 else 0) if joining else (-1 if others == 0 else 0)
    db.session.execute(update(Scenario).where(Scenario.id == scenario_id).values(
        neutralized_kg=Scenario.neutralized_kg + kg, participants=Scenario.participants + delta))
