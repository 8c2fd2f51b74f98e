"""WeChat Pay notifications, fulfilment, certificates, ledger, refunds and reconcile, through HTTP."""
from __future__ import annotations

import time
from datetime import timedelta

from app.extensions import db
from app.models import (
    Certificate,
    CreditClaim,
    CreditUnit,
    LedgerEntry,
    Order,
    PaymentNotification,
    SandboxPayTransaction,
    Scenario,
)
from app.models.base import utcnow
from app.services.offsetting import certificates as certificate_service
from tests.journey import SMALL, Guest, confirm, lapse, notification, order_row, paid_resource, stock, tiny_project

NOTIFY = "/api/v1/pay/wechat/notify"


def count(app, model, **filters):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(model).filter_by(**filters)).scalar_one()


def paid_journey(client, name="alice", deliveries=1, **order_extra):
    guest = Guest(client, name)
    fp = guest.footprint()
    body = guest.order(fp["id"], **order_extra)
    result = confirm(client, body, deliveries=deliveries)
    return guest, body["order"], result


def test_whole_journey_with_repeated_delivery(app, client, seeded):
    guest, order, result = paid_journey(client, deliveries=3)
    assert [d["status"] for d in result["deliveries"]] == [204, 204, 204]
    assert result["transaction_id"].startswith("4200")
    fetched = guest.get_order(order["id"])
    assert fetched["status"] == "fulfilled" and fetched["paid_at"]
    cert = fetched["certificate"]
    assert cert["verify_url"] == f"https://dd.example.test/verify/{cert['serial']}"
    assert cert["image_url"].endswith(f"/api/v1/certificates/{cert['serial']}/image.png")
    public = client.get(f"/api/v1/certificates/{cert['serial']}").json
    assert public["status"] == "valid" and public["kg"] == order["kg"] and public["footprint_id"] == order["footprint_id"]
    assert public["holder"].startswith("点点用户")
    assert public["scenario"]["code"] == "CDF2021" and public["project"]["standard"] == "CDCER"
    assert sum(a["kg"] for a in public["allocations"]) == order["kg"]
    assert public["allocations"][0]["credit_serial"] == "CDCER-FOR-2021-00000001"
    # Exactly once, however often it was delivered; every delivery recorded.
    assert count(app, Certificate) == 1
    assert count(app, LedgerEntry) == 3
    assert count(app, PaymentNotification) == 3
    with app.app_context():
        outcomes = sorted(n.outcome for n in db.session.execute(db.select(PaymentNotification)).scalars())
        assert outcomes == ["duplicate", "duplicate", "fulfilled"]
        entries = {e.account: e.amount_fen for e in db.session.execute(db.select(LedgerEntry)).scalars()}
        assert sum(entries.values()) == order["amount_fen"]
        # 0.6% payment fee, 5% platform fee, rounded half up; the owner gets the rest.
        assert entries["payment_fees"] == round(order["amount_fen"] * 0.006 + 1e-9)
        assert entries["platform"] == int(order["amount_fen"] * 0.05 + 0.5)
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        assert (scenario.participants, scenario.neutralized_kg) == (1, order["kg"])
    assert stock(app, "CDCER-FOR") == (1_200_000, order["kg"])
    scenario = client.get("/api/v1/scenarios/CDF2021").json
    assert scenario["stats"] == {"participants": 1, "neutralized_kg": order["kg"]}


def test_pooled_retirement_fills_units_in_serial_order(app, client, seeded):
    alice = Guest(client, "alice")
    fp = alice.footprint(SMALL)
    confirm(client, alice.order(fp["id"], kg=600))
    confirm(client, alice.order(fp["id"], kg=600))
    with app.app_context():
        units = db.session.execute(db.select(CreditUnit).where(CreditUnit.claimed_kg > 0)
                                   .order_by(CreditUnit.serial)).scalars().all()
        assert [(u.serial, u.claimed_kg) for u in units] == [
            ("CDCER-FOR-2021-00000001", 1000), ("CDCER-FOR-2021-00000002", 200)]
        assert all(u.retired_at is not None and "pooled retirement" in u.retirement_reason for u in units)
        second = db.session.execute(db.select(Certificate).order_by(Certificate.id.desc())).scalars().first()
        assert [(c.unit.serial, c.kg) for c in second.claims] == [
            ("CDCER-FOR-2021-00000001", 400), ("CDCER-FOR-2021-00000002", 200)]
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        assert (scenario.participants, scenario.neutralized_kg) == (1, 1200)  # one guest, two certificates


def test_beneficiary_is_the_holder(client, seeded):
    guest, order, _ = paid_journey(client, beneficiary="王小明")
    serial = guest.get_order(order["id"])["certificate"]["serial"]
    assert client.get(f"/api/v1/certificates/{serial}").json["holder"] == "王小明"


