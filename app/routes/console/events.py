"""Event neutralisation: the organiser's event footprint and the top-up order that ends in one certificate."""
from flask import Blueprint, Response

from app.auth import current_staff, staff_required
from app.i18n import language
from app.routes.helpers import json_body
from app.schemas.console.events import (
    EventFootprintCreateSchema,
    EventFootprintSchema,
    EventStateSchema,
    TopupCreateSchema,
    TopupSchema,
)
from app.services.console import events

bp = Blueprint("events", __name__, url_prefix="/api/v1/staff/scenarios/<code>/event")

FOOTPRINT_CREATE_SCHEMA = EventFootprintCreateSchema()
FOOTPRINT_SCHEMA = EventFootprintSchema()
STATE_SCHEMA = EventStateSchema()
TOPUP_CREATE_SCHEMA = TopupCreateSchema()
TOPUP_SCHEMA = TopupSchema()


@bp.get("")
@staff_required()
def show(code: str):
    """The form, the latest event footprint and top-up, and what guests have neutralised so far."""
    return STATE_SCHEMA.dump(events.state(current_staff(), code, lang=language()))


@bp.post("/footprint")
@staff_required()
def create_footprint(code: str):
    """Price the event: venue electricity, catering, materials, staff travel, attendees' estimate."""
    data = json_body(FOOTPRINT_CREATE_SCHEMA)
    return FOOTPRINT_SCHEMA.dump(events.create_footprint(current_staff(), code, data)), 201


@bp.post("/topups")
@staff_required()
def create_topup(code: str):
    """Quote the remainder after the guests' share and open a Native WeChat Pay order for it."""
    data = json_body(TOPUP_CREATE_SCHEMA)
    topup = events.quote_topup(current_staff(), code, footprint_id=data["footprint_id"], project_code=data["project"])
    return TOPUP_SCHEMA.dump(topup), 201


@bp.get("/topups/<order_id>")
@staff_required()
def show_topup(code: str, order_id: str):
    """Poll a top-up: its order status, and the event certificate once paid."""
    return TOPUP_SCHEMA.dump(events.get_topup(current_staff(), code, order_id))


@bp.get("/topups/<order_id>/qr.png")
@staff_required()
def topup_qr(code: str, order_id: str):
    """The Native pay QR code to scan with WeChat (while the order can be paid)."""
    png = events.topup_qr_png(current_staff(), code, order_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
