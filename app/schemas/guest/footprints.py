"""Footprint request (shape and limits of contract endpoint 5) and response schemas."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.domain import kinds
from app.domain.calculator import ENTERED_DISTANCE_ONLY
from app.domain.factors import factor_set
from app.domain.money import minimum_kg
from app.domain.privacy import without_places
from app.i18n import N_, language, translate, zh_or_en
from app.schemas.common import MAX_ROW_ID, Amount, DateTimeUTC, round_kg
from app.schemas.guest.factor_sources import source_label

_FS = factor_set()  # the default set decides which keys exist; loaded once per process


def _amount(maximum):
    return Amount(load_default=Decimal(0), validate=validate.Range(min=0, max=maximum))


class TravelLegSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(_FS.travel_modes))
    distance_km = Amount(
        validate=validate.Range(min=0, max=kinds.MAX_LEG_KM, min_inclusive=False),
    )
    origin = fields.String(data_key="from", validate=validate.Length(min=1, max=64))
    destination = fields.String(data_key="to", validate=validate.Length(min=1, max=64))
    round_trip = fields.Boolean(load_default=False)
    passengers = fields.Integer(strict=True, validate=validate.Range(min=1, max=kinds.MAX_PASSENGERS))

    @validates_schema
    def _distance_or_places(self, data, **_kwargs):
        has_distance = data.get("distance_km") is not None
        has_from, has_to = bool(data.get("origin")), bool(data.get("destination"))
        if has_distance and (has_from or has_to):
            raise ValidationError(N_("Give distance_km or from/to, not both."), "distance_km")
        if not has_distance:
            if not (has_from or has_to):
                raise ValidationError(N_("Give distance_km, or from and to."), "distance_km")
            if data.get("mode") in ENTERED_DISTANCE_ONLY:
                raise ValidationError(N_("Enter the distance for metro and bus rides."), "distance_km")
            if not has_from:
                raise ValidationError(N_("Missing the starting place."), "from")
            if not has_to:
                raise ValidationError(N_("Missing the destination."), "to")
        mode = data.get("mode")
        if mode and data.get("passengers", 1) != 1 and not _FS.get(mode).per_vehicle:
            raise ValidationError(N_("Only cars and motorbikes are shared per vehicle."), "passengers")


class StaySchema(Schema):
    nights = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=kinds.MAX_NIGHTS))
    country = fields.String(load_default="CN", validate=validate.OneOf(_FS.hotel_countries))
    guests_per_room = fields.Integer(
        load_default=1, strict=True, validate=validate.Range(min=1, max=kinds.MAX_GUESTS_PER_ROOM)
    )


class MealsSchema(Schema):
    standard = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=kinds.MAX_MEALS))
    vegetarian = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=kinds.MAX_MEALS))
    vegan = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=kinds.MAX_MEALS))


class EnergySchema(Schema):
    electricity_kwh = _amount(kinds.MAX_ENERGY)
    grid = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(_FS.grids))
    natural_gas_m3 = _amount(kinds.MAX_ENERGY)
    water_m3 = _amount(kinds.MAX_ENERGY)
    lpg_litres = _amount(kinds.MAX_ENERGY)
    petrol_litres = _amount(kinds.MAX_ENERGY)
    diesel_litres = _amount(kinds.MAX_ENERGY)


class DietSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(_FS.diets))
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=kinds.MAX_DIET_DAYS))


SECTIONS = ("travel", "stay", "meals", "energy", "diet")


class FootprintCreateSchema(Schema):
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=24))
    scan_id = fields.Integer(strict=True, load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=MAX_ROW_ID))
    travel = fields.List(fields.Nested(TravelLegSchema), validate=validate.Length(max=kinds.MAX_LEGS))
    stay = fields.Nested(StaySchema)
    meals = fields.Nested(MealsSchema)
    energy = fields.Nested(EnergySchema)
    diet = fields.Nested(DietSchema)

    @validates_schema
    def _something_to_compute(self, data, **_kwargs):
        if not any(data.get(section) for section in SECTIONS):
            raise ValidationError(N_("Fill in at least one section."), "_schema")


def _num(value):
    return None if value is None else Decimal(value)


def _place(ref: dict | None):
    return None if ref is None else {"id": ref["id"], "name": ref["name"], "name_en": ref["name_en"]}


class FootprintSchema(Schema):
    id = fields.String()
    scenario = fields.String(attribute="scenario_code")
    total_kg = fields.Function(lambda fp: round_kg(fp.total_kg))
    # What an order for this footprint takes by default: the exact total rounded up to a whole kg.
    order_kg = fields.Function(lambda fp: minimum_kg(fp.total_kg))
    factor_set = fields.String()
    items = fields.Method("_items")
    created_at = DateTimeUTC()
    # True when the places were left out (the caller is not the footprint's owner).
    places_hidden = fields.Function(lambda _fp: False)

    def _items(self, fp):
        lang = language()
        return [item_view(item, lang) for item in fp.items]


class PublicFootprintSchema(FootprintSchema):
    """A footprint read without its owner's token: every line's method, factor and kilograms, no places."""

    places_hidden = fields.Function(lambda _fp: True)

    def _items(self, fp):
        lang = language()
        return [item_view(item, lang, places=False) for item in fp.items]


def item_view(item: dict, lang: str, *, places: bool = True) -> dict:
    """A stored line item as clients see it (display rounding, a readable label, units and factor source in
    `lang`; the factor's `source` stays the citation as published).

    `places=False`: the places it was computed between are left out of `from`, `to` and the label.
    """
    if not places:
        item = without_places(item)
    distance = _num(item.get("distance_km"))
    out = {
        "category": item["category"],
        "mode": item.get("mode"),
        "label": _label(item, lang),
        "distance_km": None if distance is None else distance.quantize(Decimal("0.1")),
        "amount": _num(item["amount"]).quantize(Decimal("0.001")).normalize(),
        "unit": item["unit"],
        "unit_label": unit_label(item["unit"], lang),
        "kg": round_kg(item["kg"]),
        "factor": {
            "key": item["factor"]["key"],
            "value": _num(item["factor"]["value"]),
            "unit": item["factor"]["unit"],
            "unit_label": unit_label(item["factor"]["unit"], lang),
            "source": item["factor"]["source"],
            "source_label": source_label(item["factor"]["source"], lang),
            "note": item["factor"].get("note") or None,
        },
    }
    if item["category"] == "travel":
        out.update({
            "from": _place(item.get("from")),
            "to": _place(item.get("to")),
            "round_trip": item.get("trips") == 2,
            "distance_basis": item.get("distance_basis"),
            "circuity": _num(item.get("circuity")),
        })
    if item.get("share", 1) != 1:
        out["shared_by"] = item["share"]
    return out


def event_item_view(item: dict, lang: str) -> dict:
    """An event footprint's line: a guest line plus its section and the people it counts."""
    view = item_view(item, lang)
    view.update(section=item["section"], people=item["people"], kg=round_kg(item["kg"]),
                kg_each=round_kg(item["kg_each"]))
    return view


def _label(item: dict, lang: str) -> str:
    """A human line such as '飞机（经济舱） 北京 → 成都 往返', from the catalogue (app/i18n.py)."""
    key = item["factor"]["key"]
    if item["category"] == "travel":
        text = _tr(kinds.MODE_LABELS.get(key, key), lang)
        if item.get("from") and item.get("to"):
            name = "name_en" if zh_or_en(lang) == "en" else "name"
            text = translate("{mode} {origin} → {destination}", lang, mode=text,
                             origin=item["from"][name] or item["from"]["name"],
                             destination=item["to"][name] or item["to"]["name"])
        if item.get("trips") == 2:
            text = translate("{line} (round trip)", lang, line=text)
        if item.get("share", 1) > 1:
            text = translate("{line}, {n} people in the vehicle", lang, line=text, n=item["share"])
        return text
    if item["category"] == "stay":
        country = key.rsplit(".", 1)[1]
        text = translate("Hotel, {where}", lang, where=_tr(kinds.COUNTRY_LABELS.get(country, country), lang))
        if item.get("share", 1) > 1:
            text = translate("{line}, {n} guests per room", lang, line=text, n=item["share"])
        return text
    if item["category"] == "meal":
        kind = key.split(".", 1)[1]
        return translate(_MEAL_LABELS.get(kind, kind), lang)
    if item["category"] == "diet":
        return _tr(kinds.DIET_LABELS.get(key.split(".", 1)[1], key), lang)
    if item["category"] == "material":
        return _tr(kinds.MATERIAL_LABELS.get(key.split(".", 1)[1], key), lang)
    text = translate(_ENERGY_LABELS.get(key.split(".")[0], key), lang)
    if key.startswith("electricity.grid."):
        grid = key.rsplit(".", 1)[1]
        region = _tr(kinds.GRID_LABELS[grid], lang) if grid in kinds.GRID_LABELS \
            else translate("national average", lang)
        region = region.split(" (")[0].split("（")[0]
        text = translate("{line} ({region})", lang, line=text, region=region)
    return text


def _tr(label, lang: str) -> str:
    return translate(str(label), lang, getattr(label, "context", None))


def unit_label(unit: str | None, lang: str) -> str | None:
    """An activity unit as a reader of `lang` writes it: passenger.km -> 人·公里 (zh), passenger-km (en)."""
    if not unit:
        return unit
    return translate(UNIT_MSGIDS.get(unit, unit), lang)


#: The factors' and the form's units (app/data/factors) -> msgids.
UNIT_MSGIDS = {
    "passenger.km": N_("passenger-km"), "vehicle.km": N_("vehicle-km"), "room.night": N_("room-night"),
    "person.day": N_("person-day"), "kWh": N_("kWh"), "kg": N_("kg"), "litre": N_("litre"), "m3": N_("m³"),
    "meal": N_("meal"), "night": N_("night"), "day": N_("day"), "km": N_("km"),
}

_MEAL_LABELS = {"standard": N_("Standard meals"), "vegetarian": N_("Vegetarian meals"), "vegan": N_("Vegan meals")}

_ENERGY_LABELS = {
    "electricity": N_("Electricity"),
    "natural_gas": N_("Natural gas"),
    "water": N_("Water"),
    "lpg": N_("LPG"),
    "petrol": N_("Petrol"),
    "diesel": N_("Diesel"),
}
