"""A scenario's named doors, kept as data so the console, the posters and the dashboard agree on them.

Deleting a door forgets its name only: scans keep their tag, and the dashboard still counts them.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.errors import AppError, NotFound
from app.extensions import db
from app.models import ScenarioDoor, StaffAccount
from app.services.console.scenarios import check_door_tag, get_managed, get_printable
from app.urls import Door, door


class DoorExists(AppError):
    status_code, code = 409, "door_exists"


class DoorNotFound(NotFound):
    code = "door_not_found"


def list_doors(actor: StaffAccount, code: str) -> list[Door]:
    """Read by whoever may print the scenario's posters (assigned venue staff too).

    :raise ScenarioNotFound: :raise Forbidden:
    """
    scenario = get_printable(actor, code)
    return [door(scenario.code, row) for row in scenario.doors]


def add_door(actor: StaffAccount, code: str, *, tag: str, label: str | None) -> Door:
    """:raise ScenarioNotFound: :raise Forbidden: :raise InvalidInput: :raise DoorExists:"""
    scenario = get_managed(actor, code)
    check_door_tag(scenario.code, tag)
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
    return door(scenario.code, row)


def remove_door(actor: StaffAccount, code: str, tag: str) -> None:
    """:raise ScenarioNotFound: :raise Forbidden: :raise DoorNotFound:"""
    scenario = get_managed(actor, code)
    gone = db.session.execute(delete(ScenarioDoor).where(ScenarioDoor.scenario_id == scenario.id,
                                                         ScenarioDoor.tag == tag))
    if not gone.rowcount:
        db.session.rollback()
        raise DoorNotFound(f"{code} has no door {tag}")
    db.session.commit()
