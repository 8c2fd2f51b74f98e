"""The whole journey over HTTP against `gunicorn wsgi:app` with ONE synchronous worker.

The sandbox (WeChat login, WeChat Pay and its notifications) runs inside the service in-process, so a
single worker must serve everything without waiting on an HTTP call to itself.
"""
from __future__ import annotations

import pytest
import requests

from tests.e2e.service import gunicorn


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    with gunicorn(folder, f"sqlite:///{folder}/e2e.db") as running:
        yield running.base


def test_whole_journey_under_one_sync_worker(service):
    s = requests.Session()
    token = s.post(f"{service}/api/v1/auth/login", json={"code": "sandbox-alice"}, timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    entry = s.get(f"{service}/api/v1/deeplinks/resolve", params={"scene": "CDF2021.door3"}, timeout=10).json()
    assert entry["scenario"]["code"] == "CDF2021"
    fp = s.post(f"{service}/api/v1/footprints", headers=auth, timeout=10, json={
        "scenario": "CDF2021", "scan_id": entry["entry"]["scan_id"],
        "travel": [{"mode": "flight.economy", "from": "PEK", "to": "TFU", "round_trip": True}],
        "stay": {"nights": 2, "country": "CN", "guests_per_room": 1}}).json()
    projects = s.get(f"{service}/api/v1/projects", params={"scenario": "CDF2021"}, timeout=10).json()["data"]
    created = s.post(f"{service}/api/v1/orders", headers={**auth, "Idempotency-Key": "e2e-1"}, timeout=10,
                     json={"footprint_id": fp["id"], "project": projects[0]["code"]})
    assert created.status_code == 201, created.text
    order = created.json()
    prepay = order["payment"]["package"].split("=", 1)[1]
    paid = s.post(f"{service}/sandbox/wechatpay/confirm", json={"prepay_id": prepay, "deliveries": 3}, timeout=30)
    assert paid.status_code == 200 and [d["status"] for d in paid.json()["deliveries"]] == [204, 204, 204]
    fetched = s.get(f"{service}/api/v1/orders/{order['order']['id']}", headers=auth, timeout=10).json()
    assert fetched["status"] == "fulfilled"
    cert = s.get(f"{service}/api/v1/certificates/{fetched['certificate']['serial']}", timeout=10).json()
    assert sum(a["kg"] for a in cert["allocations"]) == fetched["kg"]
    assert cert["verify_url"] == f"{service}/verify/{cert['serial']}"


def test_organizer_top_up_in_the_console_session_under_one_sync_worker(service):
    """The console's way in (session cookie + CSRF token) and a Native top-up, over real HTTP."""
    s = requests.Session()
    signed = s.post(f"{service}/api/v1/staff/session", timeout=10,
                    json={"email": "organizer@demo.diandian.test", "password": "diandian-demo"})
    assert signed.status_code == 200, signed.text
    assert "HttpOnly" in signed.headers["Set-Cookie"]
    csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
    url = f"{service}/api/v1/staff/scenarios/CDF2021/event"
    assert s.post(f"{url}/footprint", json={"electricity_kwh": 500}, timeout=10).status_code == 403  # no CSRF
    footprint = s.post(f"{url}/footprint", json={"electricity_kwh": 5000, "materials": [
        {"material": "paper", "kg": 20}]}, headers=csrf, timeout=10).json()
    topup = s.post(f"{url}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"},
                   headers=csrf, timeout=30)
    assert topup.status_code == 201, topup.text
    order = topup.json()["order"]
    assert s.get(f"{service}{order['qr_url']}", timeout=10).headers["Content-Type"] == "image/png"
    paid = requests.post(f"{service}/sandbox/wechatpay/confirm", json={"code_url": order["code_url"]}, timeout=30)
    assert paid.status_code == 200 and paid.json()["deliveries"] == [{"status": 204}]
    done = s.get(f"{url}/topups/{order['id']}", timeout=10).json()
    assert done["order"]["status"] == "fulfilled"
    cert = requests.get(f"{service}/api/v1/certificates/{done['certificate']['serial']}", timeout=10).json()
    assert cert["kind"] == "event" and cert["kg"] == done["topup_kg"]
