"""PostgreSQL: concurrent requests that race on unique keys."""
from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.models import Scan, User
from tests.conftest import on_postgres

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]


def run_together(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def worker(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_first_logins_of_one_guest_race_to_one_user(app):
    def login(_i):
        rv = app.test_client().post("/api/v1/auth/login", json={"code": "sandbox-racer"})
        return rv.status_code, rv.json["user"]["id"]

    results = run_together(8, login)
    assert {status for status, _ in results} == {200}
    assert len({uid for _, uid in results}) == 1
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 1


def test_door_rush_records_every_scan(app, seeded):
    def scan(i):
        # Twelve phones (one phone's reloads of one door count once).
        return app.test_client().get(f"/api/v1/deeplinks/resolve?scene=CDF2021.door{i % 3}",
                                     headers={"User-Agent": f"phone {i}"}).status_code

    assert set(run_together(12, scan)) == {200}
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Scan.id))).scalar_one() == 12
