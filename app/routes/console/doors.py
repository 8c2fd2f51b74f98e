"""A scenario's doors: read by whoever may print its posters, defined and removed by its organisers."""
from flask import Blueprint

from app.auth import current_staff, staff_required
from app.routes.helpers import json_body
from app.schemas.console.doors import DoorCreateSchema, DoorSchema
from app.services.console import doors

bp = Blueprint("doors", __name__, url_prefix="/api/v1/staff/scenarios/<code>/doors")

DOOR_CREATE_SCHEMA = DoorCreateSchema()
DOOR_SCHEMA = DoorSchema()
DOORS_SCHEMA = DoorSchema(many=True)


@bp.get("")
@staff_required()
def list(code: str):  # noqa: A001 - endpoint name "doors.list"
    """The scenario's doors with their printed link and QR scene (venue staff assigned to it may read)."""
    return {"data": DOORS_SCHEMA.dump(doors.list_doors(current_staff(), code))}


@bp.post("")
@staff_required()
def add(code: str):
    """Define a door (its organiser, admin)."""
    data = json_body(DOOR_CREATE_SCHEMA)
    return DOOR_SCHEMA.dump(doors.add_door(current_staff(), code, tag=data["tag"], label=data["label"])), 201


@bp.delete("/<tag>")
@staff_required()
def remove(code: str, tag: str):
    """Forget a door's name; its scans keep their tag."""
    doors.remove_door(current_staff(), code, tag)
    return "", 204
