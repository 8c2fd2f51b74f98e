"""Scenario endpoint and list, with calculator definitions per kind."""
from __future__ import annotations


def test_demo_conference(client, seeded):
    rv = client.get("/api/v1/scenarios/CDF2021")
    assert rv.status_code == 200
    s = rv.json
    for key in ("code", "kind", "title", "venue", "city", "starts_at", "ends_at", "status", "organizer",
                "calculator", "stats"):
        assert key in s
    assert s["status"] == "active" and s["organizer"] == "中国互联网发展基金会"
    assert s["starts_at"] == "2021-09-07T01:00:00+00:00"
    assert s["stats"] == {"participants": 0, "neutralized_kg": 0}
    assert [sec["key"] for sec in s["calculator"]["sections"]] == ["travel", "stay", "meals"]
    travel = s["calculator"]["sections"][0]
    modes = {o["value"]: o for o in travel["fields"][0]["options"]}
    assert len(modes) == 15 and modes["road.car_petrol"]["per_vehicle"] is True
    assert modes["rail.metro"]["places"] is False
    assert travel["label"] == "交通出行"


def test_calculator_labels_follow_accept_language(client, seeded):
    rv = client.get("/api/v1/scenarios/CDF2021", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert rv.json["calculator"]["sections"][0]["label"] == "Travel"


def test_each_kind_offers_its_sections(client, seeded):
    expected = {"DJY": ["travel", "stay", "meals"], "TFMART": ["travel", "diet"], "SXY": ["meals", "travel"],
                "TFHOTEL": ["stay", "travel", "meals"], "LIFE": ["energy", "travel", "diet"]}
    for code, sections in expected.items():
        rv = client.get(f"/api/v1/scenarios/{code}")
        assert [sec["key"] for sec in rv.json["calculator"]["sections"]] == sections, code


def test_unknown_scenario(client, seeded):
    rv = client.get("/api/v1/scenarios/NOPE")
    assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"


def test_closed_scenario_is_still_readable(client, seeded):
    rv = client.get("/api/v1/scenarios/CDF2020")
    assert rv.status_code == 200 and rv.json["status"] == "closed"


def test_list_active_scenarios(client, seeded):
    rv = client.get("/api/v1/scenarios")
    assert rv.status_code == 200
    codes = [s["code"] for s in rv.json["data"]]
    assert "CDF2020" not in codes and {"CDF2021", "DJY", "TFMART", "SXY", "TFHOTEL", "LIFE"} <= set(codes)
    assert rv.json["pagination"] == {"offset": 0, "limit": 20, "total": 6}


def test_list_filters(client, seeded):
    assert [s["code"] for s in client.get("/api/v1/scenarios?kind=conference").json["data"]] == ["CDF2021"]
    assert [s["code"] for s in client.get("/api/v1/scenarios?q=碳中和高峰").json["data"]] == ["CDF2021"]
    assert [s["code"] for s in client.get("/api/v1/scenarios?q=forum").json["data"]] == ["CDF2021"]
    assert client.get("/api/v1/scenarios?city=chengdu").json["pagination"]["total"] == 5
    assert client.get("/api/v1/scenarios?q=100%25").json["data"] == []
    page = client.get("/api/v1/scenarios?limit=2&offset=2").json
    assert len(page["data"]) == 2 and page["pagination"] == {"offset": 2, "limit": 2, "total": 6}


def test_list_bad_filters(client, seeded):
    rv = client.get("/api/v1/scenarios?kind=spaceship&limit=0")
    assert rv.status_code == 422 and set(rv.json["error"]["fields"]) == {"kind", "limit"}
