"""Which calculator sections each scenario kind offers, and the form definition the mini-program renders.

The definition is data, built from the factor set and the contract's limits, so a new kind or mode needs
no app release. Labels are kept in both languages and localised when the scenario is served.
"""
from __future__ import annotations

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

L = dict[str, str]


def _l(zh: str, en: str) -> L:
    return {"zh": zh, "en": en}


MODE_LABELS: dict[str, L] = {
    "flight.economy": _l("飞机（经济舱）", "Flight, economy"),
    "flight.premium_economy": _l("飞机（超级经济舱）", "Flight, premium economy"),
    "flight.business": _l("飞机（商务舱）", "Flight, business"),
    "flight.first": _l("飞机（头等舱）", "Flight, first"),
    "rail.hsr": _l("高铁 / 动车", "High-speed rail"),
    "rail.conventional": _l("普通列车", "Conventional rail"),
    "rail.metro": _l("地铁", "Metro"),
    "road.coach": _l("长途大巴", "Coach"),
    "road.bus": _l("公交车", "City bus"),
    "road.taxi": _l("出租车 / 网约车", "Taxi or ride-hailing"),
    "road.car_petrol": _l("汽油车", "Car, petrol"),
    "road.car_diesel": _l("柴油车", "Car, diesel"),
    "road.car_hybrid": _l("混合动力车", "Car, hybrid"),
    "road.car_ev": _l("纯电动车", "Car, electric"),
    "road.motorbike": _l("摩托车", "Motorbike"),
}
COUNTRY_LABELS: dict[str, L] = {
    "CN": _l("中国内地", "Mainland China"),
    "HK": _l("中国香港", "Hong Kong, China"),
    "JP": _l("日本", "Japan"),
    "KR": _l("韩国", "Korea"),
    "SG": _l("新加坡", "Singapore"),
    "IN": _l("印度", "India"),
    "FR": _l("法国", "France"),
    "DE": _l("德国", "Germany"),
    "GB": _l("英国", "United Kingdom"),
    "US": _l("美国", "United States"),
}
GRID_LABELS: dict[str, L] = {
    "north": _l("华北电网", "North grid"),
    "northeast": _l("东北电网", "Northeast grid"),
    "east": _l("华东电网", "East grid"),
    "central": _l("华中电网", "Central grid"),
    "northwest": _l("西北电网", "Northwest grid"),
    "south": _l("南方电网", "South grid"),
    "southwest": _l("西南电网（四川、重庆、西藏）", "Southwest grid (Sichuan, Chongqing, Tibet)"),
}
# The regional grids a venue can draw its power from (a scenario's `grid`).
GRIDS = tuple(GRID_LABELS)
DIET_LABELS: dict[str, L] = {
    "high_meat": _l("多肉饮食", "High-meat diet"),
    "medium_meat": _l("适量肉食", "Medium-meat diet"),
    "low_meat": _l("少肉饮食", "Low-meat diet"),
    "pescatarian": _l("鱼素饮食", "Pescatarian"),
    "vegetarian": _l("蛋奶素", "Vegetarian"),
    "vegan": _l("纯素", "Vegan"),
}
SECTION_LABELS: dict[str, L] = {
    "travel": _l("交通出行", "Travel"),
    "stay": _l("住宿", "Accommodation"),
    "meals": _l("餐饮", "Meals"),
    "energy": _l("家庭能源", "Home energy"),
    "diet": _l("饮食", "Diet"),
}
# The supermarket asks about the groceries bought, expressed as days of one person's food.
SECTION_HINTS: dict[tuple[str, str], L] = {
    ("supermarket", "diet"): _l("本次购买的食品够一人吃几天", "Days of food for one person in this shop"),
    ("life", "travel"): _l("一年的出行里程", "A year of travel"),
    ("life", "energy"): _l("一年的家庭用能", "A year of household energy"),
    ("life", "diet"): _l("一年的饮食", "A year of eating"),
}


