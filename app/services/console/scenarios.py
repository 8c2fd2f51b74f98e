"""Scenario administration for organisers and admins: create, edit, open and close (one commit each),
and the look-ups every console service starts from: a scenario the actor may manage, or print for.

Who may do what is app.policy's to say: an organiser manages their organisation's scenarios, an
admin all of them; venue staff see the scenarios they are assigned to and print their posters.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import policy
from app.domain.deeplinks import SCENE_MAX, fits_scene
from app.errors import AppError, InvalidInput, ScenarioNotFound
from app.extensions import db
from app.models import Scenario, ScenarioDoor, StaffAccount
from app.services import organizations
from app.services.guest.scenarios import forget_scenario_refs

EDITABLE = ("title", "title_en", "venue", "venue_en", "city", "city_en", "grid", "description", "description_en",
            "texts", "starts_at", "ends_at", "open_until", "status")


class ScenarioExists(AppError):
    status_code, code = 409, "scenario_exists"


def check_door_tag(code: str, tag: str, field: str = "tag") -> None:
    """:raise InvalidInput: a door tag that cannot travel in a QR scene with this scenario's code."""
    if not fits_scene(code, tag):
        raise InvalidInput(fields={field: [f"1 to 24 of A-Z a-z 0-9 - _, and '{code}.<door>' "
                                           f"at most {SCENE_MAX} characters."]})


def _by_code(code: str, *, with_doors: bool = False) -> Scenario:
    stmt = select(Scenario).where(Scenario.code == code).options(Scenario.with_totals())  # the console shows them
    if with_doors:
        stmt = stmt.options(selectinload(Scenario.doors))
    scenario = db.session.execute(stmt).scalar_one_or_none()
    if scenario is None:
        raise ScenarioNotFound()
    return scenario


def get_managed(actor: StaffAccount, code: str, *, with_doors: bool = False) -> Scenario:
    """A scenario the actor may manage. :raise ScenarioNotFound: :raise Forbidden:"""
    scenario = _by_code(code, with_doors=with_doors)
    policy.require_manage_scenario(actor, scenario)
    return scenario


def get_printable(actor: StaffAccount, code: str) -> Scenario:
    """A scenario whose doors the actor may read and print (its doors loaded). :raise ScenarioNotFound:
    :raise Forbidden:"""
    scenario = _by_code(code, with_doors=True)
    policy.require_print_posters(actor, scenario)
    return scenario


def list_managed(actor: StaffAccount) -> list[Scenario]:
    """An organiser's organisation's scenarios, an admin's all, venue staff's those assigned to them.

    :raise Forbidden: a project owner.
    """
    stmt = (select(Scenario).where(policy.visible_scenarios(actor))
            .options(selectinload(Scenario.doors), Scenario.with_totals()).order_by(Scenario.code))
    return list(db.session.execute(stmt).scalars())


def create(actor: StaffAccount, data: dict) -> Scenario:
    """A scenario, with its first doors if given (the schema has checked their tags are unique).

    :raise Forbidden: :raise InvalidInput: a door's `<code>.<tag>` too long for a QR scene.
    :raise ScenarioExists:
    """
    policy.require(actor, "create_scenarios")
    for i, door in enumerate(data.get("doors") or []):
        check_door_tag(data["code"], door["tag"], f"doors.{i}.tag")
    if db.session.execute(select(Scenario.id).where(Scenario.code == data["code"])).first():
        raise ScenarioExists(f"scenario {data['code']} already exists")
    organization_id = actor.organization_id
    if actor.role == policy.ADMIN and data.get("organizer"):
        organization_id = organizations.find_or_add(data["organizer"]).id
    fields = {k: _stored(k, data[k]) for k in EDITABLE if k in data}
    fields.setdefault("status", "draft")
    scenario = Scenario(code=data["code"], kind=data["kind"], organization_id=organization_id, **fields)
    db.session.add(scenario)
    db.session.flush()
    db.session.add_all(ScenarioDoor(scenario_id=scenario.id, tag=door["tag"], label=door.get("label"))
                       for door in data.get("doors") or [])
    db.session.commit()
    return _by_code(scenario.code, with_doors=True)


def _stored(key: str, value):
    """A field as stored: `texts` keeps only the languages and fields given (None when nothing is)."""
    if key != "texts" or value is None:
        return value
    kept = {lang: {k: v for k, v in texts.items() if v} for lang, texts in value.items()}
    return {lang: texts for lang, texts in kept.items() if texts} or None


def update(actor: StaffAccount, code: str, changes: dict) -> Scenario:
    """Edit fields, or open (status active) and close (status closed). :raise Forbidden: :raise ScenarioNotFound:"""
    scenario = get_managed(actor, code, with_doors=True)
    for key in EDITABLE:
        if key in changes:
            setattr(scenario, key, _stored(key, changes[key]))
    db.session.commit()
    forget_scenario_refs()  # this worker stops serving the old state at once; others within seconds
    db.session.refresh(scenario, ["participants", "neutralized_kg"])  # the write expired the read-only totals
    return scenario
