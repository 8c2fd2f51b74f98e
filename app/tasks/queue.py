"""enqueue(task, *ids): after-payment work off the guest's path, on an RQ queue or inline after the response.

QUEUE_MODE (app.config) decides. `redis` (the default when REDIS_URL is set): the job goes onto the RQ
queue QUEUE_NAME and `flask worker` runs it, retried up to 3 times. `inline` (no Redis, as under `make
run`): inside a request it runs once the response has been sent (Werkzeug's call_on_close), elsewhere (a
command, a test calling a service) at once; either way in an app context of its own, after the caller's
commit, and a failure is one log line, not the caller's error.

Tasks are named by dotted path (the constants below), not imported: the services that enqueue sit below
app/tasks/jobs.py, which calls them. A job gets ids only and reads what was committed; every job is
idempotent, since RQ may run one twice (a retry, a worker lost mid-job).
"""
from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from flask import Flask, after_this_request, current_app, has_request_context
from rq import Queue, Retry

log = logging.getLogger("diandian.tasks")

AFTER_FULFILMENT = "app.tasks.jobs.after_fulfilment"
PRERENDER_CERTIFICATE = "app.tasks.jobs.prerender_certificate"
MIRROR_LEADERBOARDS = "app.tasks.jobs.mirror_leaderboards"
RECONCILE = "app.tasks.jobs.reconcile_orders"

# Seconds between RQ's retries of a failed job (RQ's scheduler, run by `flask worker`, re-enqueues them).
RETRY_INTERVALS = (5, 30, 120)
JOB_TIMEOUT = 300  # seconds; RQ kills a job past it (and retries it)


def enqueue(task: str, *args: int | str) -> None:
    """Run `task` with these ids off the caller's path. Call it after the commit the job reads."""
    if not all(isinstance(a, int | str) for a in args):
        raise TypeError("tasks take ids (int or str) only")
    app = current_app._get_current_object()
    if app.config["QUEUE_MODE"] == "redis":
        try:
            rq_queue(app).enqueue(task, *args, retry=_retry(), job_timeout=JOB_TIMEOUT,
                                  description=f"{task.rsplit('.', 1)[1]}{args}")
            return
        except Exception as exc:  # Redis away: do the work here rather than lose it
            log.warning("queue: cannot enqueue %s (%s); running it inline", task, type(exc).__name__)
    if has_request_context():
        @after_this_request
        def _later(response):
            response.call_on_close(lambda: run_inline(app, task, args))
            return response
    else:
        run_inline(app, task, args)


def run_inline(app: Flask, task: str, args: tuple) -> None:
    """The job in an app context (and database session) of its own; a failure is logged, never raised."""
    try:
        with app.app_context():
            resolve(task)(*args)
    except Exception as exc:
        log.error("task %s%s failed inline: %s: %s", task, args, type(exc).__name__, str(exc)[:200])


def resolve(task: str) -> Callable:
    module, _, name = task.rpartition(".")
    return getattr(importlib.import_module(module), name)


def rq_queue(app: Flask) -> Queue:
    """The RQ queue on the app's Redis connection (the one app.extensions holds)."""
    return Queue(app.config["QUEUE_NAME"], connection=app.extensions["redis"])


def _retry() -> Retry:
    return Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS))
