"""Projects and orders: pricing, holds, idempotency, ownership."""
from __future__ import annotations

import math

import pytest

from app.domain.money import price_fen
from app.extensions import db
from app.models import Footprint, Order, Project, Scenario, ScenarioProject
from tests.journey import SMALL, Guest, confirm, lapse, stock, tiny_project


def test_price_is_ceiling_in_integer_fen():
    assert price_fen(347, 6000) == 2082          # 347 x 60 yuan/t = 20.82 yuan
    assert price_fen(1, 6000) == 6
    assert price_fen(1, 4500) == 5               # 4.5 fen rounds up
    assert price_fen(333, 1001) == 334           # 333.333 -> 334
    assert price_fen(1000, 6000) == 6000


def test_projects_list(client, seeded):
    rv = client.get("/api/v1/projects?scenario=CDF2021")
    assert rv.status_code == 200
    projects = {p["code"]: p for p in rv.json["data"]}
    assert set(projects) == {"CDCER-FOR", "CDCER-PV", "CDCER-EV"}
    forest = projects["CDCER-FOR"]
    assert forest["standard"] == "CDCER" and forest["available_kg"] == 1_200_000
    assert forest["owner"]["name"].startswith("成都龙泉山") and forest["price_fen_per_tonne"] == 6000
    for key in ("code", "name", "kind", "location", "standard", "price_fen_per_tonne", "available_kg", "owner",
                "description"):
        assert key in forest
    assert client.get("/api/v1/projects?scenario=NOPE").status_code == 404
    assert len(client.get("/api/v1/projects").json["data"]) == 3


def test_organizer_can_choose_projects(app, client, seeded):
    with app.app_context():
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        project = db.session.execute(db.select(Project).filter_by(code="CDCER-PV")).scalar_one()
        db.session.add(ScenarioProject(scenario_id=scenario.id, project_id=project.id))
        db.session.commit()
    assert [p["code"] for p in client.get("/api/v1/projects?scenario=CDF2021").json["data"]] == ["CDCER-PV"]
    assert len(client.get("/api/v1/projects?scenario=LIFE").json["data"]) == 3
    guest = Guest(client, "alice")
    fp = guest.footprint()
    rv = guest.order(fp["id"], "CDCER-FOR", expect=422)
    assert "project" in rv["error"]["fields"]
    assert guest.order(fp["id"], "CDCER-PV")["order"]["project"] == "CDCER-PV"  # the one chosen
    assert guest.order(guest.footprint({"scenario": "LIFE", "diet": {"kind": "medium_meat", "days": 365}})["id"],
                       "CDCER-FOR")["order"]["project"] == "CDCER-FOR"  # another scenario chose none


def test_create_order_defaults_and_payment_params(app, client, seeded):
    guest = Guest(client, "alice")
    fp = guest.footprint()
    body = guest.order(fp["id"])
    order, payment = body["order"], body["payment"]
    with app.app_context():
        exact = db.session.get(Footprint, fp["id"]).total_kg
    assert order["kg"] == math.ceil(exact) and order["status"] == "pending"
    assert order["amount_fen"] == price_fen(order["kg"], 6000)
    assert order["project"] == "CDCER-FOR" and order["footprint_id"] == fp["id"] and order["certificate"] is None
    assert set(payment) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert payment["signType"] == "RSA" and payment["package"].startswith("prepay_id=wx")
    assert order["expires_at"] > order["created_at"]
    # The hold shows at once in available_kg.
    forest = next(p for p in client.get("/api/v1/projects").json["data"] if p["code"] == "CDCER-FOR")
    assert forest["available_kg"] == 1_200_000 - order["kg"]


def test_pay_sign_verifies_with_the_merchant_key(app, client, seeded):
    from app.sandbox.wechatpay import rsa_verify

    guest = Guest(client, "alice")
    payment = guest.order(guest.footprint()["id"])["payment"]
    keys = app.extensions["wechatpay_sandbox_keys"]
    message = f"{app.config['WECHAT_APPID']}\n{payment['timeStamp']}\n{payment['nonceStr']}\n{payment['package']}\n"
    assert rsa_verify(keys.merchant_public_pem, message, payment["paySign"])


def test_more_kg_beneficiary_and_organization(client, seeded):
    guest = Guest(client, "alice")
    fp = guest.footprint()
    order = guest.order(fp["id"], kg=1000, beneficiary=" 张三\u202e ", organization="四川大学")["order"]
    assert order["kg"] == 1000 and order["amount_fen"] == 6000
    assert order["beneficiary"] == "张三" and order["organization"] == "四川大学"


@pytest.mark.parametrize("body, field", [
    ({"project": "CDCER-FOR"}, "footprint_id"),
    ({"footprint_id": "fp_x"}, "project"),
    ({"footprint_id": "fp_x", "project": "CDCER-FOR", "kg": 0}, "kg"),
    ({"footprint_id": "fp_x", "project": "CDCER-FOR", "kg": 1.5}, "kg"),
    ({"footprint_id": "fp_x", "project": "CDCER-FOR", "beneficiary": "x" * 33}, "beneficiary"),
    ({"footprint_id": "fp_x", "project": "CDCER-FOR", "extra": 1}, "extra"),
])
def test_order_validation(client, seeded, body, field):
    guest = Guest(client, "alice")
    rv = client.post("/api/v1/orders", json=body, headers=guest.headers)
    assert rv.status_code == 422 and field in rv.json["error"]["fields"]


def test_kg_below_footprint_is_refused(client, seeded):
    guest = Guest(client, "alice")
    fp = guest.footprint()
    rv = guest.order(fp["id"], kg=int(fp["total_kg"]) - 1, expect=422)
    assert "kg" in rv["error"]["fields"]


