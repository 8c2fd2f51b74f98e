"""A cap on CPU-heavy work per host, so that no client can take every core from the guests.

Password hashing (scrypt, ~0.1 s), a cold certificate render and a poster are the expensive things a
request can ask for. Each takes one of HEAVY_SLOTS slots, shared by every worker process of the host
(an exclusive file lock per slot under the instance folder); with none free in time the request is
refused (429 rate_limited, Retry-After) instead of queueing behind the others: a sync worker waiting for a
slot is a worker the guests cannot have. Sign-in, the unauthenticated way in, does not wait at all; renders
and posters wait HEAVY_WAIT_SECONDS. The default leaves one core for everything else: max(1, cores - 1).
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, has_app_context

from app.errors import TooManyRequests


class Busy(TooManyRequests):
    def __init__(self, retry_after: int):
        super().__init__("the service is busy with heavy work: try again shortly", retry_after)


@contextmanager
def heavy_work(wait: float | None = None):
    """Hold one heavy slot for the duration of the block, waiting at most `wait` seconds for one
    (HEAVY_WAIT_SECONDS by default; 0: refuse at once). :raise Busy: none came free in time."""
    if not has_app_context() or not current_app.config.get("HEAVY_SLOTS"):
        yield  # outside the service (command line, unit tests of pure code): no cap
        return
    config = current_app.config
    folder = Path(config["HEAVY_LOCK_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    wait = config["HEAVY_WAIT_SECONDS"] if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        for slot in range(config["HEAVY_SLOTS"]):
            fd = os.open(folder / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise Busy(retry_after=1)
        time.sleep(0.01)