def _num(name, label, *, minimum, maximum, unit=None, integer=False, default=None, required=False,
         exclusive_minimum=False):
    out = {"name": name, "type": "integer" if integer else "number", "label": label,
           "required": required, "min": minimum, "max": maximum}
    if exclusive_minimum:
        out["exclusive_min"] = True
    if unit:
        out["unit"] = unit
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
            "label": MODE_LABELS.get(key, _l(key, key)),
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
            _select("mode", _l("交通方式", "Mode"), modes, required=True),
            _num("distance_km", _l("单程距离", "One-way distance"), minimum=0, maximum=MAX_LEG_KM,
                 unit="km", exclusive_minimum=True),
            {"name": "from", "type": "place", "label": _l("出发地", "From"), "required": False},
            {"name": "to", "type": "place", "label": _l("目的地", "To"), "required": False},
            {"name": "round_trip", "type": "boolean", "label": _l("往返", "Round trip"), "default": False},
            _num("passengers", _l("同车人数（含本人）", "People in the vehicle (you included)"),
                 minimum=1, maximum=MAX_PASSENGERS, integer=True, default=1),
        ],
        "rules": [
            _l("填写单程距离，或选择出发地和目的地", "Give the one-way distance, or both places"),
            _l("同车人数仅适用于私家车和摩托车", "People in the vehicle applies to cars and motorbikes"),
        ],
    }


def _stay_section(fs: FactorSet) -> dict:
    countries = [{"value": c, "label": COUNTRY_LABELS.get(c, _l(c, c))} for c in fs.hotel_countries]
    return {
        "key": "stay",
        "fields": [
            _num("nights", _l("住宿晚数", "Nights"), minimum=0, maximum=MAX_NIGHTS, integer=True,
                 required=True, unit="night"),
            _select("country", _l("酒店所在地", "Hotel location"), countries, default="CN"),
            _num("guests_per_room", _l("每间住客数", "Guests per room"), minimum=1,
                 maximum=MAX_GUESTS_PER_ROOM, integer=True, default=1),
        ],
    }


def _meals_section(fs: FactorSet) -> dict:
    labels = {"standard": _l("普通餐", "Standard meals"), "vegetarian": _l("素食餐", "Vegetarian meals"),
              "vegan": _l("纯素餐", "Vegan meals")}
    return {
        "key": "meals",
        "fields": [_num(k, labels[k], minimum=0, maximum=MAX_MEALS, integer=True, default=0, unit="meal")
                   for k in ("standard", "vegetarian", "vegan")],
    }


def _energy_section(fs: FactorSet) -> dict:
    grids = [{"value": g, "label": GRID_LABELS.get(g, _l(g, g))} for g in fs.grids]
    amounts = [
        ("electricity_kwh", _l("用电量", "Electricity"), "kWh"),
        ("natural_gas_m3", _l("天然气", "Natural gas"), "m3"),
        ("water_m3", _l("用水量", "Water"), "m3"),
        ("lpg_litres", _l("液化石油气", "LPG"), "L"),
        ("petrol_litres", _l("汽油（非出行）", "Petrol (not travel)"), "L"),
        ("diesel_litres", _l("柴油（非出行）", "Diesel (not travel)"), "L"),
    ]
    fields = [_num(n, label, minimum=0, maximum=MAX_ENERGY, unit=u, default=0) for n, label, u in amounts]
    grid_label = _l("所在电网区域（不选则按全国平均）", "Grid region (national average if left out)")
    fields.insert(1, _select("grid", grid_label, grids))
    return {"key": "energy", "fields": fields}


def _diet_section(fs: FactorSet) -> dict:
    diets = [{"value": d, "label": DIET_LABELS.get(d, _l(d, d))} for d in fs.diets]
    return {
        "key": "diet",
        "fields": [
            _select("kind", _l("饮食习惯", "Diet"), diets, required=True, default="medium_meat"),
            _num("days", _l("天数", "Days"), minimum=0, maximum=MAX_DIET_DAYS, integer=True, required=True,
                 unit="day"),
        ],
    }


_BUILDERS = {"travel": _travel_section, "stay": _stay_section, "meals": _meals_section,
             "energy": _energy_section, "diet": _diet_section}


_CACHE: dict[tuple[str, str, str], dict] = {}


def calculator_definition(kind: str, fs: FactorSet, lang: str = "zh") -> dict:
    """The form for one kind, with labels in `lang` ("zh" or "en"). Cached: treat it as read-only."""
    key = (kind, fs.version, lang)
    if key not in _CACHE:
        _CACHE[key] = _build_definition(kind, fs, lang)
    return _CACHE[key]


def _build_definition(kind: str, fs: FactorSet, lang: str) -> dict:
    sections = []
    for key in KIND_SECTIONS[kind]:
        section = {"key": key, "label": SECTION_LABELS[key]}
        if (kind, key) in SECTION_HINTS:
            section["hint"] = SECTION_HINTS[(kind, key)]
        section.update(_BUILDERS[key](fs))
        sections.append(section)
    return {"factor_set": fs.version, "sections": _localise(sections, lang)}


