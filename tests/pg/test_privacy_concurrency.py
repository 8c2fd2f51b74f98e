"""PostgreSQL: a guest opting out (or erasing themselves) while their payments are being fulfilled."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LeaderboardEntry, User
from tests.conftest import on_postgres
from tests.journey import Guest, confirm
from tests.pg.test_concurrency import run_together

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]

SMALL = {"scenario": "CDF2021", "meals": {"standard": 1}}


def org_rows(app) -> list:
    with app.app_context():
        return sorted((r.board, r.member, r.kg) for r in db.session.execute(
            select(LeaderboardEntry).where(LeaderboardEntry.member.like("o:%"))).scalars())


def _paused_fulfilment(app, client, monkeypatch, order):
    """Deliver `order`'s payment in a thread that stops inside fulfilment, its board rows written (and
    locked) but not committed. Returns (thread, recorded event, go event)."""
    from app.services.offsetting import payments

    recorded, go = threading.Event(), threading.Event()
    plain = payments.ledger.record_sale

    def record_sale_then_wait(o):
        plain(o)
        if o.id == order["order"]["id"]:
            recorded.set()
            assert go.wait(10)

    monkeypatch.setattr(payments.ledger, "record_sale", record_sale_then_wait)
    thread = threading.Thread(target=lambda: confirm(app.test_client(), order))
    thread.start()
    assert recorded.wait(10)
    return thread, go


def _flip(app, guest, show: bool) -> threading.Thread:
    def run():
        rv = app.test_client().patch("/api/v1/me", json={"show_on_leaderboard": show}, headers=guest.headers)
        assert rv.status_code == 200, rv.json

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_choice_changed_while_another_guest_is_fulfilled_keeps_their_kilograms(app, client, runner, monkeypatch,
                                                                                  seeded):
    """Figure: organisation rows after a guest changes show_on_leaderboard while another guest's fulfilment
    naming the same organisation holds its rows uncommitted: equal to `flask leaderboard rebuild`, in both
    cases (the rows existed: locked, then recounted; they did not: inserted as a delta)."""
    a, b, c = Guest(client, "pa"), Guest(client, "pb"), Guest(client, "pc")
    confirm(client, a.order(a.footprint(SMALL)["id"], kg=100, organization="X大学"))
    # 1. The rows exist (a shows): a opts out while b's fulfilment for X is half done.
    order_b = b.order(b.footprint(SMALL)["id"], kg=30, organization="X大学")
    fulfilment, go = _paused_fulfilment(app, client, monkeypatch, order_b)
    flip = _flip(app, a, False)
    flip.join(0.5)
    assert flip.is_alive()  # waiting for b's row locks
    go.set()
    fulfilment.join(10)
    flip.join(10)
    rows = org_rows(app)
    assert [kg for _b, _m, kg in rows] == [30] * 4, rows
    # 2. The rows do not exist (a opted out, then bought for Y): a opts in while c's first Y rows are written.
    confirm(client, a.order(a.footprint(SMALL)["id"], kg=200, organization="Y公司"))
    order_c = c.order(c.footprint(SMALL)["id"], kg=40, organization="Y公司")
    fulfilment, go = _paused_fulfilment(app, client, monkeypatch, order_c)
    flip = _flip(app, a, True)
    flip.join(0.5)
    go.set()
    fulfilment.join(10)
    flip.join(10)
    after = org_rows(app)
    assert sorted({(m, kg) for _b, m, kg in after}) == [("o:X大学", 130), ("o:Y公司", 240)], after
    assert runner.invoke(args=["leaderboard", "rebuild"]).exit_code == 0
    assert org_rows(app) == after


def test_two_erasures_at_once_erase_once(app, client, seeded):
    """Figure: two DELETE /api/v1/me with one token at once: each answers 204 or 401 (the token died with
    the data), at least one 204, and the guest is erased once (one tombstone)."""
    guest = Guest(client, "twice")
    order = guest.order(guest.footprint(SMALL)["id"], kg=50, organization="同时大学")
    confirm(client, order)
    statuses = run_together(2, lambda _i: app.test_client().delete("/api/v1/me", headers=guest.headers).status_code)
    assert 204 in statuses and set(statuses) <= {204, 401}, statuses
    with app.app_context():
        user = db.session.get(User, guest.user_id)
        assert user.erased_at is not None and user.openid.startswith("erased:") and user.token_version == 2
    assert org_rows(app) == []