def test_certificate_serials(client, seeded):
    serial = certificate_service.new_serial()
    assert len(serial) == 19 and serial.startswith("DD-")
    assert certificate_service.normalise_serial(serial.lower().replace("-", "")) == serial
    typo = serial[:-1] + ("0" if serial[-1] != "0" else "1")
    assert certificate_service.normalise_serial(typo) is None
    rv = client.get(f"/api/v1/certificates/{serial}")
    assert rv.status_code == 404 and rv.json["error"]["code"] == "certificate_not_found"
    assert client.get("/api/v1/certificates/1").status_code == 404


def test_forged_signature_is_rejected_and_changes_nothing(app, client, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint()["id"])["order"]
    headers, body = notification(app, paid_resource(app, order["out_trade_no"], order["amount_fen"]))
    tampered = body.replace(b'"EV-test"', b'"EV-tamp"')
    rv = client.post(NOTIFY, data=tampered, headers=headers)
    assert rv.status_code == 401 and rv.json == {"code": "FAIL", "message": "invalid_notification"}
    headers["Wechatpay-Signature"] = headers["Wechatpay-Signature"][::-1]
    assert client.post(NOTIFY, data=body, headers=headers).status_code == 401
    del headers["Wechatpay-Signature-Type"]
    assert client.post(NOTIFY, data=body, headers=headers).status_code == 401
    assert client.post(NOTIFY, data=b"not json", headers={"Wechatpay-Timestamp": str(int(time.time()))}).status_code == 401
    assert guest.get_order(order["id"])["status"] == "pending"
    assert count(app, Certificate) == 0 and count(app, PaymentNotification) == 0


def test_stale_timestamp_is_rejected(app, client, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint()["id"])["order"]
    resource = paid_resource(app, order["out_trade_no"], order["amount_fen"])
    for skew in (-330, 330):  # a margin for a slow test machine
        headers, body = notification(app, resource, timestamp=int(time.time()) + skew)
        assert client.post(NOTIFY, data=body, headers=headers).status_code == 401
    assert guest.get_order(order["id"])["status"] == "pending"
    headers, body = notification(app, resource, timestamp=int(time.time()) - 200)  # within 5 minutes
    assert client.post(NOTIFY, data=body, headers=headers).status_code == 204
    assert guest.get_order(order["id"])["status"] == "fulfilled"


def test_wrong_amount_is_refused_and_changes_nothing(app, client, seeded):
    """WeChat's '假通知' warning: a payment of another amount is answered FAIL (WeChat retries) and the
    order stays as it was, payable."""
    guest = Guest(client, "alice")
    body = guest.order(guest.footprint()["id"])
    result = confirm(client, body, deliveries=2, amount_total=1)
    assert [d["status"] for d in result["deliveries"]] == [400, 400]
    order = guest.get_order(body["order"]["id"])
    assert order["status"] == "pending" and order["certificate"] is None and order["paid_at"] is None
    assert count(app, Certificate) == 0 and count(app, LedgerEntry) == 0
    assert order_row(app, order["id"]).review_reason is None
    with app.app_context():
        assert [n.outcome for n in db.session.execute(db.select(PaymentNotification)).scalars()] == \
            ["rejected", "rejected"]


def test_other_merchant_is_refused(app, client, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint()["id"])["order"]
    resource = paid_resource(app, order["out_trade_no"], order["amount_fen"], appid="wx_someone_else")
    headers, body = notification(app, resource)
    rv = client.post(NOTIFY, data=body, headers=headers)
    assert rv.status_code == 400 and rv.json == {"code": "FAIL", "message": "payment_rejected"}
    assert guest.get_order(order["id"])["status"] == "pending"


def test_unknown_order_is_refused(app, client, seeded):
    headers, body = notification(app, paid_resource(app, "DD20261122NOSUCHORDER000000", 100))
    rv = client.post(NOTIFY, data=body, headers=headers)
    assert rv.status_code == 404 and rv.json["code"] == "FAIL"
    assert count(app, Certificate) == 0


def test_other_events_are_acknowledged(app, client, seeded):
    headers, body = notification(app, {"refund_status": "SUCCESS"}, event_type="REFUND.SUCCESS")
    assert client.post(NOTIFY, data=body, headers=headers).status_code == 204
    assert count(app, PaymentNotification, outcome="ignored") == 1


def test_expired_order_cannot_be_paid_and_reconcile_closes_it(app, client, runner, seeded):
    guest = Guest(client, "alice")
    body = guest.order(guest.footprint()["id"])
    past = utcnow() - timedelta(minutes=1)
    with app.app_context():
        db.session.execute(db.update(Order).values(expires_at=past))
        db.session.execute(db.update(SandboxPayTransaction).values(time_expire=past))
        db.session.commit()
    assert client.post("/sandbox/wechatpay/confirm",
                       json={"prepay_id": body["payment"]["package"][10:]}).status_code == 409
    assert guest.get_order(body["order"]["id"])["status"] == "pending"
    result = runner.invoke(args=["reconcile"])
    assert result.exit_code == 0 and "1 closed" in result.output
    assert guest.get_order(body["order"]["id"])["status"] == "closed"
    again = client.get(f"/api/v1/orders/{body['order']['id']}", headers=guest.headers)
    assert again.json["status"] == "closed"


