"""Stock cannot be hoarded, and payments never take what is not theirs (the attacks of issue 9, re-run).

Measured before the rules: one guest sold out a whole project with two orders ("kg": 1000000, then
500000) and held it for 25 minutes; every other guest got insufficient_credits.
"""
from __future__ import annotations

import secrets

from app.extensions import db
from app.models import Certificate, LedgerEntry, Order, PaymentNotification, Refund, SandboxPayTransaction
from tests.journey import (
    SMALL,
    Guest,
    confirm,
    lapse,
    notification,
    order_row,
    paid_resource,
    prepay_id,
    stock,
    tiny_project,
)

NOTIFY = "/api/v1/pay/wechat/notify"


def available(client, code: str) -> int:
    return next(p["available_kg"] for p in client.get("/api/v1/projects").json["data"] if p["code"] == code)


def count(app, model, **where) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model).filter_by(**where)).scalar_one()


def test_the_hoarding_attack_is_refused_and_the_next_guest_buys(app, client, seeded):
    """Two orders of 1,000,000 and 500,000 kg on a 2 kg footprint: both 422, nothing held."""
    attacker, guest = Guest(client, "attacker"), Guest(client, "guest")
    fp = attacker.footprint(SMALL)["id"]
    before = available(client, "CDCER-EV")
    for kg in (1_000_000, 500_000, 1001):
        rv = attacker.order(fp, "CDCER-EV", kg=kg, expect=422)
        assert rv["error"]["code"] == "validation_error" and "kg" in rv["error"]["fields"], kg
    assert available(client, "CDCER-EV") == before == 1_000_000
    assert count(app, Order) == 0
    # Up to the next whole tonne is allowed (a guest may retire whole credits), and no more.
    attacker.order(fp, "CDCER-EV", kg=1000)
    order = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")
    assert order["order"]["kg"] == 2 and confirm(client, order)["deliveries"] == [{"status": 204}]


def test_at_most_three_open_orders_and_one_per_footprint(app, client, seeded):
    guest = Guest(client, "alice")
    fps = [guest.footprint(SMALL)["id"] for _ in range(4)]
    first = guest.order(fps[0], "CDCER-EV", kg=1000)
    # A second order of the same footprint replaces the first: closed here and at WeChat Pay.
    second = guest.order(fps[0], "CDCER-EV", kg=1000)
    assert guest.get_order(first["order"]["id"])["status"] == "closed"
    rv = client.post("/sandbox/wechatpay/confirm", json={"prepay_id": prepay_id(first)})
    assert rv.status_code == 409 and rv.json["error"]["code"] == "payment_closed"
    assert available(client, "CDCER-EV") == 1_000_000 - 1000
    guest.order(fps[1], "CDCER-EV")
    guest.order(fps[2], "CDCER-EV")
    rv = guest.order(fps[3], "CDCER-EV", expect=409)
    assert rv["error"]["code"] == "too_many_open_orders"
    assert client.post(f"/api/v1/orders/{second['order']['id']}/cancel", headers=guest.headers).status_code == 200
    guest.order(fps[3], "CDCER-EV")
    assert count(app, Order, status="pending") == 3


def test_holds_per_guest_are_capped(app, client, seeded, monkeypatch):
    monkeypatch.setitem(app.config, "ORDER_MAX_HELD_KG", 1500)
    guest = Guest(client, "alice")
    guest.order(guest.footprint(SMALL)["id"], "CDCER-EV", kg=1000)
    rv = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV", kg=600, expect=409)
    assert rv["error"]["code"] == "hold_limit_reached"
    guest.order(guest.footprint(SMALL)["id"], "CDCER-EV", kg=500)


def test_cancel_frees_the_hold_at_once(app, client, seeded):
    tiny = tiny_project(app, units=1)
    alice, bob = Guest(client, "alice"), Guest(client, "bob")
    order = alice.order(alice.footprint(SMALL)["id"], tiny, kg=1000)
    bob_fp = bob.footprint(SMALL)["id"]
    assert bob.order(bob_fp, tiny, expect=409)["error"]["code"] == "insufficient_credits"
    url = f"/api/v1/orders/{order['order']['id']}/cancel"
    assert client.post(url, headers=bob.headers).status_code == 404  # another guest's order
    assert client.post(url).status_code == 401
    rv = client.post(url, headers=alice.headers)
    assert rv.status_code == 200 and rv.json["status"] == "closed"
    assert client.post(url, headers=alice.headers).json["status"] == "closed"  # cancelling twice is fine
    assert available(client, tiny) == 1000
    rv = client.post("/sandbox/wechatpay/confirm", json={"prepay_id": prepay_id(order)})
    assert rv.status_code == 409  # WeChat Pay closed it too: it can no longer be paid
    confirm(client, bob.order(bob_fp, tiny, kg=1000))
    assert stock(app, tiny) == (1000, 1000)


