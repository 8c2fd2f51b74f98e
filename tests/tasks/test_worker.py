"""The queue on Redis for real: `flask worker` (a real RQ worker, forking per job) renders what a payment
enqueued, RQ retries a failing job, and the periodic reconcile is registered, runs and runs once.

Needs TEST_REDIS_URL (the PostgreSQL + Redis run of .ci/run); skipped without it.
"""
from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Queue
from rq.job import Job

from app.extensions import db
from app.models import Certificate, Order, SandboxPayTransaction
from app.models.base import utcnow
from app.services.offsetting import leaderboards
from app.tasks import jobs, worker
from app.tasks.queue import AFTER_FULFILMENT, MIRROR_LEADERBOARDS, RECONCILE, enqueue, rq_queue
from tests.journey import Guest, confirm

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("zh", "en")


@pytest.fixture
def queued(app, monkeypatch):
    """The test app in the mode a deployment with Redis runs: jobs go onto the RQ queue, pictures too."""
    monkeypatch.setitem(app.config, "QUEUE_MODE", "redis")
    monkeypatch.setitem(app.config, "QUEUE_PRERENDER_LANGS", LANGS)
    return app


def stored(app, serial: str) -> list[Path]:
    return sorted(Path(app.config["CERTIFICATE_STORAGE_DIR"]).rglob(f"{serial}.*.png"))


def pay(client, name: str) -> tuple[str, float]:
    """A guest orders and pays; returns the certificate serial and the seconds the payment took (the
    sandbox pay sheet delivering WeChat Pay's notification, which the service handles in the same call)."""
    guest = Guest(client, name)
    order = guest.order(guest.footprint()["id"])
    started = time.perf_counter()
    confirm(client, order)
    took = time.perf_counter() - started
    body = guest.get_order(order["order"]["id"])
    assert body["status"] == "fulfilled"
    return body["certificate"]["serial"], took


def flask_worker(app, *args: str) -> subprocess.CompletedProcess:
    """`flask --app wsgi worker ...` as documented, on the test's database, Redis, storage and keys."""
    config = app.config
    env = {**os.environ, "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": config["REDIS_URL"],
           "WECHAT_MODE": "sandbox", "SECRET_KEY": config["SECRET_KEY"], "PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"],
           "SANDBOX_KEYS_DIR": config["SANDBOX_KEYS_DIR"], "CERTIFICATE_STORAGE_DIR": config["CERTIFICATE_STORAGE_DIR"],
           "HEAVY_LOCK_DIR": config["HEAVY_LOCK_DIR"], "QUEUE_PRERENDER_LANGS": ",".join(LANGS),
           "QUEUE_NAME": config["QUEUE_NAME"], "LOG_LEVEL": "INFO"}
    return subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "worker", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow  # a worker process of its own (~8 s here, most of it create_app), three renders inline
def test_flask_worker_renders_what_payments_enqueued_and_the_guest_does_not_wait(
        app, queued, client, seeded, monkeypatch, capsys):
    # Side by side in one run: the same payment with the work inline (no Redis) and on the queue.
    monkeypatch.setitem(app.config, "QUEUE_MODE", "inline")
    inline = [pay(client, f"inline{i}") for i in range(3)]
    assert all(len(stored(app, serial)) == 2 for serial, _ in inline)  # both variants, the order's language
    monkeypatch.setitem(app.config, "QUEUE_MODE", "redis")
    paid = [pay(client, f"queued{i}") for i in range(3)]

    # Answered before any picture exists: the work waits on the queue, one job per certificate.
    assert all(stored(app, serial) == [] for serial, _ in paid)
    assert rq_queue(app).count == len(paid)
    assert {job.func_name for job in rq_queue(app).jobs} == {AFTER_FULFILMENT}
    redis = app.extensions["redis"]
    boards = redis.keys(leaderboards.REDIS_PREFIX + "*")
    assert boards and not any(redis.zscore(k, leaderboards.user_member(u)) for k in boards
                              for u in _user_ids(app, "queued"))

    result = flask_worker(app, "--burst", "--no-cron")
    assert result.returncode == 0, result.stderr[-3000:]
    assert rq_queue(app).count == 0 and "Job OK" in result.stdout + result.stderr
    for serial, _ in paid:
        files = stored(app, serial)
        # the guests ordered in Chinese (no Accept-Language): both variants in Chinese
        assert [f.name.split(".")[3:5] for f in files] == [["zh", "card"], ["zh", "portrait"]]
        before = {f: f.stat().st_mtime_ns for f in files}
        rv = client.get(f"/api/v1/certificates/{serial}/image.png", headers={"Accept-Language": "zh"})
        assert rv.status_code == 200 and rv.data in {f.read_bytes() for f in files}
        assert {f: f.stat().st_mtime_ns for f in stored(app, serial)} == before  # served from storage
    # The worker wrote the mirror: every queued guest ranks in Redis as in the database.
    for user_id in _user_ids(app, "queued"):
        assert redis.zscore(leaderboards.REDIS_PREFIX + "all:user:all", leaderboards.user_member(user_id))

    inline_ms = statistics.median(t for _, t in inline) * 1000
    queued_ms = statistics.median(t for _, t in paid) * 1000
    with capsys.disabled():  # reported, never asserted: timings belong to the benchmarks
        print(f"\n[queue] payment + notification handling, median of {len(paid)}: inline "
                            f"(renders 2 pictures) {inline_ms:.0f} ms, queued {queued_ms:.0f} ms "
                            f"(ratio {queued_ms / inline_ms:.2f})")


