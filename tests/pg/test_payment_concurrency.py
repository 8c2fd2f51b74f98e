"""PostgreSQL: many guests paying at once for more than the stock; one payment delivered many times at once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Certificate, CreditClaim, CreditUnit, LedgerEntry, Order, Project, Scenario, StockShard
from app.models.base import utcnow
from app.services.offsetting import credits, projects
from tests.conftest import on_postgres
from tests.journey import Guest, confirm, notification, paid_resource
from tests.pg.test_concurrency import run_together

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]

SMALL = {"scenario": "CDF2021", "meals": {"standard": 1}}


@pytest.fixture
def rush_project(app, seeded):
    with app.app_context():
        projects.add_project(code="RUSH", name="rush", owner="owner", price_fen_per_tonne=6000)
        credits.import_blocks("project_code,vintage,serial_start,serial_end\n"
                              "RUSH,2022,R-2022-0001,R-2022-0002\nRUSH,2021,R-2021-0001,R-2021-0001\n")
    return "RUSH"


def check_invariants(app):
    with app.app_context():
        assert db.session.execute(select(func.max(CreditUnit.claimed_kg))).scalar_one() <= 1000
        live = dict(db.session.execute(
            select(CreditClaim.unit_id, func.sum(CreditClaim.kg)).where(CreditClaim.released_at.is_(None))
            .group_by(CreditClaim.unit_id)).all())
        for unit in db.session.execute(select(CreditUnit)).scalars():
            assert unit.claimed_kg == live.get(unit.id, 0), unit.serial
        for project in db.session.execute(select(Project)).scalars():
            units = db.session.execute(select(func.coalesce(func.sum(CreditUnit.claimed_kg), 0))
                                       .where(CreditUnit.project_id == project.id)).scalar_one()
            assert project.claimed_kg == units, project.code
            # The stock rows' books: what was imported, what live holds and certificates have, per row.
            shards = db.session.execute(select(StockShard).where(StockShard.project_id == project.id)).scalars().all()
            assert sum(r.credited_kg for r in shards) == project.credited_kg, project.code
            assert all(0 <= r.held_kg and r.held_kg + r.claimed_kg <= r.credited_kg for r in shards), project.code
            held = db.session.execute(select(func.coalesce(func.sum(Order.kg), 0)).where(
                Order.project_id == project.id, Order.status == "pending", Order.stock_shard.isnot(None))).scalar_one()
            assert sum(r.held_kg for r in shards) == held, project.code
        assert db.session.execute(select(func.count()).select_from(Order).where(Order.status == "paid")).scalar_one() == 0
        for order in db.session.execute(select(Order).where(Order.status == "fulfilled")).scalars():
            cert = order.certificate
            assert cert is not None and sum(c.kg for c in cert.claims) == order.kg
            entries = db.session.execute(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).scalars().all()
            assert len(entries) == 3 and sum(e.amount_fen for e in entries) == order.amount_fen


def test_many_guests_pay_at_once_for_more_than_the_stock(app, client, rush_project):
    guests = [Guest(client, f"rush{i}") for i in range(12)]
    footprints = [g.footprint(SMALL)["id"] for g in guests]
    # Six orders hold the whole 3,000 kg; their holds then lapse (late payments), six more are taken.
    first = [g.order(fp, rush_project, kg=500) for g, fp in zip(guests[:6], footprints[:6])]
    guests[6].order(footprints[6], rush_project, kg=500, expect=409)
    with app.app_context():
        db.session.execute(db.update(Order).values(expires_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
    second = [g.order(fp, rush_project, kg=500) for g, fp in zip(guests[6:], footprints[6:])]
    orders = first + second  # 6,000 kg ordered against 3,000 kg of stock, all payable at WeChat

    results = run_together(12, lambda i: confirm(app.test_client(), orders[i], deliveries=2))
    assert all(d["status"] == 204 for r in results for d in r["deliveries"])

    with app.app_context():
        statuses = sorted(db.session.execute(select(Order.status)).scalars())
        assert statuses == ["fulfilled"] * 6 + ["refunded"] * 6
        assert db.session.execute(select(Project.claimed_kg).where(Project.code == rush_project)).scalar_one() == 3000
        assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 6
        # Oldest vintage first: the 2021 unit went before the 2022 ones.
        assert db.session.execute(select(CreditUnit.claimed_kg).where(CreditUnit.serial == "R-2021-0001")).scalar_one() == 1000
    check_invariants(app)


def test_one_payment_delivered_many_times_at_once(app, client, rush_project):
    guest = Guest(client, "twin")
    order = guest.order(guest.footprint(SMALL)["id"], rush_project, kg=700)["order"]
    headers, body = notification(app, paid_resource(app, order["out_trade_no"], order["amount_fen"]))
    statuses = run_together(8, lambda _i: app.test_client().post(
        "/api/v1/pay/wechat/notify", data=body, headers=headers).status_code)
    assert statuses == [204] * 8
    with app.app_context():
        assert db.session.execute(select(func.count(Certificate.id))).scalar_one() == 1
        assert db.session.execute(select(func.count(LedgerEntry.id))).scalar_one() == 3
    assert guest.get_order(order["id"])["status"] == "fulfilled"
    check_invariants(app)


def test_one_guest_paying_two_projects_at_once_is_one_participant(app, client, rush_project):
    """Two orders of one guest on two projects, fulfilled at the same instant (two project locks)."""
    for attempt in range(5):
        guest = Guest(client, f"twice{attempt}")
        bodies = [guest.order(guest.footprint(SMALL)["id"], project, kg=10) for project in (rush_project, "CDCER-FOR")]
        with app.app_context():
            before = db.session.execute(select(Scenario.participants).where(Scenario.code == "CDF2021")).scalar_one()
        run_together(2, lambda i: confirm(app.test_client(), bodies[i]))  # noqa: B023 - run before the next loop
        with app.app_context():
            after = db.session.execute(select(Scenario.participants).where(Scenario.code == "CDF2021")).scalar_one()
        assert after == before + 1, attempt
