"""The queue without Redis (make run's case): configuration, inline runs after the response, pre-renders."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Response

from app.config import Config, ConfigError
from app.extensions import db
from app.models import Certificate
from app.services.offsetting import certificate_images
from app.tasks import queue
from app.tasks.queue import enqueue, resolve
from tests.journey import Guest, confirm
from tests.tasks import helpers

RECORD, FAIL = "tests.tasks.helpers.record", "tests.tasks.helpers.fail"


@pytest.fixture(autouse=True)
def _fresh_record():
    helpers.RAN.clear()


def config(**env) -> Config:
    return Config({"SECRET_KEY": "k", **env}, instance_path="/tmp/diandian-queue-config-test")


def test_mode_follows_redis_unless_told():
    assert config().QUEUE_MODE == "inline"
    assert config(REDIS_URL="redis://127.0.0.1:6379/11").QUEUE_MODE == "redis"
    assert config(REDIS_URL="redis://127.0.0.1:6379/11", QUEUE_ENABLED="0").QUEUE_MODE == "inline"
    assert config(REDIS_URL="redis://127.0.0.1:6379/11", QUEUE_MODE="inline").QUEUE_MODE == "inline"
    assert config().QUEUE_PRERENDER_LANGS == ("zh", "en") and config().QUEUE_RECONCILE_SECONDS == 60
    assert config(QUEUE_PRERENDER_LANGS="en, en").QUEUE_PRERENDER_LANGS == ("en",)
    assert config(QUEUE_PRERENDER_LANGS="").QUEUE_PRERENDER_LANGS == ()
    for bad in ({"QUEUE_MODE": "redis"}, {"QUEUE_MODE": "celery"}, {"QUEUE_PRERENDER_LANGS": "de"},
                {"QUEUE_RECONCILE_SECONDS": "0"}):
        with pytest.raises(ConfigError):
            config(**bad)


def test_every_task_name_is_a_job():
    for name in (queue.AFTER_FULFILMENT, queue.PRERENDER_CERTIFICATE, queue.MIRROR_LEADERBOARDS, queue.RECONCILE):
        assert callable(resolve(name)) and name.startswith("app.tasks.jobs.")


def test_inline_in_a_request_runs_once_the_response_is_closed(app):
    with app.test_request_context("/"):
        enqueue(RECORD, 7, "a")
        assert helpers.RAN == []  # not while the view works
        response = app.process_response(Response("done"))
        assert helpers.RAN == []  # not before the response is sent
    response.close()  # the server has sent it (Werkzeug calls close after the last byte)
    assert helpers.RAN == [(7, "a")]


def test_inline_outside_a_request_runs_at_once_and_a_failure_is_one_log_line(app, caplog):
    with app.app_context():
        enqueue(RECORD, 1)
        assert helpers.RAN == [(1,)]
        with caplog.at_level(logging.ERROR, logger="diandian.tasks"):
            enqueue(FAIL, 2)  # never the caller's error
    lines = [r for r in caplog.records if r.name == "diandian.tasks"]
    assert len(lines) == 1 and "failing on purpose" in lines[0].getMessage() and lines[0].exc_info is None
    with app.app_context(), pytest.raises(TypeError):
        enqueue(RECORD, {"not": "an id"})


def test_redis_away_falls_back_to_inline(app, monkeypatch, caplog):
    import redis

    monkeypatch.setitem(app.config, "QUEUE_MODE", "redis")
    monkeypatch.setitem(app.extensions, "redis", redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1))
    with app.app_context(), caplog.at_level(logging.WARNING, logger="diandian.tasks"):
        enqueue(RECORD, 3)
    assert helpers.RAN == [(3,)] and "running it inline" in caplog.text


def test_worker_command_needs_redis(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_MODE", "inline")
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "REDIS_URL" in result.output


def stored(app, serial: str) -> list[Path]:
    return sorted(Path(app.config["CERTIFICATE_STORAGE_DIR"]).rglob(f"{serial}.*.png"))


def test_payment_prerenders_both_variants_in_the_language_of_the_order_inline(app, client, seeded, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_PRERENDER_LANGS", ("zh", "en"))
    guest = Guest(client, "alice")
    guest.headers["Accept-Language"] = "en"  # the guest orders in English: the pictures are drawn in English
    order = guest.order(guest.footprint()["id"])
    confirm(client, order, deliveries=2)  # the second delivery is a duplicate: nothing more is enqueued
    serial = guest.get_order(order["order"]["id"])["certificate"]["serial"]
    files = stored(app, serial)
    assert [f.name.split(".")[3:5] for f in files] == [["en", "card"], ["en", "portrait"]]
    before = {f: f.stat().st_mtime_ns for f in files}
    for query in ("?lang=en", "?lang=en&variant=card"):
        rv = client.get(f"/api/v1/certificates/{serial}/image.png{query}")
        assert rv.status_code == 200 and rv.data in {f.read_bytes() for f in files}
    assert {f: f.stat().st_mtime_ns for f in stored(app, serial)} == before  # served, not drawn again
    with app.app_context():
        assert db.session.execute(db.select(Certificate.serial)).scalar_one() == serial
        assert certificate_images.prerender(serial, ("en",)) == 0  # twice changes nothing
        assert certificate_images.prerender("DD-0000-0000-0000-0", ("zh",)) == 0  # gone: nothing to do
    assert {f: f.stat().st_mtime_ns for f in stored(app, serial)} == before
    # the other language is drawn on its first view
    assert client.get(f"/api/v1/certificates/{serial}/image.png?lang=zh").status_code == 200
    assert len(stored(app, serial)) == 3


def test_no_prerender_when_no_language_is_asked_for(app, client, seeded):
    guest = Guest(client, "bob")
    order = guest.order(guest.footprint()["id"])
    confirm(client, order)
    assert stored(app, guest.get_order(order["order"]["id"])["certificate"]["serial"]) == []


def test_the_jobs_of_a_certificate_gone_do_nothing(app):
    from app.tasks import jobs

    with app.app_context():
        assert jobs.after_fulfilment(10**9) == 0 and jobs.prerender_certificate(10**9) == 0
        assert jobs.mirror_leaderboards(10**9) is False
