"""Helpers for tests of the guest journey: log in, compute, order, pay through the sandbox."""
from __future__ import annotations

import json
import time
from datetime import timedelta

from app.extensions import db
from app.models import Order, Project
from app.models.base import utcnow
from app.sandbox.wechatpay import encrypt_resource, signed_headers

CONFERENCE = {
    "scenario": "CDF2021",
    "travel": [{"mode": "flight.economy", "from": "PEK", "to": "TFU", "round_trip": True}],
    "stay": {"nights": 2},
}


class Guest:
    def __init__(self, client, name: str):
        self.client = client
        rv = client.post("/api/v1/auth/login", json={"code": f"sandbox-{name}"})
        assert rv.status_code == 200, rv.json
        self.headers = {"Authorization": f"Bearer {rv.json['token']}"}
        self.user_id = rv.json["user"]["id"]

    def footprint(self, body: dict | None = None) -> dict:
        rv = self.client.post("/api/v1/footprints", json=body or CONFERENCE, headers=self.headers)
        assert rv.status_code == 201, rv.json
        return rv.json

    def order(self, footprint_id: str, project: str = "CDCER-FOR", expect: int = 201, key: str | None = None,
              **extra):
        headers = dict(self.headers)
        if key:
            headers["Idempotency-Key"] = key
        rv = self.client.post("/api/v1/orders", json={"footprint_id": footprint_id, "project": project, **extra},
                              headers=headers)
        assert rv.status_code == expect, rv.json
        return rv.json

    def get_order(self, order_id: str) -> dict:
        rv = self.client.get(f"/api/v1/orders/{order_id}", headers=self.headers)
        assert rv.status_code == 200, rv.json
        return rv.json


def prepay_id(order_response: dict) -> str:
    return order_response["payment"]["package"].split("=", 1)[1]


def confirm(client, order_response: dict, deliveries: int = 1, **extra) -> dict:
    rv = client.post("/sandbox/wechatpay/confirm",
                     json={"prepay_id": prepay_id(order_response), "deliveries": deliveries, **extra})
    assert rv.status_code == 200, rv.json
    return rv.json


def notification(app, resource: dict, *, timestamp: int | None = None, event_type="TRANSACTION.SUCCESS"):
    """A notification exactly as WeChat Pay (the simulator) would send it: (headers, body bytes)."""
    keys = app.extensions["wechatpay_sandbox_keys"]
    body = json.dumps({
        "id": "EV-test", "create_time": "2026-11-22T10:00:00+08:00", "resource_type": "encrypt-resource",
        "event_type": event_type, "summary": "支付成功",
        "resource": {"original_type": "transaction",
                     **encrypt_resource(keys.apiv3_key, json.dumps(resource), "transaction")},
    })
    headers = {"Content-Type": "application/json", **signed_headers(keys, body)}
    if timestamp is not None:  # re-sign with another time, as an attacker replaying an old one would
        from app.sandbox.wechatpay import rsa_sign

        headers["Wechatpay-Timestamp"] = str(timestamp)
        headers["Wechatpay-Signature"] = rsa_sign(
            keys.platform_private_pem, f"{timestamp}\n{headers['Wechatpay-Nonce']}\n{body}\n")
    return headers, body.encode()


def paid_resource(app, out_trade_no: str, amount: int, transaction_id: str = "4200000000202611220000000001",
                  **overrides) -> dict:
    keys = app.extensions["wechatpay_sandbox_keys"]
    resource = {
        "appid": app.config["WECHAT_APPID"], "mchid": keys.mchid, "out_trade_no": out_trade_no,
        "transaction_id": transaction_id, "trade_type": "JSAPI", "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功", "bank_type": "OTHERS", "success_time": "2026-11-22T10:00:00+08:00",
        "payer": {"openid": "o-test"}, "amount": {"total": amount, "payer_total": amount, "currency": "CNY"},
    }
    resource.update(overrides)
    return resource


def stock(app, code: str) -> tuple[int, int]:
    """(credited_kg, claimed_kg) of a project, read fresh."""
    with app.app_context():
        p = db.session.execute(db.select(Project).filter_by(code=code)).scalar_one()
        return p.credited_kg, p.claimed_kg


def order_row(app, order_id: str) -> Order:
    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        return order


def now() -> int:
    return int(time.time())


SMALL = {"scenario": "CDF2021", "meals": {"standard": 1}}  # 1.9 kg: orders of 2 to 1,000 kg


def tiny_project(app, units: int, code: str = "TINY") -> str:
    """A project with `units` one-tonne credits only, offered everywhere: stock that runs out."""
    from app.services.offsetting import credits, projects

    with app.app_context():
        projects.add_project(code=code, name="小项目（测试）", owner="小项目公司（测试）", price_fen_per_tonne=6000)
        credits.import_blocks(f"project_code,vintage,serial_start,serial_end\n{code},2024,{code}-0001,"
                              f"{code}-{units:04d}\n", source="test")
    return code


def lapse(app, order_id: str) -> None:
    """The order's hold runs out (its time to pay and the grace after it are past)."""
    with app.app_context():
        db.session.execute(db.update(Order).where(Order.id == order_id)
                           .values(expires_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
