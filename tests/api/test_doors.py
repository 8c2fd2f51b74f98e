"""Doors as data and venue staff assignments: who may read and change them, and what they look like."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Scan, ScenarioDoor, StaffAccount
from app.services.console import staff
from tests.conftest import STAFF_PASSWORD
from tests.conftest import staff_headers as headers

URL = "/api/v1/staff/scenarios/CDF2021"


@pytest.fixture
def crew(client, accounts):
    """The `accounts` roles, plus free@ (venue staff assigned nowhere); venue@ works CDF2021, which has door1."""
    with client.application.app_context():
        staff.create_staff(email="free@dd.test", name="Free", password=STAFF_PASSWORD, role="venue_staff")
    admin = headers(client, "admin@dd.test")
    assert client.post(f"{URL}/assignments", json={"email": "venue@dd.test"}, headers=admin).status_code == 201
    assert client.post(f"{URL}/doors", json={"tag": "door1", "label": "东门"}, headers=admin).status_code == 201


ROLES = {"admin": "admin@dd.test", "organiser": "org@dd.test", "other organiser": "other@dd.test",
         "assigned venue staff": "venue@dd.test", "unassigned venue staff": "free@dd.test",
         "project owner": "owner@dd.test", "no auth": None}
# Expected status per role: admin, organiser, other organiser, assigned venue, unassigned venue, owner, none.
ENDPOINTS = {
    "list doors": (200, 200, 403, 200, 403, 403, 401),
    "add door": (201, 201, 403, 403, 403, 403, 401),
    "remove door": (204, 204, 403, 403, 403, 403, 401),
    "list assignments": (200, 200, 403, 403, 403, 403, 401),
    "assign": (201, 201, 403, 403, 403, 403, 401),
    "unassign": (204, 204, 403, 403, 403, 403, 401),
}
MATRIX = [(endpoint, role, statuses[i]) for endpoint, statuses in ENDPOINTS.items()
          for i, role in enumerate(ROLES)]


def call(client, endpoint: str, h: dict, venue_id: int | None = None):
    if endpoint == "list doors":
        return client.get(f"{URL}/doors", headers=h)
    if endpoint == "add door":
        return client.post(f"{URL}/doors", json={"tag": "door9"}, headers=h)
    if endpoint == "remove door":
        return client.delete(f"{URL}/doors/door1", headers=h)
    if endpoint == "list assignments":
        return client.get(f"{URL}/assignments", headers=h)
    if endpoint == "assign":
        return client.post(f"{URL}/assignments", json={"email": "free@dd.test"}, headers=h)
    return client.delete(f"{URL}/assignments/{venue_id}", headers=h)


@pytest.mark.parametrize("endpoint, role, status", MATRIX)
def test_permission_matrix(client, crew, endpoint, role, status):
    h = headers(client, ROLES[role]) if ROLES[role] else {}
    venue_id = staff_id(client, "venue@dd.test")
    rv = call(client, endpoint, h, venue_id)
    assert rv.status_code == status, rv.json
    if status < 400:
        return
    assert rv.json["error"]["code"] == ("unauthorized" if status == 401 else "forbidden")
    admin = headers(client, "admin@dd.test")  # a refusal changes nothing
    assert [d["tag"] for d in client.get(f"{URL}/doors", headers=admin).json["data"]] == ["door1"]
    assert [a["email"] for a in client.get(f"{URL}/assignments", headers=admin).json["data"]] == ["venue@dd.test"]


def staff_id(client, email: str) -> int:
    with client.application.app_context():
        return db.session.execute(db.select(StaffAccount.id).filter_by(email=email)).scalar_one()


def test_doors_carry_their_link_and_scene_and_deleting_one_keeps_the_scans(app, client, crew):
    org = headers(client, "org@dd.test")
    rv = client.post(f"{URL}/doors", json={"tag": "south-2", "label": "南门 2"}, headers=org)
    assert rv.status_code == 201
    assert rv.json == {**rv.json, "tag": "south-2", "label": "南门 2",
                       "link": "https://dd.example.test/s/CDF2021?d=south-2", "scene": "CDF2021.south-2"}
    assert rv.json["created_at"].endswith("+00:00")
    no_label = client.post(f"{URL}/doors", json={"tag": "west"}, headers=org)
    assert no_label.status_code == 201 and no_label.json["label"] is None
    listed = client.get(f"{URL}/doors", headers=headers(client, "venue@dd.test")).json["data"]
    assert [(d["tag"], d["label"]) for d in listed] == [("door1", "东门"), ("south-2", "南门 2"), ("west", None)]
    # The link printed for a door resolves to that door.
    resolved = client.get("/api/v1/deeplinks/resolve", query_string={"q": listed[1]["link"]})
    assert resolved.json["entry"]["tag"] == "south-2"
    # Another phone (one scan per client and door within the window: a reload would not count again).
    assert client.get("/api/v1/deeplinks/resolve", query_string={"scene": listed[1]["scene"]},
                      headers={"User-Agent": "another phone"}).status_code == 200

    assert client.delete(f"{URL}/doors/south-2", headers=org).status_code == 204
    assert [d["tag"] for d in client.get(f"{URL}/doors", headers=org).json["data"]] == ["door1", "west"]
    with app.app_context():
        tags = db.session.execute(db.select(Scan.tag)).scalars().all()
        assert tags == ["south-2", "south-2"]


@pytest.mark.parametrize("body, field", [
    ({}, "tag"),
    ({"tag": ""}, "tag"),
    ({"tag": "bad door"}, "tag"),
    ({"tag": "门"}, "tag"),
    ({"tag": "d" * 25}, "tag"),
    ({"tag": "ok", "label": "x" * 65}, "label"),
    ({"tag": "ok", "colour": "red"}, "colour"),
])
def test_bad_doors_are_refused(client, crew, body, field):
    org = headers(client, "org@dd.test")
    rv = client.post(f"{URL}/doors", json=body, headers=org)
    assert rv.status_code == 422 and rv.json["error"]["code"] == "validation_error"
    assert field in rv.json["error"]["fields"], rv.json


def test_a_tag_too_long_for_the_scenario_code_is_refused(client, crew):
    """TAG_RE allows 24 characters, but `<code>.<tag>` must stay within WeChat's 32-character scene."""
    org = headers(client, "org@dd.test")
    client.post("/api/v1/staff/scenarios", json={"code": "LONGCODE2026", "kind": "conference", "title": "长"},
                headers=org)
    rv = client.post("/api/v1/staff/scenarios/LONGCODE2026/doors", json={"tag": "d" * 20}, headers=org)
    assert rv.status_code == 422 and "32" in rv.json["error"]["fields"]["tag"][0]
    ok = client.post("/api/v1/staff/scenarios/LONGCODE2026/doors", json={"tag": "d" * 19}, headers=org)
    assert ok.status_code == 201 and len(ok.json["scene"]) == 32
    longest = client.post(f"{URL}/doors", json={"tag": "d" * 24}, headers=org)  # 'CDF2021.' + 24 = 32
    assert longest.status_code == 201 and longest.json["scene"] == "CDF2021." + "d" * 24


