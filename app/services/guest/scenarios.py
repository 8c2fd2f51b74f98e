"""Scenario look-ups for guests (organisers manage them through services.console.scenarios)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from sqlalchemy import bindparam, func, or_, select

from app import caching
from app.domain.factors import factor_set
from app.errors import ScenarioClosed, ScenarioNotFound
from app.extensions import db, own_transaction
from app.models import Organization, Scenario
from app.models.base import as_utc, utcnow

# code -> ScenarioRef, per process, for the hot write paths (a footprint per guest). Closing a scenario
# reaches every worker within this many seconds; reads of the scenario itself are never cached.
SCENARIO_REF_TTL = 5
_refs: TTLCache = TTLCache(maxsize=4096, ttl=SCENARIO_REF_TTL)
_refs_lock = threading.Lock()


@dataclass(frozen=True)
class ScenarioRef:
    """What a footprint needs of its scenario: no session, safe to share between requests."""

    id: int
    code: str
    kind: str
    status: str
    open_until: datetime | None

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.status == "active" and (self.open_until is None or as_utc(self.open_until) > now)


# Every scan reads its scenario: the statements are built once (the code bound at execution).
_BY_CODE = own_transaction(select(Scenario).where(Scenario.code == bindparam("code")))
_BY_CODE_WITH_TOTALS = _BY_CODE.options(Scenario.with_totals())
_REF_BY_CODE = own_transaction(select(Scenario.id, Scenario.code, Scenario.kind, Scenario.status, Scenario.open_until)
                               .where(Scenario.code == bindparam("code")))


def get_scenario(code: str, *, totals: bool = True) -> Scenario:
    """A scenario a guest may see (closed ones too: a certificate links to them); `totals=False` when the
    caller does not show its participants and kilograms (they cost a count of the board).

    :raise ScenarioNotFound: unknown code or still a draft.
    """
    scenario = db.session.execute(_BY_CODE_WITH_TOTALS if totals else _BY_CODE, {"code": code}).scalar_one_or_none()
    if scenario is None or not scenario.is_visible():
        raise ScenarioNotFound()
    return scenario


def visible_scenario_id(code: str):
    """The id of the scenario a guest may see, as a scalar subquery (NULL for an unknown code or a draft),
    for reads that look the scenario up inside their own statement."""
    return select(Scenario.id).where(Scenario.code == code, Scenario.status != "draft").scalar_subquery()


def scenario_version(code: str) -> tuple:
    """What a guest's view of a scenario depends on, in one indexed read (no ORM object): its updated_at
    (every edit through SQLAlchemy bumps it), its running totals themselves (whoever writes them), whether
    it is open now (open_until passes without an edit), its organiser's names and the factor set behind
    its calculator.

    :raise ScenarioNotFound: unknown code or still a draft.
    """
    row = db.session.execute(
        select(Scenario.updated_at, Scenario.status, Scenario.open_until, Scenario.participants,
               Scenario.neutralized_kg, Organization.name, Organization.name_en)
        .outerjoin(Organization, Organization.id == Scenario.organization_id)
        .where(Scenario.code == code)
    ).one_or_none()
    if row is None or row.status == "draft":
        raise ScenarioNotFound()
    open_now = row.status == "active" and (row.open_until is None or as_utc(row.open_until) > utcnow())
    return (code, row.updated_at.isoformat(), row.status, open_now, row.participants, row.neutralized_kg,
            row.name, row.name_en, factor_set().version)


def get_open_scenario(code: str) -> Scenario:
    """:raise ScenarioNotFound: unknown or draft. :raise ScenarioClosed: closed or past open_until."""
    scenario = get_scenario(code)
    if not scenario.is_open():
        raise ScenarioClosed()
    return scenario


def open_scenario_ref(code: str) -> ScenarioRef:
    """Like get_open_scenario, from a short per-process cache.

    :raise ScenarioNotFound: unknown or draft. :raise ScenarioClosed: closed or past open_until.
    """
    with _refs_lock:
        ref = _refs.get(code)
    if ref is None:
        row = db.session.execute(_REF_BY_CODE, {"code": code}).one_or_none()
        if row is None or row.status == "draft":
            raise ScenarioNotFound()
        ref = ScenarioRef(*row)
        with _refs_lock:
            _refs[code] = ref
    if not ref.is_open():
        raise ScenarioClosed()
    return ref


def forget_scenario_refs() -> None:
    """Drop this worker's cached refs (after a scenario changes in this process, and between tests)."""
    with _refs_lock:
        _refs.clear()
    caching.clear_all()  # the guests' pages would be re-checked anyway: their versions move with every edit


def list_open_scenarios(*, kind: str | None = None, q: str | None = None, city: str | None = None,
                        offset: int = 0, limit: int = 20) -> tuple[list[Scenario], int]:
    """Active scenarios a guest can still join, newest first, so they can find their event by name."""
    now = utcnow()
    stmt = select(Scenario).options(Scenario.with_totals()).where(
        Scenario.status == "active",
        or_(Scenario.open_until.is_(None), Scenario.open_until > now),
    )
    if kind:
        stmt = stmt.where(Scenario.kind == kind)
    if city:
        needle = city.strip().lower()
        stmt = stmt.where(or_(func.lower(Scenario.city) == needle, func.lower(Scenario.city_en) == needle))
    if q:
        pattern = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(func.lower(col).like(pattern, escape="\\") for col in (
            Scenario.code, Scenario.title, Scenario.title_en, Scenario.venue, Scenario.venue_en))))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(
        stmt.order_by(Scenario.starts_at.desc().nulls_last(), Scenario.id).offset(offset).limit(limit)
    ).scalars().all()
    return list(rows), total

