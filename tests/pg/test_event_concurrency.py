"""PostgreSQL: an organiser's top-up and guests' orders race for the same project's last tonnes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Certificate, Order, Project
from app.services.offsetting import projects
from tests.conftest import on_postgres, staff_headers
from tests.journey import Guest, confirm
from tests.pg.test_concurrency import run_together
from tests.pg.test_payment_concurrency import SMALL, check_invariants

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]

URL = "/api/v1/staff/scenarios/CDF2021/event"


@pytest.fixture
def rush(app, accounts):
    from app.services.offsetting import credits

    with app.app_context():
        projects.add_project(code="RUSH", name="rush", owner="owner", price_fen_per_tonne=6000)
        credits.import_blocks("project_code,vintage,serial_start,serial_end\nRUSH,2022,R-2022-0001,R-2022-0003\n")
    return "RUSH"


def test_top_up_and_guests_never_hold_more_than_the_stock(app, client, rush):
    org = staff_headers(client, "org@dd.test")
    # 8,091 kWh on the southwest grid = 2,000.1 kg: the top-up holds 2,001 kg.
    footprint = client.post(f"{URL}/footprint", json={"electricity_kwh": 8091}, headers=org).json
    guests = [Guest(client, f"racer{i}") for i in range(4)]
    footprints = [g.footprint(SMALL)["id"] for g in guests]

    def place(i):
        c = app.test_client()
        if i == 4:
            rv = c.post(f"{URL}/topups", json={"footprint_id": footprint["id"], "project": rush}, headers=org)
        else:
            rv = c.post("/api/v1/orders", json={"footprint_id": footprints[i], "project": rush, "kg": 500},
                        headers=guests[i].headers)
        return rv.status_code, rv.json

    placed = run_together(5, place)  # 4,001 kg asked of 3,000
    held = [body for status, body in placed if status == 201]
    assert all(status in (201, 409) for status, _ in placed)
    assert all(body["error"]["code"] == "insufficient_credits" for status, body in placed if status == 409)
    with app.app_context():
        held_kg = db.session.execute(select(func.sum(Order.kg)).where(Order.status == "pending")).scalar_one()
    assert held_kg <= 3000 and len(held) >= 2

    def pay(i):
        body = held[i]
        c = app.test_client()
        if "code_url" in body.get("order", {}):
            return c.post("/sandbox/wechatpay/confirm", json={"code_url": body["order"]["code_url"]}).status_code
        return confirm(c, body) and 200

    assert run_together(len(held), pay) == [200] * len(held)
    with app.app_context():
        assert db.session.execute(select(Project.claimed_kg).where(Project.code == rush)).scalar_one() == held_kg
        kinds = sorted(db.session.execute(select(Certificate.kind)).scalars())
        assert len(kinds) == len(held) and kinds.count("event") <= 1
    check_invariants(app)

