"""`flask worker`: an RQ worker whose jobs run in the app's context, with RQ's scheduler and the periodic jobs.

Jobs run in the worker's own process (RQ's SimpleWorker), each in an app context of its own: the
connection pool, SQLAlchemy's compiled statements and the parsed font faces stay warm from one job to
the next. Measured side by side (tests/tasks/test_worker.py, this 2-core machine, three runs): a
leaderboard mirror job takes ~0.03-0.05 s in-process against ~0.1-0.4 s in a forked work horse (a fresh
connection and cold caches each time), four pictures ~0.5-1.0 s against ~0.8-1.2 s. `--fork` gives RQ's
default, a work horse per job (a job that crashes or leaks takes no worker with it), which first drops
the pool of connections inherited from the parent (never shared across a fork); `--max-jobs` recycles
either kind. RQ's scheduler (with_scheduler) re-enqueues retries at their intervals; RQ's CronScheduler
(rq.cron) puts the periodic jobs on the queue from a thread of the same process, so one command is the
whole worker. Several workers, on several hosts, may run at once: RQ's scheduler takes a lock per
queue, and the periodic jobs lock themselves (app.tasks.jobs).
"""
from __future__ import annotations

import logging
import threading
from datetime import date

import redis
from flask import Flask
from rq import SimpleWorker, Worker
from rq.cron import CronScheduler

from app.extensions import db
from app.rendering import certificate_fingerprint
from app.rendering.certificate import CertificateData, render_certificate
from app.tasks.jobs import reconcile_orders
from app.tasks.queue import JOB_TIMEOUT, rq_queue

log = logging.getLogger("diandian.tasks")


class _AppJobs:
    """Mixin: each job inside the app's context; a failure is one log line (the traceback stays with the
    job in RQ's failed registry, `rq info` / Job.latest_result())."""

    app: Flask

    def perform_job(self, job, queue) -> bool:
        with self.app.app_context():
            if self._is_horse:  # a forked child: the parent's pooled connections are not ours to use
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()

    def handle_exception(self, job, *exc_info) -> None:
        exc, left = exc_info[1], job.retries_left or 0
        log.error("task %s failed: %s: %s (%s)", job.description, type(exc).__name__, str(exc)[:200],
                  f"{left} retries left" if left else "no retry left: in the failed registry")


class AppWorker(_AppJobs, SimpleWorker):
    """The worker `flask worker` runs: jobs in its own process, one after the other."""


class AppForkingWorker(_AppJobs, Worker):
    """`flask worker --fork`: a forked work horse per job."""


def make_worker(app: Flask, *, fork: bool = False) -> SimpleWorker | Worker:
    cls = AppForkingWorker if fork else AppWorker
    worker = cls([rq_queue(app)], connection=worker_connection(app))
    worker.app = app
    return worker


def worker_connection(app: Flask) -> redis.Redis:
    """The worker's own Redis connection: its blocking wait for jobs lasts minutes, past the service's
    REDIS_TIMEOUT_MS, so only connecting is bounded by it; RQ sets the socket timeout to fit that wait."""
    return redis.Redis.from_url(app.config["REDIS_URL"],
                                socket_connect_timeout=app.config["REDIS_OPTIONS"]["socket_connect_timeout"])


def periodic_jobs(app: Flask) -> CronScheduler:
    """RQ's CronScheduler with the periodic jobs: reconcile (which closes expired orders) every
    QUEUE_RECONCILE_SECONDS."""
    cron = CronScheduler(connection=app.extensions["redis"], logging_level=app.config["LOG_LEVEL"])
    cron.register(reconcile_orders, app.config["QUEUE_NAME"], interval=app.config["QUEUE_RECONCILE_SECONDS"],
                  job_timeout=JOB_TIMEOUT, result_ttl=3600)
    return cron


class CronThread(threading.Thread):
    """CronScheduler.start()'s loop, in a thread beside the worker (start() wants the main thread's
    signals, which the worker owns). Redis away is one log line and another try a few seconds later."""

    def __init__(self, cron: CronScheduler):
        super().__init__(name="cron", daemon=True)
        self.cron = cron
        self.stopping = threading.Event()

    def run(self) -> None:
        registered = False
        while not self.stopping.is_set():
            try:
                if not registered:
                    self.cron.register_birth()
                    registered = True
                if self.cron.enqueue_jobs():
                    self.cron.save()
                self.cron.heartbeat()
                pause = self.cron.calculate_sleep_interval()
            except Exception as exc:
                log.error("cron: %s: %s", type(exc).__name__, str(exc)[:200])
                pause = 5
            self.stopping.wait(max(pause, 0.05))
        if registered:
            try:
                self.cron.register_death()
            except Exception:  # Redis away at shutdown: the registry entry expires by itself
                pass

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


def warm_renderer(langs: tuple[str, ...]) -> None:
    """Draw a sample of each picture the jobs draw, once, in the parent: the faces parsed and the
    renderer's fingerprint are then inherited by every forked work horse instead of being loaded again for
    each job, or loaded during the first one (measured in forked horses: ~0.76 s for four pictures against
~1.06 s cold, the mean of six each)."""
    certificate_fingerprint()
    sample = CertificateData(
        serial="DD-WARM-WARM-WARM-W", status="valid", holder="点点用户", kg=1000, subject="event",
        scenario_title="示例", venue="会场", city="成都", event_date=date(2026, 1, 1), project_name="示例项目",
        standard="CDCER", credit_serials=("CDCER-FOR-2021-00000001",), issued_on=date(2026, 1, 1),
        issuer="点点碳中和 Diandian", verify_url="https://dd.example.test/verify/DD-WARM")
    for lang in langs:
        for variant in ("portrait", "card"):
            render_certificate(sample, lang=lang, variant=variant)


def run(app: Flask, *, burst: bool = False, cron: bool = True, fork: bool = False,
        max_jobs: int | None = None) -> bool:
    """Work the queue until stopped (SIGTERM/SIGINT: RQ's warm shutdown), or until it is empty (burst).

    In burst mode the periodic jobs that are due are enqueued once first, then worked. Returns whether
    any job was worked.
    """
    if app.config["QUEUE_PRERENDER_LANGS"]:
        warm_renderer(app.config["QUEUE_PRERENDER_LANGS"])
    schedule = periodic_jobs(app) if cron else None
    thread = None
    if schedule is not None:
        if burst:
            schedule.enqueue_jobs()
        else:
            thread = CronThread(schedule)
            thread.start()
    try:
        return make_worker(app, fork=fork).work(burst=burst, with_scheduler=True, max_jobs=max_jobs,
                                               logging_level=app.config["LOG_LEVEL"])
    finally:
        if thread is not None:
            thread.stop()
