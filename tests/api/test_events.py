"""Event neutralisation: the organiser's footprint, the guests' share, the Native top-up, one certificate."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from app.extensions import db
from app.models import Certificate, LedgerEntry, Project, Scenario, ScenarioProject
from app.services.offsetting import payments
from tests.conftest import staff_headers
from tests.journey import Guest, confirm

URL = "/api/v1/staff/scenarios/CDF2021/event"
EVENT = {
    "electricity_kwh": 10000,  # CDF2021 is in Chengdu: southwest grid 0.2472
    "catering": {"guests": 200, "meals_per_guest": 2, "meal": "standard"},
    "materials": [{"material": "paper", "kg": 50}],
    "staff_travel": [{"mode": "rail.hsr", "distance_km": 1000, "round_trip": True, "people": 5}],
    "attendees": {"travel": [{"mode": "flight.economy", "distance_km": 1500, "people": 100}], "room_nights": 150},
}
# By hand: 10000 x 0.2472 + 400 x 1.8767 + 50 x 1.3450779 + 2000 x 0.03048 x 5 = 3594.733895 (operations);
# 1500 x 0.10916 x 100 + 150 x 53.5 = 24399 (attendees).
OPERATIONS = Decimal("3594.733895")
ATTENDEES = Decimal("24399")


@pytest.fixture
def org(client, accounts):
    return staff_headers(client, "org@dd.test")


def _guest_pays(client, name: str) -> int:
    guest = Guest(client, name)
    body = guest.order(guest.footprint()["id"])
    confirm(client, body)
    return guest.get_order(body["order"]["id"])["kg"]


def test_event_footprint_is_priced_line_by_line(client, org):
    rv = client.post(f"{URL}/footprint", json=EVENT, headers=org)
    assert rv.status_code == 201, rv.json
    body = rv.json
    assert Decimal(str(body["operations_kg"])) == OPERATIONS.quantize(Decimal("0.1"))
    assert Decimal(str(body["attendees_kg"])) == ATTENDEES
    assert body["order_kg"] == 27994 and body["factor_set"] == "diandian-2025.2"
    sections = {item["section"] for item in body["items"]}
    assert sections == {"venue", "catering", "materials", "staff_travel", "attendee_travel", "attendee_stay"}
    venue = next(i for i in body["items"] if i["section"] == "venue")
    assert venue["factor"]["key"] == "electricity.grid.southwest" and "MEE" in venue["factor"]["source"]
    staff_trip = next(i for i in body["items"] if i["section"] == "staff_travel")
    assert staff_trip["people"] == 5 and Decimal(str(staff_trip["kg"])) == Decimal("304.8")
    shown = client.get(URL, headers=org).json
    assert shown["footprint"]["id"] == body["id"] and shown["neutralisation"] is None
    assert [s["key"] for s in shown["definition"]["sections"]] == [
        "venue", "catering", "materials", "staff_travel", "attendees"]


@pytest.mark.parametrize("body, field", [
    ({}, "_schema"),
    ({"materials": [{"material": "gold", "kg": 1}]}, "materials"),
    ({"electricity_kwh": -1}, "electricity_kwh"),
    ({"staff_travel": [{"mode": "flight.economy", "from": "PEK", "to": "NOWHERE"}]}, "staff_travel.0.to"),
    ({"attendees": {"room_nights": 10, "country": "ZZ"}}, "attendees.country"),
])
def test_bad_event_footprints_are_refused_and_change_nothing(client, org, body, field):
    rv = client.post(f"{URL}/footprint", json=body, headers=org)
    assert rv.status_code == 422, rv.json
    assert any(key.startswith(field) for key in rv.json["error"]["fields"]), rv.json
    assert client.get(URL, headers=org).json["footprint"] is None


def test_top_up_covers_the_rest_and_ends_in_one_event_certificate(app, client, org):
    guests_kg = _guest_pays(client, "g1") + _guest_pays(client, "g2")
    with app.app_context():
        before = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        participants, neutralized = before.participants, before.neutralized_kg
    board_before = client.get("/api/v1/leaderboards?scenario=CDF2021&by=user").json
    footprint = client.post(f"{URL}/footprint", json=EVENT, headers=org).json

    rv = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"}, headers=org)
    assert rv.status_code == 201, rv.json
    topup = rv.json
    assert topup["guests_kg"] == guests_kg and topup["guest_certificates"] == 2
    assert topup["credited_guests_kg"] == guests_kg  # well inside the attendees' 24,399 kg
    assert topup["topup_kg"] == 27994 - guests_kg and topup["total_kg"] == 27994
    assert topup["amount_fen"] == -(-topup["topup_kg"] * 6000 // 1000)
    order = topup["order"]
    assert order["status"] == "pending" and order["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    # Asking again while it can be paid gives the same order, not a second hold.
    again = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"}, headers=org)
    assert again.json["order"]["id"] == order["id"]

    qr = client.get(order["qr_url"], headers=org)
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(BytesIO(qr.data)))
    assert [d.text for d in decoded] == [order["code_url"]]

    paid = client.post("/sandbox/wechatpay/confirm", json={"code_url": order["code_url"], "deliveries": 2})
    assert paid.status_code == 200 and [d["status"] for d in paid.json["deliveries"]] == [204, 204]
    done = client.get(f"{URL}/topups/{order['id']}", headers=org).json
    assert done["order"]["status"] == "fulfilled" and done["order"]["qr_url"] is None
    serial = done["certificate"]["serial"]

    public = client.get(f"/api/v1/certificates/{serial}").json
    assert public["kind"] == "event" and public["kg"] == topup["topup_kg"]
    assert public["holder"] == "中国互联网发展基金会" and public["footprint_id"] is None
    assert public["event"]["guests_kg"] == guests_kg and public["event"]["total_kg"] == 27994
    with app.app_context():
        after = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        assert (after.participants, after.neutralized_kg) == (participants, neutralized)  # not a participant
        cert = db.session.execute(db.select(Certificate).filter_by(serial=serial)).scalar_one()
        assert cert.kind == "event" and cert.user_id is None and sum(c.kg for c in cert.claims) == cert.kg
        owner = db.session.execute(db.select(LedgerEntry).filter_by(order_id=order["id"])).scalars().all()
        assert sum(e.amount_fen for e in owner) == topup["amount_fen"]
    assert client.get("/api/v1/leaderboards?scenario=CDF2021&by=user").json == board_before

    refused = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"}, headers=org)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "event_already_neutralised"
    page = client.get(f"/verify/{serial}")
    assert page.status_code == 200 and "27994" in page.get_data(as_text=True).replace(",", "")
    image = client.get(f"/api/v1/certificates/{serial}/image.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    picture = Image.open(BytesIO(image.data))
    assert [d.text for d in zxingcpp.read_barcodes(picture)] == [public["verify_url"]]

    with app.app_context():
        payments.refund_order(done["order"]["out_trade_no"], reason="test")
    assert client.get(f"/api/v1/certificates/{serial}").json["status"] == "revoked"
    with app.app_context():
        after = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        assert (after.participants, after.neutralized_kg) == (participants, neutralized)


def test_a_top_up_takes_only_a_project_the_event_offers(app, client, org):
    with app.app_context():
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        pv = db.session.execute(db.select(Project).filter_by(code="CDCER-PV")).scalar_one()
        db.session.add(ScenarioProject(scenario_id=scenario.id, project_id=pv.id))  # the organiser's list
        db.session.commit()
    footprint = client.post(f"{URL}/footprint", json=EVENT, headers=org).json
    rv = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"}, headers=org)
    assert rv.status_code == 422 and "project" in rv.json["error"]["fields"]
    rv = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-PV"}, headers=org)
    assert rv.status_code == 201, rv.json


def test_guests_are_credited_only_against_the_attendees_part(client, org):
    guests_kg = _guest_pays(client, "g1")
    small = {"electricity_kwh": 1000, "attendees": {"room_nights": 1}}  # attendees: 53.5 kg
    footprint = client.post(f"{URL}/footprint", json=small, headers=org).json
    topup = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"},
                        headers=org).json
    assert guests_kg > 53 and topup["credited_guests_kg"] == 53
    assert topup["topup_kg"] == footprint["order_kg"] - 53


@pytest.mark.parametrize("email, status", [
    ("admin@dd.test", 200), ("org@dd.test", 200), ("other@dd.test", 403), ("venue@dd.test", 403),
    ("owner@dd.test", 403), (None, 401),
])
def test_who_may_neutralise_an_event(client, accounts, email, status):
    headers = staff_headers(client, email) if email else {}
    assert client.get(URL, headers=headers).status_code == status
    rv = client.post(f"{URL}/footprint", json={"electricity_kwh": 100}, headers=headers)
    assert rv.status_code == (201 if status == 200 else status)
    rv = client.post(f"{URL}/topups", json={"footprint_id": "ef_x", "project": "CDCER-FOR"}, headers=headers)
    assert rv.status_code == (404 if status == 200 else status)
    assert client.get(f"{URL}/topups/od_x", headers=headers).status_code == (404 if status == 200 else status)


def test_a_lost_top_up_notification_is_settled_by_reconcile(client, org, runner):
    footprint = client.post(f"{URL}/footprint", json={"electricity_kwh": 2000}, headers=org).json
    order = client.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"},
                        headers=org).json["order"]
    paid = client.post("/sandbox/wechatpay/confirm", json={"code_url": order["code_url"], "deliveries": 0})
    assert paid.status_code == 200 and paid.json["deliveries"] == []
    assert client.get(f"{URL}/topups/{order['id']}", headers=org).json["order"]["status"] == "pending"
    result = runner.invoke(args=["reconcile"])
    assert result.exit_code == 0 and "1 fulfilled" in result.output, result.output
    done = client.get(f"{URL}/topups/{order['id']}", headers=org).json
    assert done["order"]["status"] == "fulfilled" and done["certificate"]["kg"] == done["topup_kg"]
