"""Certificates: issuing (inside fulfilment), public look-up, revocation (inside refunds).

Serials look like `DD-7Q2M-K9XH-40TB-V`: 12 random Crockford base-32 symbols (60 bits: cannot be
enumerated) and a Luhn mod-32 check symbol from the same alphabet, so a serial is always plain letters and
digits (safe in URLs, QR codes and CSV) and any single mistyped symbol or swapped neighbour pair is
rejected before any look-up. (Crockford's own mod-37 check adds `*~$=U`, which broke URLs and copy-paste.)
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, load_only

from app.domain.claims import covered_sections
from app.domain.money import minimum_kg
from app.errors import NotFound
from app.extensions import db, own_transaction
from app.i18n import LANGUAGES, N_, translate
from app.models import (
    Certificate,
    CreditClaim,
    CreditUnit,
    EventNeutralisation,
    Footprint,
    Order,
    Project,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.services.offsetting import credits, leaderboards, stock

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


def get_certificate(serial: str) -> Certificate:
    """:raise CertificateNotFound:"""
    return find_certificate(serial)[0]


# The certificate page's reads, built once (the serial bound at execution).
_SHOWS = sa.func.coalesce(sa.and_(User.show_on_leaderboard.is_(True), User.erased_at.is_(None)), False)
_BY_SERIAL = (select(Certificate, _SHOWS).outerjoin(User, User.id == Certificate.user_id)
              .where(Certificate.serial == bindparam("serial")).options(joinedload(Certificate.claims)))
_FOOTPRINT_ITEMS = select(Footprint.items).where(Footprint.id == bindparam("footprint_id"))
# The public record (schemas.offsetting.certificates.CertificateSchema) reads only these: not the scenario's
# texts and organisation, the project's description and owner, the units' blocks that the models join by
# default (71 columns a read before, 28 now). What is left out raises when read, rather than loading unseen.
# The footprint's line items come in the same statement (its covered sections are shown).
_BY_SERIAL_FOR_VIEW = own_transaction(_BY_SERIAL.add_columns(Footprint.items).outerjoin(
    Footprint, Footprint.id == Certificate.footprint_id).options(
    load_only(Certificate.serial, Certificate.order_id, Certificate.kind, Certificate.user_id,
              Certificate.footprint_id, Certificate.scenario_id, Certificate.project_id, Certificate.holder,
              Certificate.kg, Certificate.status, Certificate.issued_at, Certificate.revoked_at, raiseload=True),
    joinedload(Certificate.scenario).load_only(Scenario.code, Scenario.title, Scenario.title_en, raiseload=True)
    .raiseload("*"),
    joinedload(Certificate.project).load_only(Project.code, Project.name, Project.name_en, Project.standard,
                                              raiseload=True).raiseload("*"),
    joinedload(Certificate.claims).load_only(CreditClaim.unit_id, CreditClaim.kg, raiseload=True)
    .joinedload(CreditClaim.unit).load_only(CreditUnit.serial, raiseload=True).raiseload("*")),
    unique=lambda row: row[0])

# A certificate's picture (services.offsetting.certificate_images.certificate_data) reads only these: the
# texts it draws and what the key names, not the units' blocks, the scenario's organisation and settings,
# the project's description and owner. What is left out raises when read.
_FOR_PICTURE = _BY_SERIAL.add_columns(Footprint.items).outerjoin(
    Footprint, Footprint.id == Certificate.footprint_id).options(
    load_only(Certificate.serial, Certificate.order_id, Certificate.kind, Certificate.footprint_id,
              Certificate.scenario_id, Certificate.project_id, Certificate.holder, Certificate.kg,
              Certificate.status, Certificate.issued_at, Certificate.revoked_at, raiseload=True),
    joinedload(Certificate.scenario).load_only(
        Scenario.kind, Scenario.title, Scenario.title_en, Scenario.venue, Scenario.venue_en, Scenario.city,
        Scenario.city_en, Scenario.texts, Scenario.starts_at, raiseload=True).raiseload("*"),
    joinedload(Certificate.project).load_only(Project.name, Project.name_en, Project.standard,
                                              raiseload=True).raiseload("*"),
    joinedload(Certificate.claims).load_only(CreditClaim.unit_id, raiseload=True)
    .joinedload(CreditClaim.unit).load_only(CreditUnit.serial, raiseload=True).raiseload("*"))


def find_certificate(serial: str) -> tuple[Certificate, bool]:
    """The certificate with its claims, and whether its guest shows (holder_shown's rule), in one
    statement. :raise CertificateNotFound:"""
    row = _certificate_row(serial, _BY_SERIAL)
    return row[0], bool(row[1])


def certificate_for_picture(serial: str) -> tuple[Certificate, bool, list | None]:
    """The certificate narrowed to what its pictures draw (_FOR_PICTURE), whether its guest shows, and its
    footprint's line items (the sections it covers), in one statement. :raise CertificateNotFound:"""
    certificate, shows, items = _certificate_row(serial, _FOR_PICTURE)
    return certificate, bool(shows), items


def _certificate_row(serial: str, statement):
    """:raise CertificateNotFound:"""
    canonical = normalise_serial(serial)
    # One row per claim (they are joined): one certificate. By the certificate, not the whole row, which
    # may hold a JSON document (not hashable).
    row = canonical and db.session.execute(statement, {"serial": canonical}).unique(
        lambda row: row[0]).one_or_none()
    if not row:
        raise CertificateNotFound()
    return row


@dataclass(frozen=True)
class CertificateView:
    """A certificate with what its public record shows: for an event certificate, both parts of the claim;
    whether its holder text may be printed (else the mask of app.domain.privacy)."""

    certificate: Certificate
    event: dict | None
    holder_shown: bool = True
    covers: tuple[str, ...] = ()  # a personal claim's sections (app.domain.claims)


def certificate_view(serial: str) -> CertificateView:
    """The public record behind GET /certificates/<serial>. :raise CertificateNotFound:"""
    certificate, shows, items = _certificate_row(serial, _BY_SERIAL_FOR_VIEW)
    return CertificateView(certificate=certificate, event=event_claim(certificate),
                           holder_shown=certificate.kind == "event" or bool(shows),
                           covers=claim_sections(certificate, items))


def claim_sections(certificate: Certificate, items: list | None = None) -> tuple[str, ...]:
    """The sections a personal certificate neutralised, from its footprint's line items (() for an event's);
    `items` when the caller read them with the certificate, else they are read here."""
    if certificate.kind == "event" or not certificate.footprint_id:
        return ()
    if items is None:
        items = db.session.execute(_FOOTPRINT_ITEMS, {"footprint_id": certificate.footprint_id}).scalar()
    return covered_sections(items)


def holder_shown(certificate: Certificate) -> bool:
    """May public surfaces print this certificate's holder text?

    An event certificate's holder is the organising organisation: always. A personal certificate's holder
    (the typed beneficiary or the nickname) only while its guest shows on leaderboards and is not erased.
    """
    if certificate.kind == "event":
        return True
    return certificate.user_id is not None and certificate.user_id in shown_guests([certificate.user_id])


def shown_guests(user_ids) -> set[int]:
    """Of these guests, those who chose to show (and were not erased)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return set()
    return set(db.session.execute(select(User.id).where(
        User.id.in_(ids), User.show_on_leaderboard.is_(True), User.erased_at.is_(None))).scalars())


# What an event certificate covers, in the words the API, the verify page and the image use: a msgid of
# the catalogue (app/i18n.py), said in each of its languages by boundary_texts().
BOUNDARY = N_(
    "This certificate covers the event's own emissions: venue electricity (on the venue's regional grid), "
    "catering, materials and staff travel, plus the attendees' travel and stay as estimated by the organiser. "
    "Attendees who neutralised their own trip count through their personal certificates, never beyond that "
    "estimate; the organiser covered the rest. Attendees' travel and life outside the event are not covered.")


def boundary_texts() -> dict[str, str]:
    """The boundary sentence in every language ({"zh": ..., "en": ..., "fr": ..., ...}): the API's
    `event.boundary` (zh and en since it exists, the other four added)."""
    return {lang: translate(BOUNDARY, lang) for lang in LANGUAGES}


def event_claim(certificate: Certificate) -> dict | None:
    """Both parts of an event certificate's claim and its boundary; None for a personal certificate.

    The top-up behind it (services.console.events) recorded the event total, the guests' credited share
    and the remainder the organiser paid for.
    """
    if certificate.kind != "event":
        return None
    found = db.session.execute(select(EventNeutralisation).options(joinedload(EventNeutralisation.footprint))
                               .where(EventNeutralisation.order_id == certificate.order_id)).scalar_one_or_none()
    if found is None:
        return None
    fp = found.footprint
    return {
        "total_kg": found.total_kg, "topup_kg": found.topup_kg, "guests_kg": found.guests_kg,
        "guest_certificates": found.guest_certificates, "credited_guests_kg": found.credited_guests_kg,
        "operations_kg": minimum_kg(fp.operations_kg), "attendees_kg": int(fp.attendees_kg),
        "factor_set": fp.factor_set, "items": fp.items, "boundary": boundary_texts(),
    }


def issue(order: Order, user: User | None) -> Certificate:
    """Claim the order's kilograms and record the certificate. Flushes, never commits.

    A guest's order gives a personal certificate (holder: the beneficiary or the guest's nickname); an
    organiser's top-up gives the event certificate (holder: the organisation), which is not a participant.
    :raise credits.UnitsDisagree: the stock and the units disagree (the caller lets it roll back).
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
    # Last, so that its rows (the guest's, and an organisation's that many guests name) stay locked only
    # for the commit: the scenario's participants and kilograms are read from these rows.
    leaderboards.record(certificate, order.organization_name)
    return certificate


def revoke(certificate: Certificate, reason: str) -> None:
    """Mark revoked and return its kilograms to the pool. Flushes, never commits."""
    if certificate.status == "revoked":
        return
    certificate.status, certificate.revoked_at, certificate.revocation_reason = "revoked", utcnow(), reason[:200]
    stock.unclaim(certificate.order, credits.release(certificate.claims))
    db.session.flush()
    leaderboards.unrecord(certificate, certificate.order.organization_name)