def test_door_errors(client, crew):
    org = headers(client, "org@dd.test")
    dup = client.post(f"{URL}/doors", json={"tag": "door1"}, headers=org)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "door_exists"
    other_case = client.post(f"{URL}/doors", json={"tag": "DOOR1"}, headers=org)
    assert other_case.status_code == 201  # tags are case-sensitive, as scans record them
    gone = client.delete(f"{URL}/doors/nope", headers=org)
    assert gone.status_code == 404 and gone.json["error"]["code"] == "door_not_found"
    for rv in (client.get("/api/v1/staff/scenarios/NOPE/doors", headers=org),
               client.post("/api/v1/staff/scenarios/NOPE/doors", json={"tag": "a"}, headers=org),
               client.delete("/api/v1/staff/scenarios/NOPE/doors/a", headers=org)):
        assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"


def test_scenario_created_with_two_doors_in_one_step(app, client, crew):
    org = headers(client, "org@dd.test")
    body = {"code": "EXPO2026", "kind": "conference", "title": "新展会",
            "doors": [{"tag": "east", "label": "东门"}, {"tag": "west"}]}
    rv = client.post("/api/v1/staff/scenarios", json=body, headers=org)
    assert rv.status_code == 201, rv.json
    assert rv.json["status"] == "draft"
    assert [(d["tag"], d["label"], d["scene"]) for d in rv.json["doors"]] == [
        ("east", "东门", "EXPO2026.east"), ("west", None, "EXPO2026.west")]
    # The organiser sees each scenario's calculator sections, drafts included, as guests will.
    sections = [s["key"] for s in rv.json["calculator"]["sections"]]
    guest_view = client.get("/api/v1/scenarios/CDF2021").json["calculator"]
    assert sections == [s["key"] for s in guest_view["sections"]]
    listed = {s["code"]: s for s in client.get("/api/v1/staff/scenarios", headers=org).json["data"]}
    assert [d["tag"] for d in listed["EXPO2026"]["doors"]] == ["east", "west"]
    assert [d["tag"] for d in listed["CDF2021"]["doors"]] == ["door1"] and listed["CDF2020"]["doors"] == []
    assert listed["CDF2020"]["calculator"]["sections"]
    edited = client.patch("/api/v1/staff/scenarios/EXPO2026", json={"venue": "一号馆"}, headers=org)
    assert [d["tag"] for d in edited.json["doors"]] == ["east", "west"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ScenarioDoor.id))).scalar_one() == 3


