"""Which venue staff work a scenario: they may then read its doors and print its posters, nothing more."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import policy
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.i18n import N_
from app.models import StaffAccount, StaffAssignment
from app.services.console.scenarios import get_managed


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"


@dataclass(frozen=True)
class Assignment:
    staff_id: int
    email: str
    name: str


def list_assignments(actor: StaffAccount, code: str) -> list[Assignment]:
    """:raise ScenarioNotFound: :raise Forbidden:"""
    scenario = get_managed(actor, code)
    rows = db.session.execute(
        select(StaffAccount.id, StaffAccount.email, StaffAccount.name)
        .join(StaffAssignment, StaffAssignment.staff_id == StaffAccount.id)
        .where(StaffAssignment.scenario_id == scenario.id).order_by(StaffAccount.email))
    return [Assignment(*row) for row in rows]


def assign(actor: StaffAccount, code: str, email: str) -> tuple[Assignment, bool]:
    """Assign a venue staff account; (assignment, created). Assigning twice changes nothing.

    :raise ScenarioNotFound: :raise Forbidden: :raise InvalidInput: no active venue staff account with
    that email (one answer for each case, so the console does not learn which accounts exist).
    """
    scenario = get_managed(actor, code)
    account = db.session.execute(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())).scalar_one_or_none()
    if not policy.may_be_assigned(account):
        raise InvalidInput(fields={"email": [N_("Not an active venue staff account.")]})
    assignment = Assignment(account.id, account.email, account.name)
    if db.session.get(StaffAssignment, (account.id, scenario.id)):
        return assignment, False
    db.session.add(StaffAssignment(staff_id=account.id, scenario_id=scenario.id))
    try:
        db.session.commit()
    except IntegrityError:  # assigned by someone else at the same moment: the same outcome
        db.session.rollback()
        return assignment, False
    return assignment, True


def unassign(actor: StaffAccount, code: str, staff_id: int) -> None:
    """:raise ScenarioNotFound: :raise Forbidden: :raise AssignmentNotFound:"""
    scenario = get_managed(actor, code)
    assignment = db.session.get(StaffAssignment, (staff_id, scenario.id))
    if assignment is None:
        raise AssignmentNotFound(f"staff {staff_id} is not assigned to {code}")
    db.session.delete(assignment)
    db.session.commit()
