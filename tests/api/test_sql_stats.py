"""The benchmarks' X-SQL-Stats header (app/sql_stats.py): off by default, exact when on."""
from __future__ import annotations

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.journey import SMALL, Guest


def test_off_by_default(client, seeded):
    assert "X-SQL-Stats" not in client.get("/api/v1/projects").headers


def test_counts_the_service_apart_from_the_in_process_simulators(tmp_path):
    # An app of its own on a SQLite file of its own: it must leave nothing in the suite's database.
    app = create_app(TestConfig({"SQL_STATS": "1", "CERTIFICATE_STORAGE_DIR": str(tmp_path),
                                 "DATABASE_URL": f"sqlite:///{tmp_path}/stats.db"}))
    with app.app_context():
        db.create_all()
        from app.services.ops.seed import seed_demo

        seed_demo()
    client = app.test_client()
    guest = Guest(client, "counted")
    rv = client.post("/api/v1/footprints", json=SMALL, headers=guest.headers)
    service, sandbox, cpu = rv.headers["X-SQL-Stats"].split("; ")
    statements, commits = map(int, service.removeprefix("service=").split("/"))
    assert commits == 1 and 1 <= statements <= 4 and sandbox == "sandbox=0/0"
    service_us, sandbox_us = map(int, cpu.removeprefix("cpu=").split("/"))
    assert service_us > 0 and sandbox_us == 0

    order = guest.order(rv.json["id"], "CDCER-EV")
    paid = client.post("/sandbox/wechatpay/confirm", json={
        "prepay_id": order["payment"]["package"].split("=", 1)[1], "deliveries": 1})
    counts = dict(part.split("=") for part in paid.headers["X-SQL-Stats"].split("; "))
    svc_statements, svc_commits = map(int, counts["service"].split("/"))
    sim_statements, sim_commits = map(int, counts["sandbox"].split("/"))
    # the notification the simulator delivered in-process is the service's (one commit: fulfilment);
    # the simulator's own transaction update is the sandbox's
    assert svc_commits == 1 and svc_statements >= 8 and sim_commits == 1 and sim_statements >= 1
    # the CPU the same way: the simulator's own (signing, the pay sheet) apart from the service's
    # fulfilment, which it ran nested inside the pay sheet's request
    svc_us, sim_us = map(int, counts["cpu"].split("/"))
    assert svc_us > 0 and sim_us > 0
    assert guest.get_order(order["order"]["id"])["status"] == "fulfilled"
    with app.app_context():
        db.engine.dispose()

