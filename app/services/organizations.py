"""Organisations by name or id: event organisers and the emission-reducing companies that own projects.

Shared by the console (staff accounts, scenarios, payouts) and the offsetting side (projects). Helpers add
and flush, never commit.
"""
from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.models import Organization


class OrganizationNotFound(NotFound):
    code = "organization_not_found"


def find_or_add(name: str) -> Organization:
    """The organisation of that name, added to the session if new (flushed, so it has an id)."""
    org = db.session.execute(select(Organization).where(Organization.name == name)).scalar_one_or_none()
    if org is None:
        org = Organization(name=name)
        db.session.add(org)
        db.session.flush()
    return org


MAX_ID = 2**31 - 1  # the ids' column type, INTEGER, on PostgreSQL


def find(ref: str | int, *, for_update: bool = False) -> Organization:
    """By id (an int), or by name (a string; an all-digit string that names nobody is taken as an id).

    :raise OrganizationNotFound:
    """
    stmt = select(Organization)
    if for_update:
        stmt = stmt.with_for_update(of=Organization).execution_options(populate_existing=True)
    org = None
    if isinstance(ref, str):
        org = db.session.execute(stmt.where(Organization.name == ref.strip())).scalar_one_or_none()
        # isdecimal, not isdigit: '²' is a digit int() refuses; and only as many digits as an id can have.
        ref = int(ref) if org is None and ref.strip().isdecimal() and len(ref.strip()) <= 10 else ref
    if org is None and isinstance(ref, int) and 0 < ref <= MAX_ID:  # past the INTEGER column: nobody
        org = db.session.execute(stmt.where(Organization.id == ref)).scalar_one_or_none()
    if org is None:
        raise OrganizationNotFound("no such organisation")
    return org


def names(org: Organization, ref: str | int) -> bool:
    """Whether `ref` (as typed: a name or an id) designates `org`."""
    text = str(ref).strip()
    return text == org.name or text == str(org.id)
