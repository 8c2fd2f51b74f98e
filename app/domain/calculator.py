"""The carbon calculator: activity inputs -> itemised kgCO2e, exactly the factor set's README method.

Pure code (no Flask, no database). Every amount is a Decimal; nothing here rounds. Distances from two
places come from `great_circle_km` (geometry in double precision, quantised to the metre) and are then
multiplied by the mode group's circuity (flight 1.0, rail 1.2, road 1.5); entered distances are used as
entered. Per-vehicle factors are divided by the people in the vehicle, per-room factors by the guests
sharing the room, and a round trip counts the distance twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.factors import Factor, FactorSet
from app.domain.messages import N_
from app.domain.places import Place, great_circle_km

ZERO = Decimal(0)

# Modes whose factor assumes an entered urban distance: two cities make no sense for a metro ride.
ENTERED_DISTANCE_ONLY = frozenset({"rail.metro", "road.bus"})


@dataclass(frozen=True)
class TravelLeg:
    mode: str
    distance_km: Decimal | None = None
    origin: Place | None = None
    destination: Place | None = None
    round_trip: bool = False
    passengers: int = 1


@dataclass(frozen=True)
class Stay:
    nights: int
    country: str = "CN"
    guests_per_room: int = 1


@dataclass(frozen=True)
class Meals:
    standard: int = 0
    vegetarian: int = 0
    vegan: int = 0


@dataclass(frozen=True)
class Energy:
    electricity_kwh: Decimal = ZERO
    grid: str | None = None
    natural_gas_m3: Decimal = ZERO
    water_m3: Decimal = ZERO
    lpg_litres: Decimal = ZERO
    petrol_litres: Decimal = ZERO
    diesel_litres: Decimal = ZERO


@dataclass(frozen=True)
class Diet:
    kind: str
    days: int


@dataclass(frozen=True)
class Activities:
    travel: tuple[TravelLeg, ...] = ()
    stay: Stay | None = None
    meals: Meals | None = None
    energy: Energy | None = None
    diet: Diet | None = None


@dataclass(frozen=True)
class LineItem:
    category: str
    factor: Factor
    amount: Decimal  # activity in the factor's unit (passenger.km, vehicle.km, room.night, kWh ...)
    kg: Decimal
    mode: str | None = None
    distance_km: Decimal | None = None  # one way, after circuity
    distance_basis: str | None = None  # "entered" or "great_circle"
    circuity: Decimal | None = None
    trips: int | None = None
    share: int = 1  # people sharing the vehicle or room
    origin: Place | None = None
    destination: Place | None = None


@dataclass(frozen=True)
class Result:
    factor_set: str
    items: tuple[LineItem, ...] = field(default_factory=tuple)

    @property
    def total_kg(self) -> Decimal:
        return sum((item.kg for item in self.items), ZERO)


class CalculationError(ValueError):
    """An input the method cannot price; `field` names it in the request's dotted notation."""

    def __init__(self, field_path: str, message: str):
        super().__init__(f"{field_path}: {message}")
        self.field = field_path
        self.message = message


def calculate(activities: Activities, factors: FactorSet) -> Result:
    items: list[LineItem] = []
    for index, leg in enumerate(activities.travel):
        items.append(travel_item(leg, factors, f"travel.{index}"))
    if activities.stay and activities.stay.nights:
        items.append(stay_item(activities.stay, factors))
    if activities.meals:
        for kind in ("standard", "vegetarian", "vegan"):
            count = getattr(activities.meals, kind)
            if count:
                items.append(simple_item("meal", factors.get(f"meal.{kind}"), Decimal(count)))
    if activities.energy:
        items.extend(energy_items(activities.energy, factors))
    if activities.diet and activities.diet.days:
        factor = _factor(factors, f"diet.{activities.diet.kind}", "diet.kind")
        items.append(simple_item("diet", factor, Decimal(activities.diet.days)))
    return Result(factor_set=factors.version, items=tuple(items))


def _factor(factors: FactorSet, key: str, field_path: str) -> Factor:
    try:
        return factors.get(key)
    except KeyError:
        raise CalculationError(field_path, f"Not in factor set {factors.version}.") from None


def travel_item(leg: TravelLeg, factors: FactorSet, path: str) -> LineItem:
    factor = _factor(factors, leg.mode, f"{path}.mode")
    if factor.category != "travel":
        raise CalculationError(f"{path}.mode", N_("Not a travel mode."))
    if leg.distance_km is not None:
        distance, basis, circuity = leg.distance_km, "entered", None
    elif leg.origin is not None and leg.destination is not None:
        if leg.mode in ENTERED_DISTANCE_ONLY:
            raise CalculationError(f"{path}.distance_km", N_("Enter the distance for this mode."))
        circuity = factors.circuity_for(leg.mode)
        distance, basis = great_circle_km(leg.origin, leg.destination) * circuity, "great_circle"
        if distance <= 0:
            raise CalculationError(f"{path}.to", N_("The two places are the same."))
    else:
        raise CalculationError(f"{path}.distance_km", N_("Give distance_km, or from and to."))
    trips = 2 if leg.round_trip else 1
    amount = distance * trips
    share = leg.passengers if factor.per_vehicle else 1
    return LineItem(
        category="travel",
        factor=factor,
        amount=amount,
        kg=amount * factor.value / share,
        mode=leg.mode,
        distance_km=distance,
        distance_basis=basis,
        circuity=circuity,
        trips=trips,
        share=share,
        origin=leg.origin,
        destination=leg.destination,
    )


def stay_item(stay: Stay, factors: FactorSet) -> LineItem:
    factor = _factor(factors, f"stay.hotel.{stay.country}", "stay.country")
    amount = Decimal(stay.nights)
    return LineItem(
        category="stay",
        factor=factor,
        amount=amount,
        kg=amount * factor.value / stay.guests_per_room,
        share=stay.guests_per_room,
    )


def energy_items(energy: Energy, factors: FactorSet) -> list[LineItem]:
    items = []
    if energy.electricity_kwh:
        key = f"electricity.grid.{energy.grid or 'CN'}"
        items.append(simple_item("energy", _factor(factors, key, "energy.grid"), energy.electricity_kwh))
    for attr, key in (
        ("natural_gas_m3", "natural_gas"),
        ("water_m3", "water"),
        ("lpg_litres", "lpg"),
        ("petrol_litres", "petrol"),
        ("diesel_litres", "diesel"),
    ):
        amount = getattr(energy, attr)
        if amount:
            items.append(simple_item("energy", factors.get(key), amount))
    return items


def simple_item(category: str, factor: Factor, amount: Decimal) -> LineItem:
    return LineItem(category=category, factor=factor, amount=amount, kg=amount * factor.value)
