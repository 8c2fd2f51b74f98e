"""CPU-heavy work takes a slot per host; without one free the request is refused, never queued.

Before the cap (bench/flood.py, 2 sync workers): a client signing in 5 times a second took guests' p50
from 4 ms to 558 ms. Measured with the cap (`python -m bench.run --target flood`): see the README.
"""
from __future__ import annotations

import threading

import pytest

from app.capacity import Busy, heavy_work
from tests.conftest import STAFF_PASSWORD


@pytest.fixture
def one_slot(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "HEAVY_SLOTS", 1)
    monkeypatch.setitem(app.config, "HEAVY_LOCK_DIR", str(tmp_path / "slots"))


def hold_a_slot(app):
    """A thread that holds the only slot until released."""
    taken, release = threading.Event(), threading.Event()

    def holder():
        with app.app_context(), heavy_work():
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert taken.wait(5)
    return release, thread


def test_a_second_heavy_task_is_refused_while_the_slot_is_taken(app, one_slot):
    release, thread = hold_a_slot(app)
    try:
        with app.app_context(), pytest.raises(Busy), heavy_work(wait=0):
            pass
        with app.app_context(), pytest.raises(Busy), heavy_work(wait=0.05):
            pass
    finally:
        release.set()
        thread.join()
    with app.app_context(), heavy_work(wait=0):
        pass  # free again


def test_sign_in_is_refused_at_once_when_no_slot_is_free(app, client, accounts, one_slot):
    release, thread = hold_a_slot(app)
    try:
        rv = client.post("/api/v1/staff/sign-in", json={"email": "org@dd.test", "password": STAFF_PASSWORD})
        assert rv.status_code == 429 and rv.json["error"]["code"] == "rate_limited"
        assert rv.headers["Retry-After"] == "1"
    finally:
        release.set()
        thread.join()
    assert client.post("/api/v1/staff/sign-in",
                       json={"email": "org@dd.test", "password": STAFF_PASSWORD}).status_code == 200
