"""Public proof: a certificate's full story (verify page) and the registry of retired credit units.

Everything here is read-only and public: anyone can check that a certificate's kilograms come from
specific retired units and that no unit is claimed past 1,000 kg.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import load_only, raiseload

from app.extensions import db
from app.models import Certificate, CreditClaim, CreditUnit, Footprint, LedgerEntry, Order, Project, User
from app.models.project import KG_PER_UNIT
from app.services.guest.footprints import owner_id
from app.services.offsetting.certificates import event_claim, get_certificate, holder_shown
from app.services.offsetting.projects import ProjectNotFound, get_project


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    order: Order
    footprint: Footprint | None  # None for an event certificate: see `event`
    event: dict | None  # both parts of an event certificate's claim (certificates.event_claim)
    claims: list[CreditClaim]
    money: dict[str, int]  # account -> fen (sale minus refunds)
    refunded: bool
    holder_shown: bool = True  # else the page prints the mask (app.domain.privacy)
    places_shown: bool = False  # the footprint's places, which its holder opted in to show


# What the verify page shows of the order (what was paid, for how many kilograms at what price), in one
# statement: not its project and owner, nor its certificate and the certificate's claims, which the model
# loads by default (three statements, the certificate the page already holds read again). What is left out
# raises when read.
_ORDER_PAID = (select(Order).where(Order.id == bindparam("order_id"))
               .options(load_only(Order.id, Order.kg, Order.amount_fen, Order.price_fen_per_tonne, raiseload=True),
                        raiseload("*")))


def verification(serial: str) -> Verification:
    """The verify page's record. Places are named only when the holder opted in (`show_places`) and the
    footprint is theirs (someone who ordered another guest's anonymous footprint cannot unveil it).

    :raise CertificateNotFound:
    """
    certificate = get_certificate(serial)
    order = db.session.execute(_ORDER_PAID, {"order_id": certificate.order_id}).scalar_one()
    footprint = db.session.get(Footprint, certificate.footprint_id) if certificate.footprint_id else None
    shown = holder_shown(certificate)
    places = False
    if footprint is not None and certificate.user_id is not None and shown:
        opted_in = db.session.execute(select(User.show_places).where(User.id == certificate.user_id)).scalar()
        places = bool(opted_in) and owner_id(footprint) == certificate.user_id
    money: dict[str, int] = {"payment_fees": 0, "platform": 0, "owner": 0}
    refunded = False
    for entry in db.session.execute(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).scalars():
        money[entry.account] += entry.amount_fen
        refunded = refunded or entry.kind == "refund"
    return Verification(certificate=certificate, order=order, footprint=footprint, event=event_claim(certificate),
                        claims=list(certificate.claims), money=money, refunded=refunded, holder_shown=shown,
                        places_shown=places)


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    units: int
    retired_units: int
    full_units: int
    claimed_kg: int
    max_unit_kg: int


def summaries() -> list[ProjectSummary]:
    """Per project: units held and retired, kilograms claimed, and the fullest unit (never over 1,000)."""
    stats = {row.project_id: row for row in db.session.execute(
        select(CreditUnit.project_id, func.count(CreditUnit.id).label("units"),
               func.count(CreditUnit.retired_at).label("retired"),
               func.sum(sa.case((CreditUnit.claimed_kg >= KG_PER_UNIT, 1), else_=0)).label("full"),
               func.coalesce(func.sum(CreditUnit.claimed_kg), 0).label("claimed"),
               func.coalesce(func.max(CreditUnit.claimed_kg), 0).label("max_kg"))
        .group_by(CreditUnit.project_id)).all()}
    out = []
    for project in db.session.execute(select(Project).order_by(Project.code)).scalars():
        row = stats.get(project.id)
        out.append(ProjectSummary(project=project, units=row.units if row else 0,
                                  retired_units=row.retired if row else 0, full_units=int(row.full or 0) if row else 0,
                                  claimed_kg=int(row.claimed) if row else 0, max_unit_kg=int(row.max_kg) if row else 0))
    return out


@dataclass(frozen=True)
class UnitRecord:
    unit: CreditUnit
    claims: list[tuple[CreditClaim, Certificate]]


def retired_units(project: Project, *, offset: int = 0, limit: int = 100) -> tuple[list[UnitRecord], int]:
    """One page of a project's retired units (allocation order), each with the certificates claiming it."""
    base = select(CreditUnit).where(CreditUnit.project_id == project.id, CreditUnit.retired_at.is_not(None))
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    units = db.session.execute(base.order_by(CreditUnit.vintage, CreditUnit.serial)
                               .offset(offset).limit(limit)).scalars().all()
    claims: dict[int, list] = {u.id: [] for u in units}
    if units:
        for claim, certificate in db.session.execute(
                select(CreditClaim, Certificate).join(Certificate, Certificate.id == CreditClaim.certificate_id)
                .where(CreditClaim.unit_id.in_(list(claims))).order_by(CreditClaim.id)).all():
            claims[claim.unit_id].append((claim, certificate))
    return [UnitRecord(unit=u, claims=claims[u.id]) for u in units], total


@dataclass(frozen=True)
class RegistryPage:
    """Every project's totals and, when one is asked for, a page of its retired units."""

    summaries: list[ProjectSummary]
    project: Project | None
    units: list[UnitRecord]
    total: int


def page(project_code: str | None, *, offset: int = 0, limit: int = 100, unknown_ok: bool = False) -> RegistryPage:
    """The registry as the API and the public page show it.

    :raise ProjectNotFound: `project_code` names no active project (unless `unknown_ok`: then no units).
    """
    project, units, total = None, [], 0
    if project_code:
        try:
            project = get_project(project_code)
        except ProjectNotFound:
            if not unknown_ok:
                raise
        else:
            units, total = retired_units(project, offset=offset, limit=limit)
    return RegistryPage(summaries=summaries(), project=project, units=units, total=total)


CSV_HEADER = ["project_code", "standard", "unit_serial", "vintage", "retired_at", "unit_claimed_kg",
              "certificate_serial", "certificate_status", "claim_kg", "claim_released_at"]


def csv_rows():
    """Every claim on every retired unit, streamed in allocation order (one row per claim).

    The database is asked now, in the view (a 503 while it is away, not a 200 cut short); the rows are
    read as the response streams, in the streaming context's own session.
    """
    db.session.execute(select(Project.id).limit(1))
    return _csv_rows()


def _csv_rows():
    stmt = (select(Project.code, Project.standard, CreditUnit.serial, CreditUnit.vintage, CreditUnit.retired_at,
                   CreditUnit.claimed_kg, Certificate.serial, Certificate.status, CreditClaim.kg,
                   CreditClaim.released_at)
            .join(CreditUnit, CreditUnit.project_id == Project.id)
            .join(CreditClaim, CreditClaim.unit_id == CreditUnit.id)
            .join(Certificate, Certificate.id == CreditClaim.certificate_id)
            .order_by(Project.code, CreditUnit.vintage, CreditUnit.serial, CreditClaim.id)
            .execution_options(yield_per=2000))
    yield from db.session.execute(stmt)