def _localise(value, lang: str):
    if isinstance(value, dict):
        if set(value) == {"zh", "en"}:
            return value[lang]
        return {k: _localise(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [_localise(v, lang) for v in value]
    return value


# -- the organiser's event footprint (app/domain/event_footprint.py) -------------------------------------
MATERIAL_LABELS: dict[str, L] = {
    "paper": _l("纸张（印刷品）", "Paper (printed matter)"),
    "board": _l("纸板（展板、包装）", "Board (displays, packaging)"),
    "plastic": _l("塑料制品", "Plastics"),
    "plastic_film": _l("塑料膜（横幅、喷绘）", "Plastic film (banners, prints)"),
    "aluminium": _l("铝材", "Aluminium"),
    "steel": _l("钢材（展架）", "Steel (stands)"),
}
EVENT_SECTION_LABELS: dict[str, L] = {
    "venue": _l("场馆用电", "Venue electricity"),
    "catering": _l("餐饮", "Catering"),
    "materials": _l("物料", "Materials"),
    "staff_travel": _l("工作人员差旅", "Staff travel"),
    "attendees": _l("参会者交通与住宿（估算）", "Attendees' travel and stay (estimate)"),
}
MAX_EVENT_KWH = Decimal(10_000_000)
MAX_EVENT_GUESTS = 200_000
MAX_MEALS_PER_GUEST = 30
MAX_MATERIAL_KG = Decimal(1_000_000)
MAX_GROUPS = 50
MAX_GROUP_PEOPLE = 100_000
MAX_ROOM_NIGHTS = 1_000_000


def event_definition(fs: FactorSet, lang: str = "zh") -> dict:
    """The event footprint form for the console, in the same shape as the guests' calculator."""
    people = _num("people", _l("人数", "People"), minimum=1, maximum=MAX_GROUP_PEOPLE, integer=True, default=1)
    travel = _travel_section(fs)
    group_fields = travel["fields"] + [people]
    grids = [{"value": g, "label": GRID_LABELS.get(g, _l(g, g))} for g in fs.grids]
    meals = [{"value": m, "label": lbl} for m, lbl in (("standard", _l("普通餐", "Standard")),
                                                        ("vegetarian", _l("素食", "Vegetarian")),
                                                        ("vegan", _l("纯素", "Vegan")))]
    materials = [{"value": m, "label": MATERIAL_LABELS[m]} for m in MATERIAL_LABELS if f"material.{m}" in fs.factors]
    countries = [{"value": c, "label": COUNTRY_LABELS.get(c, _l(c, c))} for c in fs.hotel_countries]
    sections = [
        {"key": "venue", "part": "operations", "fields": [
            _num("electricity_kwh", _l("用电量", "Electricity"), minimum=0, maximum=MAX_EVENT_KWH, unit="kWh"),
            _select("grid", _l("电网区域（默认为场馆所在区域）", "Grid region (default: the venue's)"), grids)]},
        {"key": "catering", "part": "operations", "fields": [
            _num("guests", _l("用餐人数", "Guests served"), minimum=0, maximum=MAX_EVENT_GUESTS, integer=True),
            _num("meals_per_guest", _l("每人餐数", "Meals per guest"), minimum=0, maximum=MAX_MEALS_PER_GUEST,
                 integer=True),
            _select("meal", _l("餐食类型", "Meal"), meals, default="standard")]},
        {"key": "materials", "part": "operations", "repeatable": True, "max_items": 20, "fields": [
            _select("material", _l("材料", "Material"), materials, required=True),
            _num("kg", _l("重量", "Weight"), minimum=0, maximum=MAX_MATERIAL_KG, unit="kg", required=True)]},
        {"key": "staff_travel", "part": "operations", "repeatable": True, "max_items": MAX_GROUPS,
         "fields": group_fields, "rules": travel["rules"]},
        {"key": "attendees", "part": "attendees", "fields": [
            {"name": "travel", "type": "group", "repeatable": True, "max_items": MAX_GROUPS, "fields": group_fields},
            _num("room_nights", _l("酒店间夜数", "Hotel room-nights"), minimum=0, maximum=MAX_ROOM_NIGHTS,
                 integer=True, unit="night"),
            _select("country", _l("酒店所在地", "Hotel location"), countries, default="CN")]},
    ]
    for section in sections:
        section["label"] = EVENT_SECTION_LABELS[section["key"]]
    return {"factor_set": fs.version, "sections": _localise(sections, lang)}
