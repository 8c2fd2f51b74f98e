"""Event neutralisation: the organiser prices the event, sees what guests already covered, and tops up.

The claim's boundary is the event footprint: operations (venue electricity on the venue's grid,
catering, materials, staff travel) plus the attendees' travel and stay as the organiser estimates
them. Guests who neutralised their own trip through the event's QR codes covered part of the second
half; their certificates are credited against it, never beyond it (a guest's kilogram cannot pay for
the venue's electricity). The organiser's top-up is the rest, paid with WeChat Pay (Native: a QR code
scanned from the console) and fulfilled by the same notification path as guests' orders, ending in one
event certificate that states both parts.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from app.domain import event_footprint as domain
from app.domain.calculator import CalculationError
from app.domain.china_time import to_china
from app.domain.factors import factor_set
from app.domain.kinds import event_definition
from app.domain.money import minimum_kg
from app.errors import AppError, InvalidInput, NotFound, WeChatUnavailable
from app.extensions import db
from app.i18n import N_, coded, translate
from app.models import Certificate, EventFootprint, EventNeutralisation, Order, StaffAccount
from app.models.base import utcnow
from app.rendering.qr import qr_png
from app.services.console.scenarios import get_managed
from app.services.guest.footprints import inputs_record, item_record, travel_leg
from app.services.offsetting import orders
from app.services.offsetting import projects as project_service
from app.wechat import wechat_pay
from app.wechat.exceptions import WeChatError

MAX_TOPUP_KG = 1_000_000  # 1,000 t in one top-up


class EventFootprintNotFound(NotFound):
    code = "event_footprint_not_found"


class TopupNotFound(NotFound):
    code = "topup_not_found"


class EventAlreadyNeutralised(AppError):
    status_code, code = 409, "event_already_neutralised"


def create_footprint(actor: StaffAccount, code: str, data: dict) -> EventFootprint:
    """Price the event and store inputs and lines. :raise InvalidInput: unknown place or factor."""
    scenario = get_managed(actor, code)
    errors: dict[str, list[str]] = {}

    def trips(key: str, rows: list[dict]) -> tuple[domain.GroupTrip, ...]:
        return tuple(domain.GroupTrip(travel_leg(row, f"{key}.{i}", errors), row.get("people", 1))
                     for i, row in enumerate(rows))

    catering, attendees = data.get("catering") or {}, data.get("attendees") or {}
    acts = domain.EventActivities(
        electricity_kwh=data.get("electricity_kwh") or 0, grid=data.get("grid") or scenario.grid,
        catering_guests=catering.get("guests", 0), meals_per_guest=catering.get("meals_per_guest", 0),
        meal=catering.get("meal", "standard"),
        materials=tuple((m["material"], m["kg"]) for m in data.get("materials") or []),
        staff_travel=trips("staff_travel", data.get("staff_travel") or []),
        attendee_travel=trips("attendees.travel", attendees.get("travel") or []),
        room_nights=attendees.get("room_nights", 0), hotel_country=attendees.get("country", "CN"),
    )
    if errors:
        raise InvalidInput(fields=errors)
    try:
        result = domain.calculate_event(acts, factor_set(domain.EVENT_FACTOR_SET))
    except CalculationError as exc:
        raise InvalidInput(fields={exc.field: [exc.message]}) from None
    if not result.lines:
        raise InvalidInput(fields={"_schema": [N_("Nothing to price: fill in at least one section.")]})
    footprint = EventFootprint(
        id="ef_" + secrets.token_urlsafe(15), scenario_id=scenario.id, staff_id=actor.id,
        factor_set=result.factor_set, inputs=inputs_record(data),
        items=[{**item_record(line.item), "section": line.section, "people": line.people, "kg": str(line.kg),
                "kg_each": str(line.item.kg)} for line in result.lines],
        operations_kg=result.operations_kg, attendees_kg=result.attendees_kg, total_kg=result.total_kg,
    )
    db.session.add(footprint)
    db.session.commit()
    return footprint


def guests_share(scenario_id: int) -> tuple[int, int]:
    """(kg, certificates) the guests neutralised themselves through this scenario, valid ones only."""
    kg, count = db.session.execute(
        select(func.coalesce(func.sum(Certificate.kg), 0), func.count(Certificate.id)).where(
            Certificate.scenario_id == scenario_id, Certificate.kind == "personal", Certificate.status == "valid")
    ).one()
    return int(kg), int(count)


def _event_certificate(scenario_id: int) -> Certificate | None:
    return db.session.execute(select(Certificate).where(
        Certificate.scenario_id == scenario_id, Certificate.kind == "event", Certificate.status == "valid")
    ).scalars().first()


def quote_topup(actor: StaffAccount, code: str, *, footprint_id: str, project_code: str) -> EventNeutralisation:
    """Hold the remainder on a project and open a Native WeChat Pay order for it.

    Asking again for the same footprint and project while the order can still be paid returns it.
    :raise EventAlreadyNeutralised: :raise EventFootprintNotFound: :raise InvalidInput:
    :raise InsufficientCredits: :raise WeChatUnavailable:
    """
    scenario = get_managed(actor, code)
    footprint = db.session.get(EventFootprint, footprint_id) if len(footprint_id) <= 32 else None
    if footprint is None or footprint.scenario_id != scenario.id:
        raise EventFootprintNotFound()
    if _event_certificate(scenario.id) is not None:
        raise EventAlreadyNeutralised("this event already has a valid event certificate")
    project = project_service.get_project(project_code)
    if not project_service.is_offered(project, scenario.id):
        raise InvalidInput(fields={"project": [N_("This project is not offered for this scenario.")]})

    total_kg = minimum_kg(footprint.total_kg)
    guests_kg, guest_certificates = guests_share(scenario.id)
    credited = min(guests_kg, int(footprint.attendees_kg))  # floor: never credit more than the estimate
    topup_kg = total_kg - credited
    if topup_kg > MAX_TOPUP_KG:
        raise InvalidInput(fields={"footprint_id": [
            coded("At most {kg} kg in one top-up.", "kg_too_large", kg=MAX_TOPUP_KG)]})

    pending = db.session.execute(
        select(EventNeutralisation).join(Order, Order.id == EventNeutralisation.order_id).where(
            EventNeutralisation.event_footprint_id == footprint.id, Order.project_id == project.id,
            Order.status == "pending", Order.kg == topup_kg, Order.expires_at > utcnow(),
            Order.code_url.is_not(None))
    ).scalars().first()
    if pending is not None:
        return pending

    holder = scenario.organization.name if scenario.organization else scenario.title
    order = orders.new_order(project, topup_kg, kind="event", staff_id=actor.id, scenario_id=scenario.id,
                             beneficiary=holder[:64])
    neutralisation = EventNeutralisation(
        scenario=scenario, footprint=footprint, order=order, total_kg=total_kg,
        guests_kg=guests_kg, guest_certificates=guest_certificates, credited_guests_kg=credited,
        topup_kg=topup_kg)
    orders.hold(order, project, also=(neutralisation,))
    try:
        order.code_url = wechat_pay().prepay_native(
            out_trade_no=order.out_trade_no, description=f"活动碳中和 {topup_kg} kg · {scenario.title}"[:127],
            amount_fen=order.amount_fen, time_expire=to_china(order.expires_at))
    except WeChatError as exc:
        orders.close(order)
        db.session.commit()
        raise WeChatUnavailable(f"native prepay failed: {exc.errcode}") from None
    db.session.commit()
    return neutralisation


def get_topup(actor: StaffAccount, code: str, order_id: str) -> EventNeutralisation:
    """:raise TopupNotFound: unknown, or another scenario's."""
    scenario = get_managed(actor, code)
    found = db.session.execute(select(EventNeutralisation).where(
        EventNeutralisation.order_id == order_id[:32], EventNeutralisation.scenario_id == scenario.id)
    ).scalar_one_or_none()
    if found is None:
        raise TopupNotFound()
    return found


