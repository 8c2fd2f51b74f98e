"""Scenario management for organisers and admins: create, edit, open and close (one commit each).

An organiser manages the scenarios of their own organisation; a platform admin manages all of them.
"""
from __future__ import annotations

from sqlalchemy import select

from app.errors import AppError, ScenarioNotFound
from app.extensions import db
from app.models import Organization, Scenario, StaffAccount
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


def list_managed(actor: StaffAccount) -> list[Scenario]:
    stmt = select(Scenario).order_by(Scenario.code)
    if actor.role == "organizer":
        stmt = stmt.where(Scenario.organization_id == actor.organization_id)
    elif actor.role != "admin":
        raise Forbidden("organisers and admins only")
    return list(db.session.execute(stmt).scalars())


def create(actor: StaffAccount, data: dict) -> Scenario:
    """:raise Forbidden: :raise ScenarioExists:"""
    if actor.role not in ("admin", "organizer"):
        raise Forbidden("organisers and admins only")
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
    db.session.commit()
    return scenario


def update(actor: StaffAccount, code: str, changes: dict) -> Scenario:
    """Edit fields, or open (status active) and close (status closed). :raise Forbidden: :raise ScenarioNotFound:"""
    scenario = db.session.execute(select(Scenario).where(Scenario.code == code)).scalar_one_or_none()
    if scenario is None:
        raise ScenarioNotFound()
    _check(actor, scenario)
    for key in EDITABLE:
        if key in changes:
            setattr(scenario, key, changes[key])
    db.session.commit()
    forget_scenario_refs()  # this worker stops serving the old state at once; others within seconds
    return scenario
