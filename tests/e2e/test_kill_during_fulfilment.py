"""kill -9 of a gunicorn worker in the middle of fulfilling a paid order (PostgreSQL only).

Deterministic: the test holds the row locks of the order's project's stock rows (SELECT ... FOR UPDATE in
its own connection), so the worker settling the payment blocks inside fulfilment, after it has marked the
order paid and before it claims credits. The test then SIGKILLs that worker and releases the lock. Fulfilment is
one transaction, so PostgreSQL rolls it all back: nothing is half-written. `flask reconcile` then learns
from WeChat Pay (the sandbox) that the order was paid and fulfils it: one certificate, claims equal to
its kilograms, three ledger entries.

The service runs in its own PostgreSQL schema of TEST_DATABASE_URL's database (search_path), migrated and
seeded the way the contract starts it, so the suite's own tables are not touched.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.models import Certificate, CreditClaim, LedgerEntry, Order, PaymentNotification, Project
from tests.conftest import on_postgres
from tests.e2e.service import BIN, ROOT, gunicorn, healthy
from tests.journey import CONFERENCE
from tests.pg.test_payment_concurrency import check_invariants

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]

SCHEMA = f"dd_kill9_{os.getpid()}"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def schema_url():
    base = make_url(os.environ["TEST_DATABASE_URL"])
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{SCHEMA}"')
    yield base.update_query_dict({"options": f"-csearch_path={SCHEMA}"}).render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


@pytest.fixture(scope="module")
def service(tmp_path_factory, schema_url):
    folder = tmp_path_factory.mktemp("kill9")
    # A long worker timeout: the worker must still be alive, blocked in fulfilment, when it is killed.
    with gunicorn(folder, schema_url, timeout=120) as running:
        yield {"base": running.base, "env": running.env, "master": running.master, "log": running.log}



def test_kill_9_in_the_middle_of_fulfilment_leaves_nothing_half_written(service, schema_url):
    """Figure: a worker SIGKILLed while fulfilling (order locked, marked paid, waiting for the project's
    stock rows) leaves the order pending with no certificate, claim, ledger entry or recorded notification, and
    every invariant holds; `flask reconcile` then fulfils it once: 1 certificate, claims = kg, 3 ledger
    entries adding up to the amount; the service (a fresh worker) answers again."""
    base = service["base"]
    s = requests.Session()
    token = s.post(f"{base}/api/v1/auth/login", json={"code": "sandbox-kill9"}, timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    fp = s.post(f"{base}/api/v1/footprints", json=CONFERENCE, headers=auth, timeout=10).json()
    created = s.post(f"{base}/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-FOR"},
                     headers={**auth, "Idempotency-Key": "kill9-1"}, timeout=10)
    assert created.status_code == 201, created.text
    order = created.json()["order"]
    prepay = created.json()["payment"]["package"].split("=", 1)[1]

    plain = make_url(schema_url).set(drivername="postgresql").render_as_string(hide_password=False)
    locker = psycopg.connect(plain)  # a transaction: the lock is held until rollback
    watcher = psycopg.connect(plain, autocommit=True)
    try:
        locker.execute("SELECT s.shard FROM stock_shards s JOIN projects p ON p.id = s.project_id "
                       "WHERE p.code = 'CDCER-FOR' FOR UPDATE OF s")
        locker_pid = locker.info.backend_pid
        outcome: dict = {}

        def pay():
            try:
                outcome["response"] = requests.post(f"{base}/sandbox/wechatpay/confirm", timeout=120,
                                                    json={"prepay_id": prepay, "deliveries": 1})
            except requests.RequestException as exc:
                outcome["error"] = exc

        payer = threading.Thread(target=pay)
        payer.start()
        blocked = _wait(lambda: watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s "
            "AND wait_event_type = 'Lock' AND query ILIKE %s", (locker_pid, "%UPDATE stock_shards%")
        ).fetchone(), 30, "the worker to block on the project's stock rows")[0]
        # The worker's transaction has marked the order paid (not committed): only it can see that.
        assert watcher.execute("SELECT status FROM orders WHERE id = %s", (order["id"],)).fetchone()[0] == "pending"

        workers = _children(service["master"])
        assert len(workers) == 1, workers
        os.kill(workers[0], signal.SIGKILL)
        payer.join(timeout=30)
        assert not payer.is_alive() and "error" in outcome, outcome  # the payer's connection died with it
        locker.rollback()
        _wait(lambda: watcher.execute("SELECT pid FROM pg_stat_activity WHERE pid = %s", (blocked,)).fetchone()
              is None, 30, "PostgreSQL to end the dead worker's backend")
    finally:
        locker.close()
        watcher.close()

    checker = create_app(TestConfig({"DATABASE_URL": schema_url}))
    try:
        with checker.app_context():
            row = db.session.get(Order, order["id"])
            assert row.status == "pending" and row.transaction_id is None and row.paid_at is None
            assert row.certificate is None
            for model, column in ((Certificate, Certificate.order_id), (LedgerEntry, LedgerEntry.order_id)):
                assert db.session.execute(select(func.count()).select_from(model).where(column == order["id"])
                                          ).scalar_one() == 0, model
            assert db.session.execute(select(func.count(CreditClaim.id))).scalar_one() == 0
            assert db.session.execute(select(func.count(PaymentNotification.id))).scalar_one() == 0
            assert db.session.execute(select(Project.claimed_kg).filter_by(code="CDCER-FOR")).scalar_one() == 0
            db.session.remove()
        check_invariants(checker)

        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "reconcile"], cwd=ROOT, env=service["env"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "1 fulfilled" in result.stdout, result.stdout

        with checker.app_context():
            row = db.session.get(Order, order["id"])
            assert row.status == "fulfilled" and row.transaction_id
            certificates = db.session.execute(select(Certificate).filter_by(order_id=row.id)).scalars().all()
            assert len(certificates) == 1
            assert sum(c.kg for c in certificates[0].claims) == row.kg
            entries = db.session.execute(select(LedgerEntry).filter_by(order_id=row.id)).scalars().all()
            assert len(entries) == 3 and sum(e.amount_fen for e in entries) == row.amount_fen
            assert db.session.execute(select(Project.claimed_kg).filter_by(code="CDCER-FOR")).scalar_one() == row.kg
            db.session.remove()
        check_invariants(checker)
    finally:
        with checker.app_context():
            db.engine.dispose()

    _wait(lambda: healthy(base), 60, "a fresh worker")
    fetched = s.get(f"{base}/api/v1/orders/{order['id']}", headers=auth, timeout=10).json()
    assert fetched["status"] == "fulfilled" and fetched["certificate"]["serial"] == certificates[0].serial
    assert "Traceback" not in service["log"].read_text()
