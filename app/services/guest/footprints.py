"""Computing and storing footprints: validate against the scenario, resolve places, run the calculator."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, insert, select

from app.domain import kinds
from app.domain.calculator import (
    Activities,
    CalculationError,
    Diet,
    Energy,
    LineItem,
    Meals,
    Stay,
    TravelLeg,
    calculate,
)
from app.domain.factors import factor_set
from app.errors import FootprintNotFound, InvalidInput
from app.extensions import db, own_transaction
from app.i18n import N_, coded
from app.models import Footprint, Order, Scan
from app.models.base import utcnow
from app.services.guest.places import find_place
from app.services.guest.scenarios import open_scenario_ref

SECTIONS = ("travel", "stay", "meals", "energy", "diet")


@dataclass(frozen=True, slots=True)
class NewFootprint:
    """A footprint just stored: the columns the response shows (no session, nothing to lazy-load)."""

    id: str
    user_id: int | None
    scenario_id: int
    scenario_code: str
    scan_id: int | None
    factor_set: str
    inputs: dict
    items: list
    total_kg: Decimal
    created_at: datetime


# One compiled Core INSERT (SQLAlchemy caches its compiled form): the hot write path skips the ORM's unit
# of work, identity map and attribute instrumentation, a quarter of the request's CPU.
_INSERT_FOOTPRINT = own_transaction(insert(Footprint.__table__))
_COLUMNS = NewFootprint.__slots__
# With a scan id, the row is written only if that scan is one of this scenario's: the check is the INSERT's
# own condition (0 rows: refused), not a read before it.
_INSERT_FOOTPRINT_OF_SCAN = own_transaction(insert(Footprint.__table__).from_select(
    _COLUMNS,
    select(*(bindparam(name, type_=Footprint.__table__.c[name].type) for name in _COLUMNS)).where(
        select(Scan.id).where(Scan.id == bindparam("scan_id"), Scan.scenario_id == bindparam("scenario_id"))
        .exists())).returning(Footprint.__table__.c.id))  # (rowcount is not reported for INSERT ... SELECT)


def create_footprint(data: dict, *, user_id: int | None) -> NewFootprint:
    """Price the guest's activities for an open scenario and store inputs, items and factor set.

    :raise ScenarioNotFound / ScenarioClosed: as for the deep link.
    :raise InvalidInput: a section the scenario's kind does not offer, an unknown place, a bad scan id.
    """
    scenario = open_scenario_ref(data["scenario"])
    offered = kinds.KIND_SECTIONS[scenario.kind]
    errors = {
        section: [coded("Not offered for a {kind} scenario (offered: {offered}).", "section_not_offered",
                         kind=scenario.kind, offered=", ".join(offered))]
        for section in SECTIONS if section in data and section not in offered
    }
    legs = [travel_leg(leg, f"travel.{i}", errors) for i, leg in enumerate(data.get("travel") or [])]
    scan_id = data.get("scan_id")
    if errors:
        raise InvalidInput(fields=errors)

    activities = Activities(
        travel=tuple(legs),
        stay=Stay(**data["stay"]) if data.get("stay") else None,
        meals=Meals(**data["meals"]) if data.get("meals") else None,
        energy=Energy(**data["energy"]) if data.get("energy") else None,
        diet=Diet(**data["diet"]) if data.get("diet") else None,
    )
    fs = factor_set()
    try:
        result = calculate(activities, fs)
    except CalculationError as exc:
        raise InvalidInput(fields={exc.field: [exc.message]}) from None

    footprint = NewFootprint(
        id="fp_" + secrets.token_urlsafe(15),
        user_id=user_id,
        scenario_id=scenario.id,
        scenario_code=scenario.code,
        scan_id=scan_id,
        factor_set=result.factor_set,
        inputs=inputs_record(data),
        items=[item_record(item) for item in result.items],
        total_kg=result.total_kg,
        created_at=utcnow(),
    )
    values = {name: getattr(footprint, name) for name in _COLUMNS}
    if scan_id is None:
        db.session.execute(_INSERT_FOOTPRINT, values)
    elif db.session.execute(_INSERT_FOOTPRINT_OF_SCAN, values).first() is None:
        db.session.rollback()
        raise InvalidInput(fields={"scan_id": [N_("Not a scan of this scenario.")]})
    db.session.commit()
    return footprint


def get_footprint(footprint_id: str) -> Footprint:
    """:raise FootprintNotFound:"""
    footprint = db.session.get(Footprint, footprint_id) if len(footprint_id) <= 32 else None
    if footprint is None:
        raise FootprintNotFound()
    return footprint


@dataclass(frozen=True)
class FootprintView:
    """A footprint as one caller may read it: `full` with its places, else its line items without them."""

    footprint: Footprint
    full: bool


def footprint_view(footprint_id: str, viewer_id: int | None) -> FootprintView:
    """GET /footprints/<id>: places only for the footprint's owner (see owner_id).

    An anonymous footprint that no order has used yet is read in full by whoever holds its id: that is the
    guest who just computed it before logging in, and its id has been published nowhere. Once an order
    uses it, its certificate prints the id, so from then on only the owner's token shows the places.
    :raise FootprintNotFound:
    """
    footprint = get_footprint(footprint_id)
    owner = owner_id(footprint)
    full = (owner is None and footprint.user_id is None) or (viewer_id is not None and viewer_id == owner)
    return FootprintView(footprint=footprint, full=full)


def owner_id(footprint: Footprint) -> int | None:
    """The guest a footprint belongs to: who computed it logged in, else who first ordered it.

    Anyone may order an anonymous footprint (services/offsetting/orders.py), so a later order must not make
    its guest an owner: the id of a certified footprint is public, and ordering it would otherwise unlock
    the places. The first order is the guest who computed it: the id is published only by that order's
    certificate, after it exists. None: an anonymous footprint nobody has ordered.
    """
    if footprint.user_id is not None:
        return footprint.user_id
    return db.session.execute(select(Order.user_id).where(Order.footprint_id == footprint.id, Order.kind == "guest")
                              .order_by(Order.created_at, Order.id).limit(1)).scalar_one_or_none()


def travel_leg(leg: dict, path: str, errors: dict) -> TravelLeg:
    origin = destination = None
    if leg.get("origin"):
        origin = find_place(leg["origin"])
        if origin is None:
            errors[f"{path}.from"] = [N_("Unknown place: use an id from /api/v1/places or an IATA code.")]
    if leg.get("destination"):
        destination = find_place(leg["destination"])
        if destination is None:
            errors[f"{path}.to"] = [N_("Unknown place: use an id from /api/v1/places or an IATA code.")]
    return TravelLeg(
        mode=leg["mode"],
        distance_km=leg.get("distance_km"),
        origin=origin,
        destination=destination,
        round_trip=leg.get("round_trip", False),
        passengers=leg.get("passengers", 1),
    )


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def item_record(item: LineItem) -> dict:
    """Full-precision record of a line item (Decimals as strings) for the JSON column."""
    record = {
        "category": item.category,
        "mode": item.mode,
        "amount": _s(item.amount),
        "unit": item.factor.unit,
        "kg": _s(item.kg),
        "share": item.share,
        "factor": {
            "key": item.factor.key,
            "value": _s(item.factor.value),
            "unit": item.factor.unit,
            "source": item.factor.source,
            "note": item.factor.note,
        },
    }
    if item.category == "travel":
        record.update({
            "distance_km": _s(item.distance_km),
            "distance_basis": item.distance_basis,
            "circuity": _s(item.circuity),
            "trips": item.trips,
            "from": _place(item.origin),
            "to": _place(item.destination),
        })
    return record


def _place(place) -> dict | None:
    if place is None:
        return None
    return {"id": place.id, "name": place.name, "name_en": place.name_en}


def inputs_record(data: dict) -> dict:
    """The request as the guest sent it (API field names, Decimals as strings), for replay and audit."""
    record = _jsonable(data)
    for leg in record.get("travel") or []:
        if "origin" in leg:
            leg["from"] = leg.pop("origin")
        if "destination" in leg:
            leg["to"] = leg.pop("destination")
    return record


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
