"""Credit inventory: importing serialised blocks, claiming kilograms for certificates, releasing them.

Allocation order: oldest vintage, then lowest serial, among units with room left, so partially claimed
units fill up before a new unit is retired. How many kilograms a project can give is the stock shards'
business (services/offsetting/stock.py): a claim here only picks units. Every claim is a conditional
UPDATE (`claimed_kg + x <= 1000`), so no unit can be over-claimed whatever the isolation level, and
fulfilments at the same moment take different units (`FOR UPDATE SKIP LOCKED`) instead of queueing on the
first one with room. When every unit with room is locked, a claim looks again a moment later (those
locks are fulfilments about to commit) and waits on a unit's lock only after WAIT_FOR_ROOM: waiting at
once could deadlock, because a unit another claim has just filled still shows room to a statement that
began before that claim commits, so two claims could each wait for a unit the other filled. Units skipped
that way fill up with later claims. SQLite runs the same statements under its database write lock.
"""
from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import bindparam, insert, select, update

from app.errors import AppError
from app.extensions import db
from app.models import CreditBlock, CreditClaim, CreditUnit, Project
from app.models.base import utcnow
from app.models.project import KG_PER_UNIT
from app.services.locks import lock_for_write
from app.services.offsetting import stock

SERIAL = re.compile(r"^(?P<prefix>[A-Za-z0-9][A-Za-z0-9._/-]*?[^0-9]|)(?P<number>[0-9]+)$")
HEADER = ["project_code", "vintage", "serial_start", "serial_end"]
MAX_UNITS_PER_FILE = 2_000_000


class CreditImportError(AppError):
    status_code, code = 422, "credit_import_invalid"


class UnitsDisagree(RuntimeError):
    """The stock rows gave kilograms the units do not have: the books are wrong. Never caught in a use
    case, so its whole transaction rolls back (a notification is then retried, and reconcile settles)."""


@dataclass(frozen=True)
class _Row:
    line: int
    project: Project
    vintage: int
    prefix: str
    digits: int
    first: int
    last: int
    serial_start: str
    serial_end: str


