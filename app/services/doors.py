"""A scenario's named doors, kept as data so the console, the posters and the dashboard agree on them.

Deleting a door forgets its name only: scans keep their tag, and the dashboard still counts them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.errors import AppError, InvalidInput, NotFound
from app.extensions import db
from app.models import ScenarioDoor, StaffAccount
from app.services import posters, scenario_admin
from app.services.deeplinks import check_door_tag


class DoorExists(AppError):
    status_code, code = 409, "door_exists"


class DoorNotFound(NotFound):
    code = "door_not_found"


@dataclass(frozen=True)
class Door:
    tag: str
    label: str | None
    link: str  # the printed link; its QR code opens the mini-program on this door
    scene: str  # the mini-program code's scene
    created_at: datetime


def check_tag(code: str, tag: str, field: str = "tag") -> None:
    """:raise InvalidInput: a tag that cannot travel in a QR scene."""
    check_door_tag(code, tag, field)


def view(code: str, row: ScenarioDoor) -> Door:
    base = current_app.config["PUBLIC_BASE_URL"]
    return Door(tag=row.tag, label=row.label, link=f"{base}/s/{code}?d={row.tag}", scene=f"{code}.{row.tag}",
                created_at=row.created_at)


def list_doors(actor: StaffAccount, code: str) -> list[Door]:
    """Read by whoever may print the scenario's posters (assigned venue staff too).

    :raise ScenarioNotFound: :raise Forbidden:
    """
    scenario = posters.get_printable(actor, code)
    return [view(scenario.code, row) for row in scenario.doors]


def add_door(actor: StaffAccount, code: str, *, tag: str, label: str | None) -> Door:
    """:raise ScenarioNotFound: :raise Forbidden: :raise InvalidInput: :raise DoorExists:"""
    scenario = scenario_admin.get_managed(actor, code)
    check_tag(scenario.code, tag)
    exists = select(ScenarioDoor.id).where(ScenarioDoor.scenario_id == scenario.id, ScenarioDoor.tag == tag)
    if db.session.execute(exists).first():
        raise DoorExists(f"{code} already has a door {tag}")
    row = ScenarioDoor(scenario_id=scenario.id, tag=tag, label=label)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same tag added twice at once: the unique key refuses the second
        db.session.rollback()
        raise DoorExists(f"{code} already has a door {tag}") from None
    return view(scenario.code, row)


def remove_door(actor: StaffAccount, code: str, tag: str) -> None:
    """:raise ScenarioNotFound: :raise Forbidden: :raise DoorNotFound:"""
    scenario = scenario_admin.get_managed(actor, code)
    gone = db.session.execute(delete(ScenarioDoor).where(ScenarioDoor.scenario_id == scenario.id,
                                                         ScenarioDoor.tag == tag))
    if not gone.rowcount:
        db.session.rollback()
        raise DoorNotFound(f"{code} has no door {tag}")
    db.session.commit()
