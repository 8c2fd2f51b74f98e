"""Event neutralisation: the event footprint request, and the footprint and top-up views."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.domain import kinds
from app.domain.event_footprint import EVENT_FACTOR_SET, MATERIALS, MEALS
from app.domain.factors import factor_set
from app.domain.money import minimum_kg
from app.i18n import N_, language
from app.jsonutil import isoformat
from app.schemas.common import Amount, DateTimeUTC, round_kg
from app.schemas.guest.footprints import TravelLegSchema, event_item_view
from app.urls import certificate_urls


class GroupTripSchema(TravelLegSchema):
    """A trip made by `people` people (a staff group, or attendees coming from one place)."""

    people = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=kinds.MAX_GROUP_PEOPLE))


class CateringSchema(Schema):
    guests = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=kinds.MAX_EVENT_GUESTS))
    meals_per_guest = fields.Integer(load_default=0, strict=True,
                                     validate=validate.Range(min=0, max=kinds.MAX_MEALS_PER_GUEST))
    meal = fields.String(load_default="standard", validate=validate.OneOf(MEALS))


class MaterialSchema(Schema):
    material = fields.String(required=True, validate=validate.OneOf(MATERIALS))
    kg = Amount(required=True, validate=validate.Range(min=0, max=kinds.MAX_MATERIAL_KG))


class AttendeesSchema(Schema):
    travel = fields.List(fields.Nested(GroupTripSchema), load_default=list,
                         validate=validate.Length(max=kinds.MAX_GROUPS))
    room_nights = fields.Integer(load_default=0, strict=True,
                                 validate=validate.Range(min=0, max=kinds.MAX_ROOM_NIGHTS))
    country = fields.String(load_default="CN", validate=validate.OneOf(factor_set(EVENT_FACTOR_SET).hotel_countries))


class EventFootprintCreateSchema(Schema):
    electricity_kwh = Amount(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=kinds.MAX_EVENT_KWH))
    grid = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(kinds.GRIDS))
    catering = fields.Nested(CateringSchema, load_default=None, allow_none=True)
    materials = fields.List(fields.Nested(MaterialSchema), load_default=list, validate=validate.Length(max=20))
    staff_travel = fields.List(fields.Nested(GroupTripSchema), load_default=list,
                               validate=validate.Length(max=kinds.MAX_GROUPS))
    attendees = fields.Nested(AttendeesSchema, load_default=None, allow_none=True)

    @validates_schema
    def _something(self, data, **_kwargs):
        catering, attendees = data.get("catering") or {}, data.get("attendees") or {}
        if not (data.get("electricity_kwh") or catering.get("guests") or data.get("materials")
                or data.get("staff_travel") or attendees.get("travel") or attendees.get("room_nights")):
            raise ValidationError(N_("Fill in at least one section."), "_schema")


class TopupCreateSchema(Schema):
    footprint_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    project = fields.String(required=True, validate=validate.Length(min=1, max=32))


class EventFootprintSchema(Schema):
    id = fields.String()
    factor_set = fields.String()
    operations_kg = fields.Function(lambda f: round_kg(f.operations_kg))
    attendees_kg = fields.Function(lambda f: round_kg(f.attendees_kg))
    total_kg = fields.Function(lambda f: round_kg(f.total_kg))
    order_kg = fields.Function(lambda f: minimum_kg(f.total_kg))
    items = fields.Function(lambda f: [event_item_view(i, language()) for i in f.items])
    inputs = fields.Raw()
    created_at = DateTimeUTC()


def _order(n) -> dict:
    order = n.order
    return {"id": order.id, "out_trade_no": order.out_trade_no, "status": order.status, "kg": order.kg,
            "amount_fen": order.amount_fen, "project": order.project.code, "code_url": order.code_url,
            "expires_at": isoformat(order.expires_at),
            "qr_url": f"/api/v1/staff/scenarios/{n.scenario.code}/event/topups/{order.id}/qr.png"
            if order.status == "pending" else None}


def _certificate(n) -> dict | None:
    cert = n.order.certificate
    if cert is None:
        return None
    return {"serial": cert.serial, "status": cert.status, "kg": cert.kg, **certificate_urls(cert.serial)}


class TopupSchema(Schema):
    """A top-up: both parts of the claim, the order to pay, the event certificate once paid."""

    event_footprint_id = fields.String()
    total_kg = fields.Integer()
    guests_kg = fields.Integer()
    guest_certificates = fields.Integer()
    credited_guests_kg = fields.Integer()
    topup_kg = fields.Integer()
    amount_fen = fields.Function(lambda n: n.order.amount_fen)
    order = fields.Function(_order)
    certificate = fields.Function(_certificate)
    created_at = DateTimeUTC()


class EventStateSchema(Schema):
    """The console's event page (dumps services.console.events.EventState)."""

    scenario = fields.String()
    definition = fields.Raw()
    guests = fields.Function(lambda s: {"kg": s.guests_kg, "certificates": s.guest_certificates})
    footprint = fields.Nested(EventFootprintSchema, allow_none=True)
    neutralisation = fields.Nested(TopupSchema, allow_none=True)
