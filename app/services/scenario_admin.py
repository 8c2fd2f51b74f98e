"""Scenario management for organisers and admins: create, edit, open and close (one commit each).

An organiser manages the scenarios of their own organisation; a platform admin manages all of them;
venue staff see the scenarios they are assigned to (to print their doors' posters) and change nothing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.errors import AppError, ScenarioNotFound
from app.extensions import db
from app.models import Organization, Scenario, ScenarioDoor, StaffAccount, StaffAssignment
from app.services import doors
from app.services.scenarios import forget_scenario_refs
from app.services.staff import Forbidden

EDITABLE = ("title", "title_en", "venue", "venue_en", "city", "city_en", "grid", "description", "starts_at",
            "ends_at", "open_until", "status")


class ScenarioExists(AppError):
    status_code, code = 409, "scenario_exists"


def _check(actor: StaffAccount, scenario: Scenario) -> None:
    if actor.role == "admin":
        return
    if actor.role != "organizer" or scenario.organization_id != actor.organization_id:
        raise Forbidden("not a scenario of your organisation")


def get_managed(actor: StaffAccount, code: str) -> Scenario:
    """A scenario the actor may manage. :raise ScenarioNotFound: :raise Forbidden:"""
    scenario = db.session.execute(select(Scenario).where(Scenario.code == code)).scalar_one_or_none()
    if scenario is None:
        raise ScenarioNotFound()
    _check(actor, scenario)
    return scenario


def list_managed(actor: StaffAccount) -> list[Scenario]:
    """An organiser's organisation's scenarios, an admin's all, venue staff's those assigned to them.

    :raise Forbidden: a project owner.
    """
    stmt = select(Scenario).options(selectinload(Scenario.doors)).order_by(Scenario.code)
    if actor.role == "organizer":
        stmt = stmt.where(Scenario.organization_id == actor.organization_id)
    elif actor.role == "venue_staff":
        stmt = stmt.join(StaffAssignment, StaffAssignment.scenario_id == Scenario.id).where(
            StaffAssignment.staff_id == actor.id)
    elif actor.role != "admin":
        raise Forbidden("organisers, venue staff and admins only")
    return list(db.session.execute(stmt).scalars())


def create(actor: StaffAccount, data: dict) -> Scenario:
    """A scenario, with its first doors if given (the schema has checked their tags are unique).

    :raise Forbidden: :raise InvalidInput: a door's `<code>.<tag>` too long for a QR scene.
    :raise ScenarioExists:
    """
    if actor.role not in ("admin", "organizer"):
        raise Forbidden("organisers and admins only")
    for i, door in enumerate(data.get("doors") or []):
        doors.check_tag(data["code"], door["tag"], f"doors.{i}.tag")
    if db.session.execute(select(Scenario.id).where(Scenario.code == data["code"])).first():
        raise ScenarioExists(f"scenario {data['code']} already exists")
    organization_id = actor.organization_id
    if actor.role == "admin" and data.get("organizer"):
        org = db.session.execute(select(Organization).where(Organization.name == data["organizer"])).scalar_one_or_none()
        if org is None:
            org = Organization(name=data["organizer"])
            db.session.add(org)
            db.session.flush()
        organization_id = org.id
    fields = {k: data[k] for k in EDITABLE if k in data}
    fields.setdefault("status", "draft")
    scenario = Scenario(code=data["code"], kind=data["kind"], organization_id=organization_id,
                        participants=0, neutralized_kg=0, **fields)
    db.session.add(scenario)
    db.session.flush()
    db.session.add_all(ScenarioDoor(scenario_id=scenario.id, tag=door["tag"], label=door.get("label"))
                       for door in data.get("doors") or [])
    db.session.commit()
    return scenario


def update(actor: StaffAccount, code: str, changes: dict) -> Scenario:
    """Edit fields, or open (status active) and close (status closed). :raise Forbidden: :raise ScenarioNotFound:"""
    scenario = get_managed(actor, code)
    for key in EDITABLE:
        if key in changes:
            setattr(scenario, key, changes[key])
    db.session.commit()
    forget_scenario_refs()  # this worker stops serving the old state at once; others within seconds
    return scenario
