"""PostgreSQL: the door rush's fulfilments, many at once, on one project and spread over several.

Before: fulfilment locked the scenario row (`SELECT ... FOR UPDATE`) after inserting its certificate, whose
foreign key takes `FOR KEY SHARE` on that same row; two fulfilments on different projects then waited on
each other's key-share lock and PostgreSQL killed one (a deadlock: the notification answered 500). And
every fulfilment of one project queued on the project row, every fulfilment of one event on the scenario
row. The invariants are as strong as before: no unit past 1,000 kg, holds never past stock, one
participant per guest and scenario, every order fulfilled exactly or refunded.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Certificate, Order, Scenario
from app.services.offsetting import credits, projects
from tests.conftest import on_postgres
from tests.journey import SMALL, Guest, confirm, stock
from tests.pg.test_concurrency import run_together
from tests.pg.test_payment_concurrency import check_invariants

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]


def add_projects(app, codes, units):
    with app.app_context():
        for code in codes:
            projects.add_project(code=code, name=f"{code} (test)", owner=f"{code} owner", price_fen_per_tonne=6000)
            credits.import_blocks(f"project_code,vintage,serial_start,serial_end\n"
                                  f"{code},2024,{code}-0001,{code}-{units:04d}\n", source="test")


def pay_together(app, orders, deliveries=1):
    """Every order confirmed at the same instant, each from its own thread (its own connection, as
    gunicorn workers have): the statuses WeChat Pay's deliveries got back."""
    results = run_together(len(orders), lambda i: confirm(app.test_client(), orders[i], deliveries=deliveries))
    return [d["status"] for r in results for d in r["deliveries"]]


def totals(app, code="CDF2021"):
    """(participants, neutralized_kg) of a scenario, read fresh."""
    with app.app_context():
        return tuple(db.session.execute(select(Scenario.participants, Scenario.neutralized_kg)
                                        .where(Scenario.code == code)).one())


def test_guests_spread_over_four_projects_fulfil_at_once_without_a_deadlock(app, client, seeded):
    codes = ["SPREAD-A", "SPREAD-B", "SPREAD-C", "SPREAD-D"]
    add_projects(app, codes, units=20)
    guests = [Guest(client, f"spread{i}") for i in range(24)]
    orders = [g.order(g.footprint(SMALL)["id"], codes[i % 4], kg=300) for i, g in enumerate(guests)]
    before = totals(app)

    for attempt in range(3):  # a deadlock needs an unlucky interleaving: several rounds of 8 at once
        statuses = pay_together(app, orders[attempt * 8:(attempt + 1) * 8])
        assert statuses == [204] * 8, (attempt, statuses)

    with app.app_context():
        assert sorted(db.session.execute(select(Order.status).where(Order.project_id.isnot(None))
                      .where(Order.kg == 300)).scalars()) == ["fulfilled"] * 24
    assert totals(app) == (before[0] + 24, before[1] + 24 * 300)
    check_invariants(app)


def test_64_guests_race_on_one_project(app, client, seeded):
    """64 guests pay at the same instant for 64 x 400 kg from one project of 20 tonnes: each gets a
    certificate of exactly its kilograms, no unit passes 1,000 kg, and the project is exactly sold."""
    add_projects(app, ["ONE"], units=20)
    guests = [Guest(client, f"one{i}") for i in range(64)]
    footprints = [g.footprint(SMALL)["id"] for g in guests]
    answers = run_together(64, lambda i: client.application.test_client().post(
        "/api/v1/orders", json={"footprint_id": footprints[i], "project": "ONE", "kg": 400},
        headers=guests[i].headers))
    held = [rv.json for rv in answers if rv.status_code == 201]
    # 50 holds of 400 kg fill the 20,000 kg; the other 14 find the project sold out
    assert len(held) == 50, sorted(rv.status_code for rv in answers)
    assert {(rv.status_code, rv.json["error"]["code"]) for rv in answers if rv.status_code != 201} == {
        (409, "insufficient_credits")}

    statuses = pay_together(app, held, deliveries=2)
    assert statuses == [204] * 100
    with app.app_context():
        certs = db.session.execute(select(Certificate).join(Order, Order.id == Certificate.order_id)
                                   .where(Order.kg == 400)).scalars().all()
        assert len(certs) == 50 and all(sum(c.kg for c in cert.claims) == 400 for cert in certs)
        assert db.session.execute(select(func.count(Certificate.id)).join(Order, Order.id == Certificate.order_id)
                                  .where(Order.kg == 400)).scalar_one() == 50
    assert stock(app, "ONE") == (20_000, 20_000)
    listed = {p["code"]: p["available_kg"] for p in client.get("/api/v1/projects").json["data"]}
    assert listed["ONE"] == 0
    check_invariants(app)
