"""An event's own footprint, for the organiser's top-up (pure code: no Flask, no database).

Two parts, kept apart because guests may already have neutralised some of the second:
- operations: the venue's electricity (on the grid of the venue's region), catering for N guests,
  materials bought, and the organising staff's travel;
- attendees: the guests' travel and hotel stay as the organiser estimates them (groups of people
  making the same trip, and room-nights).
Each line is priced exactly as a guest's footprint is (calculator.travel_item and friends), then
multiplied by the number of people making that trip.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.domain.calculator import (
    ZERO,
    CalculationError,
    Energy,
    LineItem,
    Stay,
    TravelLeg,
    energy_items,
    simple_item,
    stay_item,
    travel_item,
)
from app.domain.factors import FactorSet
from app.domain.messages import N_

EVENT_FACTOR_SET = "diandian-2025.2"
MATERIALS = ("paper", "board", "plastic", "plastic_film", "aluminium", "steel")
MEALS = ("standard", "vegetarian", "vegan")
OPERATIONS = ("venue", "catering", "materials", "staff_travel")
ATTENDEES = ("attendee_travel", "attendee_stay")


@dataclass(frozen=True)
class GroupTrip:
    """`people` people each making the same trip (a shared car still divides by its passengers)."""

    leg: TravelLeg
    people: int = 1


@dataclass(frozen=True)
class EventActivities:
    electricity_kwh: Decimal = ZERO
    grid: str | None = None
    catering_guests: int = 0
    meals_per_guest: int = 0
    meal: str = "standard"
    materials: tuple[tuple[str, Decimal], ...] = ()
    staff_travel: tuple[GroupTrip, ...] = ()
    attendee_travel: tuple[GroupTrip, ...] = ()
    room_nights: int = 0
    hotel_country: str = "CN"


@dataclass(frozen=True)
class EventLine:
    section: str  # one of OPERATIONS or ATTENDEES
    item: LineItem  # priced for one person (or the whole amount where people == 1)
    people: int
    kg: Decimal  # item.kg x people


@dataclass(frozen=True)
class EventResult:
    factor_set: str
    lines: tuple[EventLine, ...]

    def _sum(self, sections) -> Decimal:
        return sum((line.kg for line in self.lines if line.section in sections), ZERO)

    @property
    def operations_kg(self) -> Decimal:
        return self._sum(OPERATIONS)

    @property
    def attendees_kg(self) -> Decimal:
        return self._sum(ATTENDEES)

    @property
    def total_kg(self) -> Decimal:
        return self.operations_kg + self.attendees_kg


def calculate_event(acts: EventActivities, factors: FactorSet) -> EventResult:
    """:raise CalculationError: an input the method cannot price (the field is named)."""
    lines: list[EventLine] = []

    def add(section: str, item: LineItem, people: int = 1) -> None:
        lines.append(EventLine(section, item, people, item.kg * people))

    for item in energy_items(Energy(electricity_kwh=acts.electricity_kwh, grid=acts.grid), factors):
        add("venue", item)
    meals = acts.catering_guests * acts.meals_per_guest
    if meals:
        if acts.meal not in MEALS:
            raise CalculationError("catering.meal", N_("Unknown meal."))
        add("catering", simple_item("meal", factors.get(f"meal.{acts.meal}"), Decimal(meals)))
    for index, (material, kg) in enumerate(acts.materials):
        key = f"material.{material}"
        if key not in factors.factors:
            raise CalculationError(f"materials.{index}.material", f"Not in factor set {factors.version}.")
        if kg:
            add("materials", simple_item("material", factors.get(key), kg))
    for section, trips in (("staff_travel", acts.staff_travel), ("attendee_travel", acts.attendee_travel)):
        for index, trip in enumerate(trips):
            add(section, travel_item(trip.leg, factors, f"{section}.{index}"), trip.people)
    if acts.room_nights:
        add("attendee_stay", stay_item(Stay(nights=acts.room_nights, country=acts.hotel_country), factors))
    return EventResult(factor_set=factors.version, lines=tuple(lines))