def test_reconcile_after_a_lost_notification(app, client, runner, seeded):
    guest = Guest(client, "alice")
    body = guest.order(guest.footprint()["id"])
    result = confirm(client, body, deliveries=0)  # WeChat took the money; the notification never came
    assert result["deliveries"] == []
    assert guest.get_order(body["order"]["id"])["status"] == "pending"
    out = runner.invoke(args=["reconcile"])
    assert out.exit_code == 0 and "1 fulfilled" in out.output
    assert guest.get_order(body["order"]["id"])["status"] == "fulfilled"
    out = runner.invoke(args=["reconcile"])
    assert "nothing pending" in out.output
    # The late notification is then a harmless duplicate.
    rv = client.post("/sandbox/wechatpay/confirm", json={"prepay_id": body["payment"]["package"][10:]})
    assert rv.json["deliveries"] == [{"status": 204}]
    assert count(app, Certificate) == 1 and count(app, LedgerEntry) == 3


def test_refund_revokes_returns_kilograms_and_reverses_ledger(app, client, runner, seeded):
    guest, order, _ = paid_journey(client)
    serial = guest.get_order(order["id"])["certificate"]["serial"]
    out = runner.invoke(args=["orders", "refund", order["out_trade_no"], "--reason", "guest asked"])
    assert out.exit_code == 0, out.output
    fetched = guest.get_order(order["id"])
    assert fetched["status"] == "refunded" and fetched["certificate"]["status"] == "revoked"
    public = client.get(f"/api/v1/certificates/{serial}").json
    assert public["status"] == "revoked" and public["revoked_at"]
    assert stock(app, "CDCER-FOR") == (1_200_000, 0)
    with app.app_context():
        unit = db.session.execute(db.select(CreditUnit).filter_by(serial="CDCER-FOR-2021-00000001")).scalar_one()
        assert unit.claimed_kg == 0 and unit.retired_at is not None  # a cancellation stays cancelled
        assert all(c.released_at for c in db.session.execute(db.select(CreditClaim)).scalars())
        entries = db.session.execute(db.select(LedgerEntry)).scalars().all()
        assert len(entries) == 6 and sum(e.amount_fen for e in entries) == 0
        tx = db.session.execute(db.select(SandboxPayTransaction)).scalar_one()
        assert tx.trade_state == "REFUND" and tx.refunded_fen == order["amount_fen"]
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        assert (scenario.participants, scenario.neutralized_kg) == (0, 0)
    # The released kilograms go to the next guest first.
    other, order2, _ = paid_journey(client, "bob")
    serial2 = other.get_order(order2["id"])["certificate"]["serial"]
    assert client.get(f"/api/v1/certificates/{serial2}").json["allocations"][0]["credit_serial"] == \
        "CDCER-FOR-2021-00000001"
    again = runner.invoke(args=["orders", "refund", order["out_trade_no"], "--reason", "twice"])
    assert again.exit_code != 0 and "order_not_refundable" in again.output


def test_refund_of_unpaid_or_unknown_order(client, runner, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint()["id"])["order"]
    assert "order_not_refundable" in runner.invoke(args=["orders", "refund", order["out_trade_no"], "--reason", "x"]).output
    assert "order_not_found" in runner.invoke(args=["orders", "refund", "DDNOPE", "--reason", "x"]).output


def test_paid_order_whose_credits_are_gone_is_refunded(app, client, seeded):
    """Inventory running out: the hold lapsed, others took the stock, then the payment arrived."""
    tiny = tiny_project(app, units=1)
    alice, bob = Guest(client, "alice"), Guest(client, "bob")
    late = alice.order(alice.footprint(SMALL)["id"], tiny, kg=1000)
    lapse(app, late["order"]["id"])  # the guest paid at the last second, the notice came late
    confirm(client, bob.order(bob.footprint(SMALL)["id"], tiny, kg=1000))
    assert stock(app, tiny) == (1000, 1000)
    assert confirm(client, late)["deliveries"] == [{"status": 204}]
    order = alice.get_order(late["order"]["id"])
    assert order["status"] == "refunded" and order["certificate"] is None
    assert stock(app, tiny) == (1000, 1000)
    with app.app_context():
        assert db.session.execute(db.select(db.func.max(CreditUnit.claimed_kg))).scalar_one() <= 1000
        assert "refunded automatically" in db.session.get(Order, late["order"]["id"]).review_reason
        tx = db.session.execute(db.select(SandboxPayTransaction)
                                .filter_by(out_trade_no=late["order"]["out_trade_no"])).scalar_one()
        assert tx.trade_state == "REFUND"  # the money went back through WeChat Pay


def test_sandbox_confirm_errors(client, seeded):
    rv = client.post("/sandbox/wechatpay/confirm", json={"prepay_id": "wx-nope"})
    assert rv.status_code == 404 and rv.json["error"]["code"] == "prepay_not_found"
    assert client.post("/sandbox/wechatpay/confirm", json={"prepay_id": "x", "deliveries": 21}).status_code == 422