def import_blocks(text: str, *, source: str | None = None) -> dict[str, int]:
    """Import a CSV of blocks (header project_code,vintage,serial_start,serial_end), all or nothing.

    :raise CreditImportError: naming the first bad line (malformed, unknown project, overlap).
    Returns units imported per project code.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if [h.strip() for h in header or []] != HEADER:
        raise CreditImportError(f"line 1: the header must be {','.join(HEADER)}")
    projects: dict[str, Project] = {}
    rows: list[_Row] = []
    total = 0
    for line, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        row = _parse(line, fields, projects)
        total += row.last - row.first + 1
        if total > MAX_UNITS_PER_FILE:
            raise CreditImportError(f"line {line}: more than {MAX_UNITS_PER_FILE} units in one file")
        for other in rows:
            if (other.prefix, other.digits) == (row.prefix, row.digits) and row.first <= other.last \
                    and other.first <= row.last:
                raise CreditImportError(f"line {line}: {row.serial_start}..{row.serial_end} overlaps line "
                                        f"{other.line} ({other.serial_start}..{other.serial_end})")
        held = db.session.execute(select(CreditBlock).where(
            CreditBlock.prefix == row.prefix, CreditBlock.digits == row.digits,
            CreditBlock.first <= row.last, CreditBlock.last >= row.first)).scalars().first()
        if held is not None:
            raise CreditImportError(f"line {line}: {row.serial_start}..{row.serial_end} overlaps serials already "
                                    f"held ({held.serial_start}..{held.serial_end}); nothing was imported")
        rows.append(row)
    if not rows:
        raise CreditImportError("the file has no blocks")

    lock_for_write()
    imported: dict[str, int] = {}
    for row in rows:
        block = CreditBlock(project_id=row.project.id, vintage=row.vintage, prefix=row.prefix, digits=row.digits,
                            first=row.first, last=row.last, serial_start=row.serial_start,
                            serial_end=row.serial_end, source=source)
        db.session.add(block)
        db.session.flush()
        units = [{"project_id": row.project.id, "block_id": block.id, "vintage": row.vintage,
                  "serial": f"{row.prefix}{n:0{row.digits}d}", "claimed_kg": 0}
                 for n in range(row.first, row.last + 1)]
        for start in range(0, len(units), 10_000):
            db.session.execute(sa.insert(CreditUnit), units[start:start + 10_000])
        db.session.execute(update(Project).where(Project.id == row.project.id)
                           .values(credited_kg=Project.credited_kg + len(units) * KG_PER_UNIT))
        stock.credit(row.project.id, len(units) * KG_PER_UNIT)
        imported[row.project.code] = imported.get(row.project.code, 0) + len(units)
    db.session.commit()
    return imported


def _parse(line: int, fields: list[str], projects: dict[str, Project]) -> _Row:
    if len(fields) != 4:
        raise CreditImportError(f"line {line}: expected 4 fields, found {len(fields)}")
    code, vintage_text, start, end = (f.strip() for f in fields)
    if code not in projects:
        project = db.session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()
        if project is None:
            raise CreditImportError(f"line {line}: unknown project {code!r} (add it with `projects add`)")
        projects[code] = project
    if not vintage_text.isdigit() or not 1990 <= int(vintage_text) <= 2100:
        raise CreditImportError(f"line {line}: vintage must be a year, not {vintage_text!r}")
    a, b = SERIAL.fullmatch(start), SERIAL.fullmatch(end)
    if not a or not b:
        raise CreditImportError(f"line {line}: serials must end in digits ({start!r}, {end!r})")
    if a["prefix"] != b["prefix"] or len(a["number"]) != len(b["number"]):
        raise CreditImportError(f"line {line}: {start} and {end} must share a prefix and a number of digits")
    first, last = int(a["number"]), int(b["number"])
    if first > last:
        raise CreditImportError(f"line {line}: {start} comes after {end}")
    if len(start) > 64:
        raise CreditImportError(f"line {line}: serials are at most 64 characters")
    return _Row(line=line, project=projects[code], vintage=int(vintage_text), prefix=a["prefix"],
                digits=len(a["number"]), first=first, last=last, serial_start=start, serial_end=end)


def _units_with_room(skip_locked: bool):
    """Up to :n units of the project with room, in retirement order, locked (skipping those locked by others)."""
    return (select(CreditUnit.id, CreditUnit.claimed_kg)
            .where(CreditUnit.project_id == bindparam("project"), CreditUnit.claimed_kg < KG_PER_UNIT)
            .order_by(CreditUnit.vintage, CreditUnit.serial).limit(bindparam("n"))
            .with_for_update(skip_locked=skip_locked))


# When every unit with room is locked by other claims: look again after these pauses (1.3 s in all),
# then wait on a lock.
WAIT_FOR_ROOM = (0.005, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.3, 0.4)

# Built once (the claim runs in every fulfilment): parameters are bound at execution. Core: these rows
# are written and not read back in the fulfilment, so the ORM's unit of work would only add its cost.
_INSERT_CLAIMS = insert(CreditClaim.__table__)
_UNITS_WITH_ROOM = {skip: _units_with_room(skip) for skip in (True, False)}
_units = CreditUnit.__table__.c
_TAKE_FROM_UNIT = (  # Core: the ORM's UPDATE would compare every unit in the session with it
    update(CreditUnit.__table__)
    .where(_units.id == bindparam("unit"), _units.claimed_kg + bindparam("take") <= KG_PER_UNIT)
    .values(claimed_kg=_units.claimed_kg + bindparam("take"),
            retired_at=sa.func.coalesce(_units.retired_at, bindparam("now", type_=_units.retired_at.type)),
            retirement_reason=sa.func.coalesce(_units.retirement_reason,
                                               bindparam("reason", type_=_units.retirement_reason.type))))


def claim(project_id: int, kg: int, certificate_id: int, reason: str) -> list[dict]:
    """Claim `kg` kilograms of units for a certificate, retiring units on their first claim; returns the
    claims written (certificate_id, unit_id, kg).

    The caller has taken the kilograms from the project's stock (stock.claim), so units with that much
    room exist. :raise UnitsDisagree: they do not.
    """
    remaining, claims, now, skip_locked = kg, [], utcnow(), True
    looks = 0 if db.session.get_bind().dialect.name == "postgresql" else len(WAIT_FOR_ROOM)  # (SQLite: no locks)
    while remaining > 0:
        units = db.session.execute(_UNITS_WITH_ROOM[skip_locked],
                                   {"project": project_id, "n": remaining // KG_PER_UNIT + 2}).all()
        if not units:
            if skip_locked and looks < len(WAIT_FOR_ROOM):  # every unit with room is being claimed right now
                time.sleep(WAIT_FOR_ROOM[looks])
                looks += 1
                continue
            if skip_locked:  # still: wait for one
                skip_locked = False
                continue
            raise UnitsDisagree(f"project {project_id}: the stock gave {kg} kg, the units lack {remaining} kg")
        for unit_id, claimed in units:
            take = min(KG_PER_UNIT - claimed, remaining)
            if take <= 0:
                continue
            done = db.session.execute(_TAKE_FROM_UNIT, {"unit": unit_id, "take": take, "now": now,
                                                        "reason": reason}).rowcount
            if done != 1:  # it filled up while this claim waited for it: read again
                continue
            claims.append({"certificate_id": certificate_id, "unit_id": unit_id, "kg": take})
            remaining -= take
            if remaining == 0:
                break
    db.session.execute(_INSERT_CLAIMS, claims)  # one statement, whatever the number of units
    return claims


def release(claims: list[CreditClaim]) -> int:
    """Return claimed kilograms to their units (units stay retired: a registry cancellation is final).
    The caller gives them back to the project's stock (stock.unclaim)."""
    now, total = utcnow(), 0
    for c in claims:
        if c.released_at is not None:
            continue
        db.session.execute(update(CreditUnit).where(CreditUnit.id == c.unit_id)
                           .values(claimed_kg=CreditUnit.claimed_kg - c.kg))
        c.released_at = now
        total += c.kg
    return total
