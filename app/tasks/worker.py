"""`flask worker`: an RQ worker whose jobs run in the app's context, with RQ's scheduler and the periodic jobs.

Jobs run as RQ runs them by default, each in a forked work horse (a job that crashes or leaks takes no
worker with it), inside an app context of its own, after the pool of database connections inherited
from the parent is dropped (never shared across a fork). RQ's scheduler (with_scheduler) re-enqueues
retries at their intervals; RQ's CronScheduler (rq.cron) puts the periodic jobs on the queue from a thread
of the same process, so one command is the whole worker. Several workers, on several hosts, may run
at once: RQ's scheduler takes a lock per queue, and the periodic jobs lock themselves (app.tasks.jobs).
"""
from __future__ import annotations

import logging
import threading

from flask import Flask
from rq import SimpleWorker, Worker
from rq.cron import CronScheduler

from app.extensions import db
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


class AppWorker(_AppJobs, Worker):
    """The worker `flask worker` runs: a forked work horse per job."""


class AppSimpleWorker(_AppJobs, SimpleWorker):
    """The same, running jobs in its own process (tests, and `flask worker --simple` for debugging)."""


def make_worker(app: Flask, *, simple: bool = False) -> Worker:
    cls = AppSimpleWorker if simple else AppWorker
    worker = cls([rq_queue(app)], connection=app.extensions["redis"])
    worker.app = app
    return worker


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


def run(app: Flask, *, burst: bool = False, cron: bool = True, simple: bool = False) -> bool:
    """Work the queue until stopped (SIGTERM/SIGINT: RQ's warm shutdown), or until it is empty (burst).

    In burst mode the periodic jobs that are due are enqueued once first, then worked. Returns whether
    any job was worked.
    """
    schedule = periodic_jobs(app) if cron else None
    thread = None
    if schedule is not None:
        if burst:
            schedule.enqueue_jobs()
        else:
            thread = CronThread(schedule)
            thread.start()
    try:
        return make_worker(app, simple=simple).work(burst=burst, with_scheduler=True,
                                                   logging_level=app.config["LOG_LEVEL"])
    finally:
        if thread is not None:
            thread.stop()
