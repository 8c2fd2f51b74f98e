"""The simulators as their own server: `gunicorn 'app.sandbox.server:create_simulator_app()'` on its own
database, and `gunicorn wsgi:app` reaching it over HTTP through SANDBOX_SERVER_URL, as it reaches WeChat
in live mode. The notification goes over HTTP to the notify_url of the prepay request.
"""
from __future__ import annotations

import os
import subprocess
import time

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.service import BIN, ROOT, free_port, gunicorn, healthy

NOTIFY_PATH = "/api/v1/pay/wechat/notify"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("simulator-server")
    sim_port = free_port()
    sim_db = f"sqlite:///{folder}/simulator.db"
    # The same SECRET_KEY (the sandbox app secret derives from it) and keys folder as the service.
    env = {**os.environ, "SECRET_KEY": "e2e", "SANDBOX_KEYS_DIR": str(folder / "keys"),
           "SANDBOX_DATABASE_URL": sim_db, "SANDBOX_INSTANCE_PATH": str(folder)}
    for key in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "REDIS_URL", "SANDBOX_SERVER_URL"):
        env.pop(key, None)
    log = open(folder / "simulator.log", "w")
    sim = subprocess.Popen([str(BIN / "gunicorn"), "app.sandbox.server:create_simulator_app()",
                            "--worker-class", "gthread", "--threads", "8", "--workers", "1",
                            "--bind", f"127.0.0.1:{sim_port}"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    sim_url = f"http://127.0.0.1:{sim_port}"
    try:
        deadline = time.monotonic() + 60
        while not healthy(sim_url):
            if time.monotonic() > deadline or sim.poll() is not None:
                raise RuntimeError((folder / "simulator.log").read_text())
            time.sleep(0.2)
        # Two workers: the service's own pay-sheet route waits on the simulator while the notification
        # it triggers comes back to the service.
        with gunicorn(folder, f"sqlite:///{folder}/service.db", workers=2,
                      extra_env={"SANDBOX_SERVER_URL": sim_url, "SQL_STATS": "1"}) as service:
            yield {"service": service, "sim": sim, "sim_url": sim_url, "sim_db": sim_db}
    finally:
        if sim.poll() is None:
            sim.terminate()
            sim.wait(timeout=20)
        log.close()


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def _login(base: str, code: str) -> dict:
    rv = requests.post(f"{base}/api/v1/auth/login", json={"code": code}, timeout=10)
    assert rv.status_code == 200, rv.text
    return {"Authorization": f"Bearer {rv.json()['token']}"}


def _order(base: str, auth: dict, key: str) -> dict:
    fp = requests.post(f"{base}/api/v1/footprints", headers=auth, timeout=10, json={
        "scenario": "CDF2021", "travel": [{"mode": "flight.economy", "from": "PEK", "to": "TFU",
                                           "round_trip": True}]})
    assert fp.status_code == 201, fp.text
    created = requests.post(f"{base}/api/v1/orders", headers={**auth, "Idempotency-Key": key}, timeout=10,
                            json={"footprint_id": fp.json()["id"], "project": "CDCER-FOR"})
    assert created.status_code == 201, created.text
    return created.json()


def test_whole_journey_through_the_simulator_server(servers):
    base, sim_url = servers["service"].base, servers["sim_url"]
    auth = _login(base, "sandbox-alice")
    entry = requests.get(f"{base}/api/v1/deeplinks/resolve", params={"scene": "CDF2021.door3"}, timeout=10)
    assert entry.json()["scenario"]["code"] == "CDF2021"
    created = _order(base, auth, "sim-1")
    prepay = created["payment"]["package"].split("=", 1)[1]

    # The mini-program preview pays through the service, which asks the simulator server over HTTP.
    paid = requests.post(f"{base}/sandbox/wechatpay/confirm", json={"prepay_id": prepay, "deliveries": 2},
                         timeout=60)
    assert paid.status_code == 200, paid.text
    assert [d["status"] for d in paid.json()["deliveries"]] == [204, 204]
    order = requests.get(f"{base}/api/v1/orders/{created['order']['id']}", headers=auth, timeout=10).json()
    assert order["status"] == "fulfilled"
    cert = requests.get(f"{base}/api/v1/certificates/{order['certificate']['serial']}", timeout=10).json()
    assert sum(a["kg"] for a in cert["allocations"]) == order["kg"]

    # WeChat Pay's record is the simulator's, in its own database; it notified the URL the service gave.
    service_db = servers["service"].env["DATABASE_URL"]
    assert _count(service_db, "sandbox_pay_transactions") == 0
    assert _count(service_db, "sandbox_pay_refunds") == 0
    engine = sa.create_engine(servers["sim_db"])
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT notify_url, trade_state, amount_total FROM sandbox_pay_transactions "
                                   "WHERE prepay_id = :p"), {"p": prepay}).one()
    engine.dispose()
    assert row == (base + NOTIFY_PATH, "SUCCESS", created["order"]["amount_fen"])

    # The guest's phone paying WeChat Pay directly: the simulator server takes the same request.
    again = requests.post(f"{sim_url}/sandbox/wechatpay/confirm", json={"prepay_id": prepay}, timeout=60)
    assert again.status_code == 200 and again.json()["deliveries"] == [{"status": 204}]
    assert again.json()["transaction_id"] == paid.json()["transaction_id"]


