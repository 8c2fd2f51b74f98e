"""Event neutralisation: the organiser's event footprint and the top-up order that ends in one certificate."""
from flask import Blueprint, Response

from app.domain.event_footprint import EVENT_FACTOR_SET
from app.domain.factors import factor_set
from app.domain.kinds import event_definition
from app.i18n import language
from app.routes.helpers import json_body
from app.schemas.events import EventFootprintCreateSchema, EventFootprintSchema, TopupCreateSchema, TopupSchema
from app.services import events, staff

bp = Blueprint("events", __name__, url_prefix="/api/v1/staff")

FOOTPRINT_CREATE_SCHEMA = EventFootprintCreateSchema()
FOOTPRINT_SCHEMA = EventFootprintSchema()
TOPUP_CREATE_SCHEMA = TopupCreateSchema()
TOPUP_SCHEMA = TopupSchema()


@bp.get("/scenarios/<code>/event")
def show(code: str):
    """The form, the latest event footprint and top-up, and what guests have neutralised so far."""
    scenario, footprint, topup, (guests_kg, guest_certificates) = events.state(staff.current_staff(), code)
    return {
        "scenario": scenario.code,
        "definition": event_definition(factor_set(EVENT_FACTOR_SET), language()),
        "guests": {"kg": guests_kg, "certificates": guest_certificates},
        "footprint": FOOTPRINT_SCHEMA.dump(footprint) if footprint else None,
        "neutralisation": TOPUP_SCHEMA.dump(topup) if topup else None,
    }


@bp.post("/scenarios/<code>/event/footprint")
def create_footprint(code: str):
    """Price the event: venue electricity, catering, materials, staff travel, attendees' estimate."""
    actor = staff.current_staff()
    data = json_body(FOOTPRINT_CREATE_SCHEMA)
    return FOOTPRINT_SCHEMA.dump(events.create_footprint(actor, code, data)), 201


@bp.post("/scenarios/<code>/event/topups")
def create_topup(code: str):
    """Quote the remainder after the guests' share and open a Native WeChat Pay order for it."""
    actor = staff.current_staff()
    data = json_body(TOPUP_CREATE_SCHEMA)
    topup = events.quote_topup(actor, code, footprint_id=data["footprint_id"], project_code=data["project"])
    return TOPUP_SCHEMA.dump(topup), 201


@bp.get("/scenarios/<code>/event/topups/<order_id>")
def show_topup(code: str, order_id: str):
    """Poll a top-up: its order status, and the event certificate once paid."""
    return TOPUP_SCHEMA.dump(events.get_topup(staff.current_staff(), code, order_id))


@bp.get("/scenarios/<code>/event/topups/<order_id>/qr.png")
def topup_qr(code: str, order_id: str):
    """The Native pay QR code to scan with WeChat (while the order can be paid)."""
    png = events.topup_qr_png(staff.current_staff(), code, order_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})
