"""Which calculator sections each scenario kind offers, and the form definition the mini-program renders.

The definition is data, built from the factor set and the contract's limits, so a new kind or mode needs
no app release. Labels are kept in both languages and localised when the scenario is served.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from app.domain.calculator import ENTERED_DISTANCE_ONLY
from app.domain.factors import FactorSet

#: Sections per kind, in the order the form shows them.
KIND_SECTIONS: dict[str, tuple[str, ...]] = {
    "conference": ("travel", "stay", "meals"),
    "scenic": ("travel", "stay", "meals"),
    "hotel": ("stay", "travel", "meals"),
    "restaurant": ("meals", "travel"),
    "supermarket": ("travel", "diet"),
    "life": ("energy", "travel", "diet"),
}

# Limits of the contract; the schemas enforce the same numbers.
MAX_LEGS = 20
MAX_LEG_KM = Decimal(40000)
MAX_PASSENGERS = 9
MAX_NIGHTS = 365
MAX_GUESTS_PER_ROOM = 4
MAX_MEALS = 100
MAX_ENERGY = Decimal(1_000_000)
MAX_DIET_DAYS = 366

class Label(str):
    """A text of the form: its English msgid (and context) in the catalogue (app/i18n.py, app/translations),
    translated when the form is served (`calculator_definition(..., translate=)`). Pure code keeps no
    translations of its own."""

    context: str | None = None

    def __new__(cls, msgid: str, context: str | None = None):
        self = super().__new__(cls, msgid)
        self.context = context
        return self

    def __reduce__(self):
        return (Label, (str(self), self.context))


L = Label


def _l(msgid: str, context: str | None = None) -> Label:
    """Mark a label for extraction (babel.cfg: `_l:1,2c`)."""
    return Label(msgid, context)


Translate = Callable[..., str]


def _as_is(msgid: str, lang: str, context: str | None = None) -> str:
    return msgid


MODE_LABELS: dict[str, L] = {
    "flight.economy": _l("Flight, economy"),
    "flight.premium_economy": _l("Flight, premium economy"),
    "flight.business": _l("Flight, business"),
    "flight.first": _l("Flight, first"),
    "rail.hsr": _l("High-speed rail"),
    "rail.conventional": _l("Conventional rail"),
    "rail.metro": _l("Metro"),
    "road.coach": _l("Coach"),
    "road.bus": _l("City bus"),
    "road.taxi": _l("Taxi or ride-hailing"),
    "road.car_petrol": _l("Car, petrol"),
    "road.car_diesel": _l("Car, diesel"),
    "road.car_hybrid": _l("Car, hybrid"),
    "road.car_ev": _l("Car, electric"),
    "road.motorbike": _l("Motorbike"),
}
COUNTRY_LABELS: dict[str, L] = {
    "CN": _l("Mainland China"),
    "HK": _l("Hong Kong, China"),
    "JP": _l("Japan"),
    "KR": _l("Korea"),
    "SG": _l("Singapore"),
    "IN": _l("India"),
    "FR": _l("France"),
    "DE": _l("Germany"),
    "GB": _l("United Kingdom"),
    "US": _l("United States"),
}
GRID_LABELS: dict[str, L] = {
    "north": _l("North grid"),
    "northeast": _l("Northeast grid"),
    "east": _l("East grid"),
    "central": _l("Central grid"),
    "northwest": _l("Northwest grid"),
    "south": _l("South grid"),
    "southwest": _l("Southwest grid (Sichuan, Chongqing, Tibet)"),
}
# The regional grids a venue can draw its power from (a scenario's `grid`).
GRIDS = tuple(GRID_LABELS)
DIET_LABELS: dict[str, L] = {
    "high_meat": _l("High-meat diet"),
    "medium_meat": _l("Medium-meat diet"),
    "low_meat": _l("Low-meat diet"),
    "pescatarian": _l("Pescatarian"),
    "vegetarian": _l("Vegetarian"),
    "vegan": _l("Vegan"),
}
SECTION_LABELS: dict[str, L] = {
    "travel": _l("Travel"),
    "stay": _l("Accommodation"),
    "meals": _l("Meals"),
    "energy": _l("Home energy"),
    "diet": _l("Diet"),
}
# The supermarket asks about the groceries bought, expressed as days of one person's food.
SECTION_HINTS: dict[tuple[str, str], L] = {
    ("supermarket", "diet"): _l("Days of food for one person in this shop"),
    ("life", "travel"): _l("A year of travel"),
    ("life", "energy"): _l("A year of household energy"),
    ("life", "diet"): _l("A year of eating"),
}


#: A form field's unit (`unit`, stable, for code) as people write it next to the input (`unit_label`).
FORM_UNITS: dict[str, L] = {
    "km": _l("km", "form unit"),
    "night": _l("nights", "form unit"),
    "meal": _l("meals", "form unit"),
    "day": _l("days", "form unit"),
    "kWh": _l("kWh", "form unit"),
    "m3": _l("m³", "form unit"),
    "L": _l("L", "form unit"),
    "kg": _l("kg", "form unit"),
}


def _num(name, label, *, minimum, maximum, unit=None, integer=False, default=None, required=False,
         exclusive_minimum=False):
    out = {"name": name, "type": "integer" if integer else "number", "label": label,
           "required": required, "min": minimum, "max": maximum}
    if exclusive_minimum:
        out["exclusive_min"] = True
    if unit:
        out["unit"] = unit
        out["unit_label"] = FORM_UNITS.get(unit, Label(unit))
    if default is not None:
        out["default"] = default
    return out


def _select(name, label, options, *, default=None, required=False):
    out = {"name": name, "type": "select", "label": label, "required": required, "options": options}
    if default is not None:
        out["default"] = default
    return out


def _travel_section(fs: FactorSet) -> dict:
    modes = []
    for key in fs.travel_modes:
        factor = fs.get(key)
        group = key.split(".", 1)[0]
        modes.append({
            "value": key,
            "label": MODE_LABELS.get(key, Label(key)),
            "group": group,
            "per_vehicle": factor.per_vehicle,
            "places": key not in ENTERED_DISTANCE_ONLY,
            "place_kind": "airport" if group == "flight" else "any",
            "circuity": fs.circuity_for(key),
        })
    return {
        "key": "travel",
        "repeatable": True,
        "max_items": MAX_LEGS,
        "fields": [
            _select("mode", _l("Mode"), modes, required=True),
            _num("distance_km", _l("One-way distance"), minimum=0, maximum=MAX_LEG_KM,
                 unit="km", exclusive_minimum=True),
            {"name": "from", "type": "place", "label": _l("From"), "required": False},
            {"name": "to", "type": "place", "label": _l("To"), "required": False},
            {"name": "round_trip", "type": "boolean", "label": _l("Round trip"), "default": False},
            _num("passengers", _l("People in the vehicle (you included)"),
                 minimum=1, maximum=MAX_PASSENGERS, integer=True, default=1),
        ],
        "rules": [
            _l("Give the one-way distance, or both places"),
            _l("People in the vehicle applies to cars and motorbikes"),
        ],
    }


def _stay_section(fs: FactorSet) -> dict:
    countries = [{"value": c, "label": COUNTRY_LABELS.get(c, Label(c))} for c in fs.hotel_countries]
    return {
        "key": "stay",
        "fields": [
            _num("nights", _l("Nights"), minimum=0, maximum=MAX_NIGHTS, integer=True,
                 required=True, unit="night"),
            _select("country", _l("Hotel location"), countries, default="CN"),
            _num("guests_per_room", _l("Guests per room"), minimum=1,
                 maximum=MAX_GUESTS_PER_ROOM, integer=True, default=1),
        ],
    }


def _meals_section(fs: FactorSet) -> dict:
    labels = {"standard": _l("Standard meals"), "vegetarian": _l("Vegetarian meals"),
              "vegan": _l("Vegan meals")}
    return {
        "key": "meals",
        "fields": [_num(k, labels[k], minimum=0, maximum=MAX_MEALS, integer=True, default=0, unit="meal")
                   for k in ("standard", "vegetarian", "vegan")],
    }


def _energy_section(fs: FactorSet) -> dict:
    grids = [{"value": g, "label": GRID_LABELS.get(g, Label(g))} for g in fs.grids]
    amounts = [
        ("electricity_kwh", _l("Electricity"), "kWh"),
        ("natural_gas_m3", _l("Natural gas"), "m3"),
        ("water_m3", _l("Water"), "m3"),
        ("lpg_litres", _l("LPG"), "L"),
        ("petrol_litres", _l("Petrol (not travel)"), "L"),
        ("diesel_litres", _l("Diesel (not travel)"), "L"),
    ]
    fields = [_num(n, label, minimum=0, maximum=MAX_ENERGY, unit=u, default=0) for n, label, u in amounts]
    grid_label = _l("Grid region (national average if left out)")
    fields.insert(1, _select("grid", grid_label, grids))
    return {"key": "energy", "fields": fields}


def _diet_section(fs: FactorSet) -> dict:
    diets = [{"value": d, "label": DIET_LABELS.get(d, Label(d))} for d in fs.diets]
    return {
        "key": "diet",
        "fields": [
            _select("kind", _l("Diet", "diet habit"), diets, required=True, default="medium_meat"),
            _num("days", _l("Days"), minimum=0, maximum=MAX_DIET_DAYS, integer=True, required=True,
                 unit="day"),
        ],
    }


_BUILDERS = {"travel": _travel_section, "stay": _stay_section, "meals": _meals_section,
             "energy": _energy_section, "diet": _diet_section}


_CACHE: dict[tuple[str, str, str], dict] = {}


def calculator_definition(kind: str, fs: FactorSet, lang: str = "en", translate: Translate = _as_is) -> dict:
    """The form for one kind, its labels passed through `translate(msgid, lang, context)` (the service's
    catalogue, app.i18n.translate; English as written without one). Cached: treat it as read-only."""
    key = (kind, fs.version, lang, translate)
    if key not in _CACHE:
        _CACHE[key] = _build_definition(kind, fs, lang, translate)
    return _CACHE[key]


def _build_definition(kind: str, fs: FactorSet, lang: str, translate: Translate) -> dict:
    sections = []
    for key in KIND_SECTIONS[kind]:
        section = {"key": key, "label": SECTION_LABELS[key]}
        if (kind, key) in SECTION_HINTS:
            section["hint"] = SECTION_HINTS[(kind, key)]
        section.update(_BUILDERS[key](fs))
        sections.append(section)
    return {"factor_set": fs.version, "sections": _localise(sections, lang, translate)}


def _localise(value, lang: str, translate: Translate):
    if isinstance(value, Label):
        return translate(str(value), lang, value.context)
    if isinstance(value, dict):
        return {k: _localise(v, lang, translate) for k, v in value.items()}
    if isinstance(value, list):
        return [_localise(v, lang, translate) for v in value]
    return value


# -- the organiser's event footprint (app/domain/event_footprint.py) -------------------------------------
MATERIAL_LABELS: dict[str, L] = {
    "paper": _l("Paper (printed matter)"),
    "board": _l("Board (displays, packaging)"),
    "plastic": _l("Plastics"),
    "plastic_film": _l("Plastic film (banners, prints)"),
    "aluminium": _l("Aluminium"),
    "steel": _l("Steel (stands)"),
}
EVENT_SECTION_LABELS: dict[str, L] = {
    "venue": _l("Venue electricity"),
    "catering": _l("Catering"),
    "materials": _l("Materials"),
    "staff_travel": _l("Staff travel"),
    "attendees": _l("Attendees' travel and stay (estimate)"),
}
MAX_EVENT_KWH = Decimal(10_000_000)
MAX_EVENT_GUESTS = 200_000
MAX_MEALS_PER_GUEST = 30
MAX_MATERIAL_KG = Decimal(1_000_000)
MAX_GROUPS = 50
MAX_GROUP_PEOPLE = 100_000
MAX_ROOM_NIGHTS = 1_000_000


def event_definition(fs: FactorSet, lang: str = "en", translate: Translate = _as_is) -> dict:
    """The event footprint form for the console, in the same shape as the guests' calculator."""
    people = _num("people", _l("People"), minimum=1, maximum=MAX_GROUP_PEOPLE, integer=True, default=1)
    travel = _travel_section(fs)
    group_fields = travel["fields"] + [people]
    grids = [{"value": g, "label": GRID_LABELS.get(g, Label(g))} for g in fs.grids]
    meals = [{"value": m, "label": lbl} for m, lbl in (("standard", _l("Standard")),
                                                        ("vegetarian", _l("Vegetarian", "meal")),
                                                        ("vegan", _l("Vegan")))]
    materials = [{"value": m, "label": MATERIAL_LABELS[m]} for m in MATERIAL_LABELS if f"material.{m}" in fs.factors]
    countries = [{"value": c, "label": COUNTRY_LABELS.get(c, Label(c))} for c in fs.hotel_countries]
    sections = [
        {"key": "venue", "part": "operations", "fields": [
            _num("electricity_kwh", _l("Electricity"), minimum=0, maximum=MAX_EVENT_KWH, unit="kWh"),
            _select("grid", _l("Grid region (default: the venue's)"), grids)]},
        {"key": "catering", "part": "operations", "fields": [
            _num("guests", _l("Guests served"), minimum=0, maximum=MAX_EVENT_GUESTS, integer=True),
            _num("meals_per_guest", _l("Meals per guest"), minimum=0, maximum=MAX_MEALS_PER_GUEST,
                 integer=True),
            _select("meal", _l("Meal"), meals, default="standard")]},
        {"key": "materials", "part": "operations", "repeatable": True, "max_items": 20, "fields": [
            _select("material", _l("Material"), materials, required=True),
            _num("kg", _l("Weight"), minimum=0, maximum=MAX_MATERIAL_KG, unit="kg", required=True)]},
        {"key": "staff_travel", "part": "operations", "repeatable": True, "max_items": MAX_GROUPS,
         "fields": group_fields, "rules": travel["rules"]},
        {"key": "attendees", "part": "attendees", "fields": [
            {"name": "travel", "type": "group", "repeatable": True, "max_items": MAX_GROUPS, "fields": group_fields},
            _num("room_nights", _l("Hotel room-nights"), minimum=0, maximum=MAX_ROOM_NIGHTS,
                 integer=True, unit="night"),
            _select("country", _l("Hotel location"), countries, default="CN")]},
    ]
    for section in sections:
        section["label"] = EVENT_SECTION_LABELS[section["key"]]
    return {"factor_set": fs.version, "sections": _localise(sections, lang, translate)}