def test_cancel_and_unknown_prepay_over_http(servers):
    base, sim_url = servers["service"].base, servers["sim_url"]
    auth = _login(base, "sandbox-bob")
    created = _order(base, auth, "sim-2")
    cancelled = requests.post(f"{base}/api/v1/orders/{created['order']['id']}/cancel", headers=auth, timeout=10)
    assert cancelled.status_code == 200, cancelled.text  # WeChat Pay closed it, over HTTP
    prepay = created["payment"]["package"].split("=", 1)[1]
    closed = requests.post(f"{base}/sandbox/wechatpay/confirm", json={"prepay_id": prepay}, timeout=30)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "payment_closed"
    unknown = requests.post(f"{base}/sandbox/wechatpay/confirm", json={"prepay_id": "wx-none"}, timeout=30)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "prepay_not_found"
    bad = requests.post(f"{sim_url}/sandbox/wechatpay/confirm", json={"deliveries": 1}, timeout=30)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def _stats(resp) -> dict:
    return {name: tuple(map(int, value.split("/")))
            for name, value in (part.split("=") for part in resp.headers["X-SQL-Stats"].split("; "))}


def test_the_pay_sheet_counts_the_services_work_on_its_deliveries(servers):
    """The benchmarks' X-SQL-Stats: the simulator server tells back what the service's answers to its
    deliveries said, so the pay sheet's step carries fulfilment's statements and CPU."""
    base, sim_url = servers["service"].base, servers["sim_url"]
    auth = _login(base, "sandbox-erin")
    created = _order(base, auth, "sim-5")
    prepay = created["payment"]["package"].split("=", 1)[1]
    paid = requests.post(f"{sim_url}/sandbox/wechatpay/confirm", json={"prepay_id": prepay, "deliveries": 2},
                         timeout=60)
    assert paid.status_code == 200 and [d["status"] for d in paid.json()["deliveries"]] == [204, 204]
    stats = _stats(paid)
    # both deliveries are the service's (fulfilment, then the duplicate's answer: a commit each, as in
    # process); the simulator server never turns SQL_STATS on for itself, so nothing is the sandbox's
    statements, commits = stats["service"]
    assert commits == 2 and statements >= 9 and stats["sandbox"] == (0, 0)
    assert stats["cpu"][0] > 0 and stats["cpu"][1] == 0

    # Through the service's own pay sheet, the deliveries' work is added to the route's.
    second = _order(base, auth, "sim-6")
    through = requests.post(f"{base}/sandbox/wechatpay/confirm", timeout=60, json={
        "prepay_id": second["payment"]["package"].split("=", 1)[1], "deliveries": 1})
    assert through.status_code == 200, through.text
    statements, commits = _stats(through)["service"]
    assert commits == 1 and statements >= 8
    ordered = _stats(requests.get(f"{base}/api/v1/orders/{second['order']['id']}", headers=auth, timeout=10))
    assert ordered["service"][1] == 0 and ordered["cpu"][0] > 0


def test_the_simulator_server_away_is_a_502_envelope(servers):
    base = servers["service"].base
    auth = _login(base, "sandbox-carol")
    created = _order(base, auth, "sim-3")
    prepay = created["payment"]["package"].split("=", 1)[1]
    servers["sim"].terminate()
    servers["sim"].wait(timeout=20)
    login = requests.post(f"{base}/api/v1/auth/login", json={"code": "sandbox-dave"}, timeout=30)
    assert login.status_code == 502 and login.json()["error"]["code"] == "wechat_unavailable"
    paid = requests.post(f"{base}/sandbox/wechatpay/confirm", json={"prepay_id": prepay}, timeout=30)
    assert paid.status_code == 502 and paid.json()["error"]["code"] == "wechat_unavailable"
    fp = requests.post(f"{base}/api/v1/footprints", headers=auth, timeout=10, json={
        "scenario": "CDF2021", "travel": [{"mode": "road.taxi", "distance_km": 10}]})
    order = requests.post(f"{base}/api/v1/orders", headers={**auth, "Idempotency-Key": "sim-4"}, timeout=30,
                          json={"footprint_id": fp.json()["id"], "project": "CDCER-FOR"})
    assert order.status_code == 502 and order.json()["error"]["code"] == "wechat_unavailable"