def test_a_paid_order_cannot_be_cancelled(app, client, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")
    confirm(client, order)
    rv = client.post(f"/api/v1/orders/{order['order']['id']}/cancel", headers=guest.headers)
    assert rv.status_code == 409 and rv.json["error"]["code"] == "order_not_cancellable"
    assert guest.get_order(order["order"]["id"])["status"] == "fulfilled"


def test_a_late_payment_never_takes_another_guests_live_hold(app, client, seeded):
    """Alice's hold lapsed; Bob holds the last tonne, unpaid. Alice's late payment is refunded, and Bob's
    payment then finds his kilograms."""
    tiny = tiny_project(app, units=1)
    alice, bob = Guest(client, "alice"), Guest(client, "bob")
    late = alice.order(alice.footprint(SMALL)["id"], tiny, kg=1000)
    lapse(app, late["order"]["id"])
    held = bob.order(bob.footprint(SMALL)["id"], tiny, kg=1000)
    assert confirm(client, late)["deliveries"] == [{"status": 204}]
    assert alice.get_order(late["order"]["id"])["status"] == "refunded"
    assert stock(app, tiny) == (1000, 0)
    confirm(client, held)
    assert bob.get_order(held["order"]["id"])["status"] == "fulfilled" and stock(app, tiny) == (1000, 1000)


def test_a_late_payment_is_filled_from_unheld_stock(app, client, seeded):
    guest = Guest(client, "alice")
    late = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")
    lapse(app, late["order"]["id"])
    confirm(client, late)
    assert guest.get_order(late["order"]["id"])["status"] == "fulfilled"


def test_a_second_payment_of_a_paid_order_is_refunded_and_the_certificate_stays(app, client, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")
    confirm(client, order)
    certificate = guest.get_order(order["order"]["id"])["certificate"]
    again = confirm(client, order, deliveries=2, again=True)  # the payer was charged twice
    assert [d["status"] for d in again["deliveries"]] == [204, 204]
    after = guest.get_order(order["order"]["id"])
    assert after["status"] == "fulfilled" and after["certificate"] == certificate
    with app.app_context():
        refund = db.session.execute(db.select(Refund).filter_by(order_id=order["order"]["id"])).scalar_one()
        assert refund.out_refund_no == f"RD{again['transaction_id']}" and refund.status == "SUCCESS"
        assert refund.amount_fen == order["order"]["amount_fen"]
        second = db.session.execute(db.select(SandboxPayTransaction)
                                    .filter_by(transaction_id=again["transaction_id"])).scalar_one()
        assert second.trade_state == "REFUND" and second.refunded_fen == second.amount_total
    assert count(app, Certificate) == 1 and count(app, LedgerEntry) == 3  # the sale alone, untouched
    assert client.get(f"/api/v1/certificates/{certificate['serial']}").json["status"] == "valid"


def test_forged_payments_in_signed_notifications_change_nothing(app, client, seeded):
    """A signed notification with a huge amount, or a transaction WeChat Pay does not know: FAIL."""
    guest = Guest(client, "alice")
    pending = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")["order"]
    other_currency = paid_resource(app, pending["out_trade_no"], pending["amount_fen"])
    other_currency["amount"]["currency"] = "USD"
    for resource in (paid_resource(app, pending["out_trade_no"], 2**31 - 1), other_currency):
        headers, body = notification(app, resource)
        rv = client.post(NOTIFY, data=body, headers=headers)
        assert rv.status_code == 400 and rv.json["code"] == "FAIL"
    assert guest.get_order(pending["id"])["status"] == "pending"
    paid = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")
    confirm(client, paid)
    foreign = "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
    headers, body = notification(app, paid_resource(app, paid["order"]["out_trade_no"], paid["order"]["amount_fen"],
                                                    transaction_id=foreign))
    rv = client.post(NOTIFY, data=body, headers=headers)
    assert rv.status_code == 400 and rv.json == {"code": "FAIL", "message": "payment_rejected"}
    row = order_row(app, paid["order"]["id"])
    assert row.status == "fulfilled" and row.transaction_id != foreign
    assert count(app, Refund) == 0 and count(app, Certificate) == 1
    assert count(app, PaymentNotification, outcome="rejected") == 3


def test_an_idempotency_key_is_for_one_request(client, seeded):
    guest = Guest(client, "alice")
    fp = guest.footprint(SMALL)["id"]
    first = guest.order(fp, "CDCER-EV", key="tap-1", kg=10)
    assert guest.order(fp, "CDCER-EV", key="tap-1", kg=10)["order"]["id"] == first["order"]["id"]
    rv = guest.order(fp, "CDCER-EV", key="tap-1", kg=11, expect=422)
    assert rv["error"]["code"] == "idempotency_key_reused"
    rv = guest.order(fp, "CDCER-FOR", key="tap-1", kg=10, expect=422)
    assert rv["error"]["code"] == "idempotency_key_reused"