def topup_qr_png(actor: StaffAccount, code: str, order_id: str) -> bytes:
    """The Native pay QR code, while the order can still be paid. :raise TopupNotFound:"""
    order = get_topup(actor, code, order_id).order
    if order.status != "pending" or not order.code_url or order.expires_at <= utcnow():
        raise TopupNotFound("this top-up can no longer be paid")
    return qr_png(order.code_url, box=8, border=2)


@dataclass(frozen=True)
class EventState:
    """What the console's event page shows: the form, the latest footprint and top-up, the guests' share."""

    scenario: str
    definition: dict
    guests_kg: int
    guest_certificates: int
    footprint: EventFootprint | None
    neutralisation: EventNeutralisation | None


def state(actor: StaffAccount, code: str, *, lang: str = "zh") -> EventState:
    """The event form in `lang`, the latest event footprint and top-up of a scenario, the guests' share now."""
    scenario = get_managed(actor, code)
    footprint = db.session.execute(select(EventFootprint).where(EventFootprint.scenario_id == scenario.id)
                                   .order_by(EventFootprint.created_at.desc())).scalars().first()
    latest = db.session.execute(select(EventNeutralisation).where(EventNeutralisation.scenario_id == scenario.id)
                                .order_by(EventNeutralisation.id.desc())).scalars().first()
    guests_kg, guest_certificates = guests_share(scenario.id)
    definition = event_definition(factor_set(domain.EVENT_FACTOR_SET), lang, translate)
    return EventState(scenario=scenario.code, definition=definition,
                      guests_kg=guests_kg, guest_certificates=guest_certificates, footprint=footprint,
                      neutralisation=latest)