def _user_ids(app, prefix: str) -> list[int]:
    from app.models import User

    with app.app_context():
        return list(db.session.execute(db.select(Certificate.user_id).join(User, User.id == Certificate.user_id)
                                       .where(User.openid.like(f"%{prefix}%"))).scalars())


def test_a_job_run_twice_changes_nothing(app, queued, client, seeded):
    serial, _ = pay(client, "twice")
    assert worker.make_worker(app).work(burst=True)
    files = {f: f.stat().st_mtime_ns for f in stored(app, serial)}
    assert len(files) == 2
    with app.app_context():
        certificate_id = db.session.execute(db.select(Certificate.id)).scalar_one()
        enqueue(AFTER_FULFILMENT, certificate_id)
        enqueue(MIRROR_LEADERBOARDS, certificate_id)  # a refund's job
    assert worker.make_worker(app, fork=True).work(burst=True)  # RQ's default: a forked work horse per job
    results = [Job.fetch(i, connection=app.extensions["redis"]).return_value()
               for i in rq_queue(app).finished_job_registry.get_job_ids()]
    assert sorted(map(str, results)) == ["0", "2", "True"]  # the second run drew nothing
    assert {f: f.stat().st_mtime_ns for f in stored(app, serial)} == files


def test_a_failing_job_is_retried_with_one_log_line_per_failure(app, queued, caplog):
    with app.app_context():
        enqueue("tests.tasks.helpers.fail", 5)
    with caplog.at_level(logging.ERROR, logger="diandian.tasks"):
        worker.make_worker(app).work(burst=True)
    lines = [r for r in caplog.records if r.name == "diandian.tasks"]
    assert len(lines) == 1 and "failing on purpose" in lines[0].getMessage() and "3 retries left" in lines[0].getMessage()
    job = Job.fetch(rq_queue(app).scheduled_job_registry.get_job_ids()[0], connection=app.extensions["redis"])
    assert job.get_status() == "scheduled" and job.retries_left == 2  # RQ's scheduler brings it back in 5 s


def test_the_periodic_reconcile_is_registered_runs_and_runs_once_per_period(app, queued, client, seeded):
    schedule = worker.periodic_jobs(app)
    [job] = schedule.get_jobs()
    assert job.func_name == RECONCILE and job.interval == app.config["QUEUE_RECONCILE_SECONDS"] == 60
    assert job.queue_name == app.config["QUEUE_NAME"]

    # An order whose hold lapsed: the periodic reconcile closes it.
    guest = Guest(client, "late")
    order = guest.order(guest.footprint()["id"])
    past = utcnow() - timedelta(minutes=1)
    with app.app_context():
        db.session.execute(db.update(Order).values(expires_at=past))
        db.session.execute(db.update(SandboxPayTransaction).values(time_expire=past))
        db.session.commit()
    assert [j.name for j in schedule.enqueue_jobs()] == [RECONCILE]
    assert schedule.enqueue_jobs() == []  # not again within the interval
    assert worker.make_worker(app).work(burst=True)
    assert guest.get_order(order["order"]["id"])["status"] == "closed"
    [done] = [Job.fetch(i, connection=app.extensions["redis"])
              for i in rq_queue(app).finished_job_registry.get_job_ids()]
    assert done.return_value() == {"closed": 1}

    # A second worker's schedule (another host) enqueues it too: it finds the period taken.
    other = worker.periodic_jobs(app)
    other.enqueue_jobs()
    queue = Queue(app.config["QUEUE_NAME"], connection=app.extensions["redis"])
    assert queue.count == 1
    worker.make_worker(app).work(burst=True)
    results = [Job.fetch(i, connection=app.extensions["redis"]).return_value()
               for i in rq_queue(app).finished_job_registry.get_job_ids()]
    assert sorted(results, key=str) == sorted([{"closed": 1}, None], key=str)


def test_reconcile_does_not_run_while_another_worker_runs_it(app, queued):
    redis = app.extensions["redis"]
    key = f"diandian:periodic:{app.config['QUEUE_NAME']}:reconcile"
    held = redis.lock(f"{key}:running", timeout=30)
    assert held.acquire(blocking=False)
    try:
        with app.app_context():
            assert jobs.reconcile_orders() is None  # another host holds it
    finally:
        held.release()
    redis.delete(f"{key}:period")
    with app.app_context():
        assert jobs.reconcile_orders() == {}  # nothing pending
        assert jobs.reconcile_orders() is None  # already run this period


def test_the_cron_thread_enqueues_the_periodic_jobs_and_stops(app, queued):
    thread = worker.CronThread(worker.periodic_jobs(app))
    thread.start()
    deadline = time.monotonic() + 10
    while rq_queue(app).count == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    thread.stop()
    assert not thread.is_alive()
    assert [j.func_name for j in rq_queue(app).get_jobs()] == [RECONCILE]


def test_the_worker_waits_for_jobs_past_the_services_redis_timeout(app, queued):
    """The service's client gives up after REDIS_TIMEOUT_MS; the worker's own connection reads for as long
    as its blocking wait for jobs (RQ sets that timeout), so an idle worker does not fail every second."""
    rq_worker = worker.make_worker(app)
    assert rq_worker.connection is not app.extensions["redis"]
    assert app.extensions["redis"].connection_pool.connection_kwargs["socket_timeout"] == 1.0
    assert rq_worker.connection.connection_pool.connection_kwargs["socket_timeout"] > rq_worker.dequeue_timeout
    assert rq_worker.work(burst=True) is False  # nothing queued: it looked and stopped
