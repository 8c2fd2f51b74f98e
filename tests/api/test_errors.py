"""One error envelope for every failure, in the client's language; request ids on every response."""
from __future__ import annotations

import pytest
from flask import Blueprint

from app import create_app
from app.config import TestConfig


def envelope(rv, status, code):
    assert rv.status_code == status
    assert rv.is_json
    assert set(rv.json) == {"error"}
    assert rv.json["error"]["code"] == code
    assert rv.json["error"]["message"]
    return rv.json["error"]


def test_404_unknown_route(client):
    err = envelope(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert err["message"] == "找不到请求的资源"


def test_messages_follow_accept_language(client):
    err = envelope(client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"}), 404, "not_found")
    assert err["message"] == "Not found."


def test_405(client):
    rv = client.delete("/api/v1/footprints")
    envelope(rv, 405, "method_not_allowed")
    assert "POST" in rv.headers["Allow"]


def test_422_has_fields(client):
    err = envelope(client.post("/api/v1/auth/login", json={"code": ""}), 422, "validation_error")
    assert err["fields"] == {"code": ["长度应在 1 到 128 之间"]}
    en = client.post("/api/v1/auth/login", json={"code": ""}, headers={"Accept-Language": "en"}).json
    assert en["error"]["fields"] == {"code": ["Length must be between 1 and 128."]}


def test_413(client):
    envelope(client.post("/api/v1/auth/login", data="x" * 300_000, content_type="application/json"),
             413, "payload_too_large")


@pytest.fixture
def crashing_app():
    app = create_app(TestConfig())
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    def boom():
        raise RuntimeError("secret detail: SELECT * FROM users")

    app.register_blueprint(bp)
    return app


def test_500_hides_internals(crashing_app, caplog):
    rv = crashing_app.test_client().get("/boom")
    envelope(rv, 500, "internal_error")
    assert "secret" not in rv.get_data(as_text=True)
    assert "unhandled error" in caplog.text


def test_request_id_is_returned_and_logged(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="diandian.request"):
        rv = client.get("/healthz", headers={"X-Request-Id": "abc12345-trace"})
    assert rv.headers["X-Request-Id"] == "abc12345-trace"
    assert any("GET /healthz 200" in r.getMessage() for r in caplog.records)
    generated = client.get("/healthz").headers["X-Request-Id"]
    assert len(generated) == 16
    # A hostile id is replaced, not echoed.
    assert client.get("/healthz", headers={"X-Request-Id": "bad id <script>"}).headers["X-Request-Id"] \
        != "bad id <script>"


def test_healthz(client):
    rv = client.get("/healthz")
    assert rv.status_code == 200 and rv.json == {"status": "ok"}


def test_healthz_database_down():
    app = create_app(TestConfig({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}))
    envelope(app.test_client().get("/healthz"), 503, "service_unavailable")


def test_factor_set_published(client):
    rv = client.get("/api/v1/factor-sets/diandian-2025.1")
    assert rv.status_code == 200
    keys = {f["key"] for f in rv.json["factors"]}
    assert {"flight.economy", "stay.hotel.CN", "electricity.grid.southwest"} <= keys
    assert all(f["source"] for f in rv.json["factors"])
    assert rv.json["circuity"] == {"flight": 1, "rail": 1.2, "road": 1.5}
    envelope(client.get("/api/v1/factor-sets/../../etc"), 404, "not_found")
    envelope(client.get("/api/v1/factor-sets/nope-1"), 404, "factor_set_not_found")