def test_unknown_project_and_footprint(client, seeded):
    guest = Guest(client, "alice")
    fp = guest.footprint()
    assert guest.order(fp["id"], "NOPE", expect=404)["error"]["code"] == "project_not_found"
    assert guest.order("fp_unknown", expect=404)["error"]["code"] == "footprint_not_found"


def test_login_required(client, seeded):
    rv = client.post("/api/v1/orders", json={"footprint_id": "fp_x", "project": "CDCER-FOR"})
    assert rv.status_code == 401 and rv.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me/orders").status_code == 401


def test_idempotency_key_returns_the_same_order(app, client, seeded):
    guest = Guest(client, "alice")
    fp = guest.footprint()
    first = guest.order(fp["id"], key="tap-1")
    again = client.post("/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-FOR"},
                        headers={**guest.headers, "Idempotency-Key": "tap-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["order"]["id"] == first["order"]["id"]
    assert again.json["payment"]["package"] == first["payment"]["package"]
    other = guest.order(fp["id"], key="tap-2")
    assert other["order"]["id"] != first["order"]["id"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 2
    bad = client.post("/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-FOR"},
                      headers={**guest.headers, "Idempotency-Key": "with space"})
    assert bad.status_code == 422


def test_orders_are_private(client, seeded):
    alice, bob = Guest(client, "alice"), Guest(client, "bob")
    fp = alice.footprint()
    order = alice.order(fp["id"])["order"]
    assert client.get(f"/api/v1/orders/{order['id']}", headers=bob.headers).status_code == 404
    assert bob.order(fp["id"], expect=404)["error"]["code"] == "footprint_not_found"
    assert alice.get_order(order["id"])["id"] == order["id"]
    mine = client.get("/api/v1/me/orders", headers=alice.headers).json
    assert [o["id"] for o in mine["data"]] == [order["id"]] and mine["pagination"]["total"] == 1
    assert client.get("/api/v1/me/orders", headers=bob.headers).json["data"] == []


def test_anonymous_footprint_can_be_ordered_after_login(client, seeded):
    fp = client.post("/api/v1/footprints", json={"scenario": "CDF2021", "stay": {"nights": 1}}).json
    guest = Guest(client, "alice")
    assert guest.order(fp["id"])["order"]["kg"] == 54


def test_insufficient_credits(app, client, seeded):
    tiny = tiny_project(app, units=2)
    guests = [Guest(client, name) for name in ("alice", "bob", "carol")]
    fp = guests[0].footprint(SMALL)
    rv = guests[0].order(fp["id"], tiny, kg=1_000_001, expect=422)  # above every cap
    assert "kg" in rv["error"]["fields"]
    guests[0].order(fp["id"], tiny, kg=1000)
    guests[1].order(guests[1].footprint(SMALL)["id"], tiny, kg=998)
    carol_fp = guests[2].footprint(SMALL)["id"]
    rv = guests[2].order(carol_fp, tiny, kg=3, expect=409)
    assert rv["error"]["code"] == "insufficient_credits"
    guests[2].order(carol_fp, tiny, kg=2)
    assert stock(app, tiny) == (2000, 0)  # holds, not claims


def test_expired_orders_release_their_hold(app, client, seeded):
    tiny = tiny_project(app, units=1)
    alice, bob = Guest(client, "alice"), Guest(client, "bob")
    order = alice.order(alice.footprint(SMALL)["id"], tiny, kg=1000)["order"]
    bob_fp = bob.footprint(SMALL)["id"]
    bob.order(bob_fp, tiny, kg=2, expect=409)
    lapse(app, order["id"])
    bob.order(bob_fp, tiny, kg=2)


def test_minimum_kg_rounds_up():
    from decimal import Decimal

    from app.domain.money import minimum_kg

    assert minimum_kg(Decimal("444.2")) == 445
    assert minimum_kg(Decimal("444")) == 444
    assert minimum_kg(Decimal("0.01")) == 1
    assert minimum_kg(Decimal("0")) == 1


def test_an_orders_view_reads_only_what_it_shows(app, client, seeded):
    """The order's view and the guest's list read the order, its project's code and its certificate's serial
    and status in one statement (services.offsetting.orders._VIEW): the same answer as the full rows give,
    for a fulfilled order beside a pending one, and a page that joins certificates still counts orders."""
    guest = Guest(client, "narrow-view")
    paid = guest.order(guest.footprint()["id"])
    confirm(client, paid)
    pending = guest.order(guest.footprint()["id"], project="CDCER-EV")
    shown = guest.get_order(paid["order"]["id"])
    assert shown["status"] == "fulfilled" and shown["project"] == "CDCER-FOR"
    serial = shown["certificate"]["serial"]
    assert shown["certificate"]["status"] == "valid" and serial in shown["certificate"]["verify_url"]
    with app.app_context():
        from app.schemas.offsetting.orders import OrderSchema

        full = db.session.get(Order, paid["order"]["id"])  # every column and relation, as the models load them
        assert OrderSchema().dump(full) == shown
    mine = client.get("/api/v1/me/orders?limit=1", headers=guest.headers).json
    assert mine["pagination"]["total"] == 2 and [o["id"] for o in mine["data"]] == [pending["order"]["id"]]
    both = client.get("/api/v1/me/orders", headers=guest.headers).json["data"]
    assert [o["id"] for o in both] == [pending["order"]["id"], paid["order"]["id"]]
    assert both[1] == shown and both[0]["certificate"] is None and both[0]["project"] == "CDCER-EV"
