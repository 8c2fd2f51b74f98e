"""Footprints through the API: the contract's examples, itemised results, storage and every 422."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.domain.places import great_circle_km
from app.extensions import db
from app.models import Footprint
from app.services.guest.places import find_place

CONFERENCE = {
    "scenario": "CDF2021",
    "travel": [{"mode": "flight.economy", "from": "PEK", "to": "TFU", "round_trip": True},
               {"mode": "road.taxi", "distance_km": 25, "round_trip": True},
               {"mode": "road.car_petrol", "distance_km": 300, "passengers": 3}],
    "stay": {"nights": 2, "country": "CN", "guests_per_room": 1},
    "meals": {"standard": 4, "vegetarian": 0, "vegan": 0},
}
LIFE = {
    "scenario": "LIFE",
    "energy": {"electricity_kwh": 1200, "grid": "southwest", "natural_gas_m3": 150, "water_m3": 60},
    "travel": [{"mode": "road.car_petrol", "distance_km": 8000}],
    "diet": {"kind": "medium_meat", "days": 365},
}


def post(client, body, **kw):
    return client.post("/api/v1/footprints", json=body, **kw)


def test_contract_conference_example(app, client, seeded):
    rv = post(client, CONFERENCE)
    assert rv.status_code == 201, rv.json
    fp = rv.json
    assert set(fp) >= {"id", "scenario", "total_kg", "factor_set", "items", "created_at"}
    assert fp["scenario"] == "CDF2021" and fp["factor_set"] == "diandian-2025.1"
    flight, taxi, car, stay, meals = fp["items"]
    with app.app_context():
        gc = great_circle_km(find_place("PEK"), find_place("TFU"))
    flight_kg = gc * 2 * D("0.10916")
    assert flight["mode"] == "flight.economy" and flight["category"] == "travel"
    assert D(str(flight["distance_km"])) == gc.quantize(D("0.1"))
    assert D(str(flight["kg"])) == flight_kg.quantize(D("0.1"))
    assert flight["factor"] == {"key": "flight.economy", "value": 0.10916, "unit": "passenger.km", "unit_label": "人·公里",
                                "source": flight["factor"]["source"], "source_label": flight["factor"]["source_label"],
                                "note": flight["factor"]["note"]}
    assert "DESNZ" in flight["factor"]["source"]
    assert flight["from"]["id"].endswith("PEK") and flight["round_trip"] is True
    assert taxi["kg"] == 7.4 and taxi["amount"] == 50 and taxi["unit"] == "passenger.km"
    assert car["kg"] == 16.3 and car["shared_by"] == 3 and car["unit"] == "vehicle.km"
    assert stay["kg"] == 107 and stay["category"] == "stay" and stay["unit"] == "room.night"
    assert meals["kg"] == 7.5 and meals["factor"]["key"] == "meal.standard"
    total = flight_kg + D("7.4305") + D("16.272") + D("107.0") + D("7.5068")
    assert D(str(fp["total_kg"])) == total.quantize(D("0.1"))
    with app.app_context():
        stored = db.session.get(Footprint, fp["id"])
        assert stored.total_kg.quantize(D("0.000001")) == total.quantize(D("0.000001"))
        assert stored.inputs["travel"][0]["mode"] == "flight.economy"
        assert stored.factor_set == "diandian-2025.1" and len(stored.items) == 5


def test_contract_life_example(client, seeded):
    rv = post(client, LIFE)
    assert rv.status_code == 201, rv.json
    assert [i["factor"]["key"] for i in rv.json["items"]] == [
        "road.car_petrol", "electricity.grid.southwest", "natural_gas", "water", "diet.medium_meat"]
    # 8000 x 0.16272 + 296.64 + 310.008 + 21.7308 + 2054.95
    assert rv.json["total_kg"] == 3985.1


def test_get_footprint_roundtrip_and_user(app, client, auth, seeded):
    headers = auth.login("alice")
    created = post(client, CONFERENCE, headers=headers).json
    rv = client.get(f"/api/v1/footprints/{created['id']}", headers=headers)
    assert rv.status_code == 200 and rv.json == created and created["places_hidden"] is False
    # Without the owner's token: the same lines and kilograms, no places (tests/security/test_privacy.py).
    public = client.get(f"/api/v1/footprints/{created['id']}").json
    assert public["places_hidden"] is True and public["total_kg"] == created["total_kg"]
    assert public["items"][0]["from"] is None and "北京" not in public["items"][0]["label"]
    with app.app_context():
        assert db.session.get(Footprint, created["id"]).user_id is not None


def test_anonymous_footprint_has_no_user(app, client, seeded):
    fp = post(client, CONFERENCE).json
    with app.app_context():
        assert db.session.get(Footprint, fp["id"]).user_id is None


def test_unknown_footprint(client):
    rv = client.get("/api/v1/footprints/fp_doesnotexist")
    assert rv.status_code == 404 and rv.json["error"]["code"] == "footprint_not_found"


def test_scan_attribution(client, seeded):
    scan_id = client.get("/api/v1/deeplinks/resolve?scene=CDF2021.door3").json["entry"]["scan_id"]
    assert post(client, {**CONFERENCE, "scan_id": scan_id}).status_code == 201
    other = client.get("/api/v1/deeplinks/resolve?scene=DJY").json["entry"]["scan_id"]
    rv = post(client, {**CONFERENCE, "scan_id": other})
    assert rv.status_code == 422 and "scan_id" in rv.json["error"]["fields"]


def test_city_place_ids_and_rail_circuity(client, seeded):
    places = client.get("/api/v1/places", query_string={"q": "成都"}).json["data"]
    chengdu = next(p for p in places if p["kind"] == "city")
    beijing = next(p for p in client.get("/api/v1/places?q=beijing").json["data"] if p["kind"] == "city")
    rv = post(client, {"scenario": "CDF2021",
                       "travel": [{"mode": "rail.hsr", "from": beijing["id"], "to": chengdu["id"]}]})
    assert rv.status_code == 201, rv.json
    item = rv.json["items"][0]
    assert item["distance_basis"] == "great_circle" and item["circuity"] == 1.2


def invalid(client, body, *fields):
    rv = post(client, body)
    assert rv.status_code == 422, rv.json
    assert rv.json["error"]["code"] == "validation_error"
    for f in fields:
        assert f in rv.json["error"]["fields"], rv.json["error"]["fields"]
    return rv.json["error"]["fields"]


@pytest.mark.parametrize("leg, field", [
    ({"mode": "teleport", "distance_km": 10}, "travel.0.mode"),
    ({"mode": "road.taxi", "distance_km": -5}, "travel.0.distance_km"),
    ({"mode": "road.taxi", "distance_km": 0}, "travel.0.distance_km"),
    ({"mode": "flight.economy", "distance_km": 40000.1}, "travel.0.distance_km"),
    ({"mode": "road.taxi", "distance_km": "NaN"}, "travel.0.distance_km"),
    ({"mode": "road.taxi", "distance_km": "ten"}, "travel.0.distance_km"),
    ({"mode": "road.car_petrol", "distance_km": 10, "passengers": 10}, "travel.0.passengers"),
    ({"mode": "road.car_petrol", "distance_km": 10, "passengers": 0}, "travel.0.passengers"),
    ({"mode": "road.taxi", "distance_km": 10, "passengers": 2}, "travel.0.passengers"),
    ({"mode": "road.taxi"}, "travel.0.distance_km"),
    ({"mode": "road.taxi", "from": "PEK"}, "travel.0.to"),
    ({"mode": "road.taxi", "distance_km": 5, "from": "PEK", "to": "TFU"}, "travel.0.distance_km"),
    ({"mode": "rail.metro", "from": "PEK", "to": "TFU"}, "travel.0.distance_km"),
    ({"mode": "flight.economy", "from": "PEK", "to": "XXQ"}, "travel.0.to"),
    ({"mode": "flight.economy", "from": "nowhere", "to": "TFU"}, "travel.0.from"),
    ({"mode": "flight.economy", "from": "PEK", "to": "PEK"}, "travel.0.to"),
    ({"mode": "road.taxi", "distance_km": 5, "speed": 3}, "travel.0.speed"),
])
def test_bad_legs(client, seeded, leg, field):
    invalid(client, {"scenario": "CDF2021", "travel": [leg]}, field)


def test_too_many_legs(client, seeded):
    legs = [{"mode": "road.taxi", "distance_km": 1}] * 21
    invalid(client, {"scenario": "CDF2021", "travel": legs}, "travel")
    legs = [{"mode": "road.taxi", "distance_km": 1}] * 20
    assert post(client, {"scenario": "CDF2021", "travel": legs}).status_code == 201


@pytest.mark.parametrize("section, value, field", [
    ("stay", {"nights": 366}, "stay.nights"),
    ("stay", {"nights": -1}, "stay.nights"),
    ("stay", {"nights": 1.5}, "stay.nights"),
    ("stay", {"nights": 1, "guests_per_room": 5}, "stay.guests_per_room"),
    ("stay", {"nights": 1, "country": "ZZ"}, "stay.country"),
    ("stay", {"country": "CN"}, "stay.nights"),
    ("meals", {"standard": 101}, "meals.standard"),
    ("meals", {"vegan": -1}, "meals.vegan"),
])
def test_conference_section_limits(client, seeded, section, value, field):
    invalid(client, {"scenario": "CDF2021", section: value}, field)


@pytest.mark.parametrize("section, value, field", [
    ("energy", {"electricity_kwh": 1000001}, "energy.electricity_kwh"),
    ("energy", {"water_m3": -1}, "energy.water_m3"),
    ("energy", {"electricity_kwh": 10, "grid": "mars"}, "energy.grid"),
    ("diet", {"kind": "carnivore", "days": 10}, "diet.kind"),
    ("diet", {"kind": "vegan", "days": 367}, "diet.days"),
])
def test_life_section_limits(client, seeded, section, value, field):
    invalid(client, {"scenario": "LIFE", section: value}, field)


def test_sections_the_kind_does_not_offer(client, seeded):
    fields = invalid(client, {"scenario": "CDF2021", "energy": {"electricity_kwh": 10},
                              "diet": {"kind": "vegan", "days": 1}}, "energy", "diet")
    assert "conference" in fields["energy"][0]
    invalid(client, {"scenario": "LIFE", "stay": {"nights": 1}}, "stay")


def test_empty_and_malformed_bodies(client, seeded):
    invalid(client, {"scenario": "CDF2021"}, "_schema")
    invalid(client, {}, "scenario")
    invalid(client, {"scenario": "CDF2021", "travel": "plane"}, "travel")
    rv = client.post("/api/v1/footprints", data="{not json", content_type="application/json")
    assert rv.status_code == 400 and rv.json["error"]["code"] == "invalid_json"
    rv = client.post("/api/v1/footprints", json=[1, 2])
    assert rv.status_code == 422


def test_unknown_and_closed_scenarios(client, seeded):
    rv = post(client, {"scenario": "NOPE", "meals": {"standard": 1}})
    assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"
    rv = post(client, {"scenario": "CDF2020", "meals": {"standard": 1}})
    assert rv.status_code == 410 and rv.json["error"]["code"] == "scenario_closed"


def test_bad_input_changes_nothing(app, client, seeded):
    invalid(client, {"scenario": "CDF2021", "travel": [{"mode": "teleport", "distance_km": 1}]}, "travel.0.mode")
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Footprint)).scalar_one() == 0


def test_decimal_input_is_exact(client, seeded):
    rv = post(client, {"scenario": "CDF2021", "travel": [{"mode": "road.taxi", "distance_km": 0.1}]})
    assert rv.status_code == 201 and rv.json["items"][0]["amount"] == 0.1


def test_item_labels_explain_the_line(client, seeded):
    fp = post(client, CONFERENCE).json
    labels = [i["label"] for i in fp["items"]]
    assert labels[0].startswith("飞机（经济舱） 北京首都国际机场 → 成都") and labels[0].endswith("往返")
    assert labels[2] == "汽油车（3 人同乘）"
    en = post(client, LIFE, headers={"Accept-Language": "en"}).json
    assert en["items"][1]["label"] == "Electricity (Southwest grid)"
    assert en["items"][0]["label"] == "Car, petrol"


def test_inputs_are_stored_with_api_names(app, client, seeded):
    fp = post(client, CONFERENCE).json
    with app.app_context():
        stored = db.session.get(Footprint, fp["id"]).inputs
    assert stored["travel"][0] == {"mode": "flight.economy", "from": "PEK", "to": "TFU", "round_trip": True}
    assert stored["travel"][1]["distance_km"] == "25"