@pytest.mark.parametrize("doors, field", [
    ([{"tag": "east"}, {"tag": "east"}], "doors.1.tag"),
    ([{"tag": "bad tag"}], "doors.0.tag"),
    ([{"tag": "ok"}, {"tag": "d" * 24}], "doors.1.tag"),  # 'EXPO2026.' + 24 > 32
    ([{"tag": f"d{i}"} for i in range(51)], "doors"),
    ([{"label": "no tag"}], "doors.0.tag"),
])
def test_scenario_with_bad_doors_is_not_created(app, client, crew, doors, field):
    org = headers(client, "org@dd.test")
    rv = client.post("/api/v1/staff/scenarios", headers=org,
                     json={"code": "EXPO2026", "kind": "conference", "title": "新展会", "doors": doors})
    assert rv.status_code == 422 and field in rv.json["error"]["fields"], rv.json
    assert client.patch("/api/v1/staff/scenarios/EXPO2026", json={}, headers=org).status_code == 404


def test_assignments_give_venue_staff_their_scenarios(client, crew):
    org = headers(client, "org@dd.test")
    free = headers(client, "free@dd.test")
    assert client.get("/api/v1/staff/scenarios", headers=free).json == {"data": []}
    assert client.get(f"{URL}/posters/door1.png", headers=free).status_code == 403
    rv = client.post(f"{URL}/assignments", json={"email": "FREE@dd.test"}, headers=org)
    assert rv.status_code == 201
    free_id = rv.json["staff_id"]
    assert rv.json == {"staff_id": free_id, "email": "free@dd.test", "name": "Free"}
    again = client.post(f"{URL}/assignments", json={"email": "free@dd.test"}, headers=org)
    assert again.status_code == 200 and again.json == rv.json
    listed = client.get(f"{URL}/assignments", headers=org).json["data"]
    assert [a["email"] for a in listed] == ["free@dd.test", "venue@dd.test"]
    mine = client.get("/api/v1/staff/scenarios", headers=free).json["data"]
    assert [s["code"] for s in mine] == ["CDF2021"] and [d["tag"] for d in mine[0]["doors"]] == ["door1"]
    assert client.get(f"{URL}/posters/door1.png", headers=free).status_code == 200
    # Still read-only: no edits, no dashboard.
    assert client.patch(URL, json={"venue": "x"}, headers=free).status_code == 403
    assert client.get(f"{URL}/dashboard", headers=free).status_code == 403

    assert client.delete(f"{URL}/assignments/{free_id}", headers=org).status_code == 204
    assert client.get("/api/v1/staff/scenarios", headers=free).json == {"data": []}
    assert client.get(f"{URL}/doors", headers=free).status_code == 403
    gone = client.delete(f"{URL}/assignments/{free_id}", headers=org)
    assert gone.status_code == 404 and gone.json["error"]["code"] == "assignment_not_found"


@pytest.mark.parametrize("email", ["nobody@dd.test", "org@dd.test", "owner@dd.test", "disabled@dd.test",
                                   "not-an-email"])
def test_only_active_venue_staff_can_be_assigned(app, client, crew, email):
    with app.app_context():
        staff.create_staff(email="disabled@dd.test", name="Gone", password=STAFF_PASSWORD, role="venue_staff")
        db.session.execute(db.update(StaffAccount).filter_by(email="disabled@dd.test").values(active=False))
        db.session.commit()
    rv = client.post(f"{URL}/assignments", json={"email": email}, headers=headers(client, "org@dd.test"))
    assert rv.status_code == 422 and list(rv.json["error"]["fields"]) == ["email"], rv.json
    listed = client.get(f"{URL}/assignments", headers=headers(client, "org@dd.test")).json["data"]
    assert [a["email"] for a in listed] == ["venue@dd.test"]


def test_assignment_errors_on_unknown_scenarios(client, crew):
    org = headers(client, "org@dd.test")
    for rv in (client.get("/api/v1/staff/scenarios/NOPE/assignments", headers=org),
               client.post("/api/v1/staff/scenarios/NOPE/assignments", json={"email": "free@dd.test"}, headers=org),
               client.delete("/api/v1/staff/scenarios/NOPE/assignments/1", headers=org)):
        assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"
