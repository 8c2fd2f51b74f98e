"""Who may do what: the one place for the staff roles' rules, asked by every console service.

- admin: the platform's operators; everything.
- organizer: the scenarios of their own organisation (edit, doors, venue staff, dashboard, event top-up).
- venue_staff: read the doors and print the posters of the scenarios they are assigned to, nothing more.
- project_owner: the sales, balance, payouts and statements of their own organisation's projects.

`require_*` raise Forbidden with the reason; `may_*` answer yes or no. Nothing here commits.
"""
from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.sql import ColumnElement

from app.errors import Forbidden
from app.extensions import db
from app.models import Scenario, StaffAccount, StaffAssignment

ADMIN, ORGANIZER, VENUE_STAFF, PROJECT_OWNER = "admin", "organizer", "venue_staff", "project_owner"

# Actions open to whole roles (no organisation or assignment involved): roles, and the refusal's reason.
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "manage_accounts": ((ADMIN,), "needs the role admin"),
    "record_payouts": ((ADMIN,), "platform admins only"),
    "create_scenarios": ((ADMIN, ORGANIZER), "organisers and admins only"),
    "list_scenarios": ((ADMIN, ORGANIZER, VENUE_STAFF), "organisers, venue staff and admins only"),
    "see_money": ((ADMIN, PROJECT_OWNER), "project owners and admins only"),
}


def may(actor: StaffAccount, action: str) -> bool:
    return actor.role in ACTIONS[action][0]


def require(actor: StaffAccount, action: str) -> None:
    """:raise Forbidden: the actor's role may not take `action` (a key of ACTIONS)."""
    if not may(actor, action):
        raise Forbidden(ACTIONS[action][1])


# -- scenarios ------------------------------------------------------------------------------------------

def may_manage_scenario(actor: StaffAccount, scenario: Scenario) -> bool:
    """Edit it, its doors and venue staff, read its dashboard and exports, neutralise the event."""
    if actor.role == ADMIN:
        return True
    return actor.role == ORGANIZER and scenario.organization_id == actor.organization_id


def require_manage_scenario(actor: StaffAccount, scenario: Scenario) -> None:
    """:raise Forbidden:"""
    if not may_manage_scenario(actor, scenario):
        raise Forbidden("not a scenario of your organisation")


def may_print_posters(actor: StaffAccount, scenario: Scenario) -> bool:
    """Read its doors and print their posters: who manages it, and the venue staff assigned to it."""
    if may_manage_scenario(actor, scenario):
        return True
    return actor.role == VENUE_STAFF and db.session.get(StaffAssignment, (actor.id, scenario.id)) is not None


def require_print_posters(actor: StaffAccount, scenario: Scenario) -> None:
    """:raise Forbidden:"""
    if not may_print_posters(actor, scenario):
        raise Forbidden("not a scenario you may print posters for")


def visible_scenarios(actor: StaffAccount) -> ColumnElement[bool]:
    """The SQL condition on Scenario for the console's list: all (admin), the organisation's (organiser),
    the assigned ones (venue staff). :raise Forbidden: a project owner."""
    require(actor, "list_scenarios")
    if actor.role == ORGANIZER:
        return Scenario.organization_id == actor.organization_id
    if actor.role == VENUE_STAFF:
        return Scenario.id.in_(select(StaffAssignment.scenario_id).where(StaffAssignment.staff_id == actor.id))
    return true()


def may_be_assigned(account: StaffAccount | None) -> bool:
    """Only active venue staff accounts are assigned to scenarios."""
    return account is not None and account.active and account.role == VENUE_STAFF


# -- money ----------------------------------------------------------------------------------------------

def money_scope(actor: StaffAccount) -> int | None:
    """The organisation whose money the actor sees: a project owner's own; None for an admin (every one).

    :raise Forbidden: another role, or a project owner account without an organisation.
    """
    require(actor, "see_money")
    if actor.role == ADMIN:
        return None
    if actor.organization_id is None:
        raise Forbidden("this project owner account has no organisation")
    return actor.organization_id


def require_money_of(actor: StaffAccount, organization_id: int, what: str = "organisation") -> None:
    """:raise Forbidden: the actor may not see this organisation's money (a project, its sales, payouts)."""
    scope = money_scope(actor)
    if scope is not None and scope != organization_id:
        raise Forbidden(f"not your {what}")
