"""Faults and bad input: a database that goes away, hostile bodies, paths, numbers and names never give a 5xx.

The attack report this answers: with the database down 13 of 16 endpoints answered 500 with a traceback;
1,000-deep JSON, `scan_id` >= 2^63, `"distance_km": "1e-999999999"` and huge path integers gave 500;
codes and tags could end in a newline (then the poster and orders.csv failed); invisible characters
survived in names. Every test states the figure it measures.
"""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.models import Footprint, Order, Payout, Scan, Scenario, ScenarioDoor, StaffAccount, User
from app.schemas.common import clean_text
from tests.conftest import STAFF_PASSWORD, on_postgres, staff_headers
from tests.journey import CONFERENCE, Guest, confirm, notification, paid_resource, prepay_id

OWNER_ORG = "成都龙泉山生态林业有限公司（演示）"
RETRY_AFTER = "7"  # UNAVAILABLE_RETRY_AFTER_SECONDS of the outage app: the header follows the setting


# -- a database that goes away -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpProxy:
    """A loopback TCP proxy in front of PostgreSQL that the test can close (connections refused, every open
    one cut, as when the server or the network goes away) and open again on the same port."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.port = _free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.open()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _shut(listener)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _shut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets -= {src, dst}
            _shut(src)
            _shut(dst)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


@dataclass
class Outage:
    app: Flask
    cut: Callable[[], None]
    restore: Callable[[], None]
    starts_cut: bool
    backend: str


def _outage_kinds() -> list[str]:
    return ["postgres-pre-ping", "postgres-no-pre-ping"] if on_postgres() else ["sqlite-unopenable-file"]


def _outage_app(app: Flask, url: str, *, pre_ping: bool = True, **engine) -> Flask:
    config = TestConfig({"DATABASE_URL": url, "CERTIFICATE_STORAGE_DIR": app.config["CERTIFICATE_STORAGE_DIR"],
                         "UNAVAILABLE_RETRY_AFTER_SECONDS": RETRY_AFTER})
    config.SQLALCHEMY_ENGINE_OPTIONS = {**config.SQLALCHEMY_ENGINE_OPTIONS, "pool_pre_ping": pre_ping, **engine}
    return create_app(config)


@contextmanager
def outage_of(app: Flask, kind: str, tmp_path: Path, **engine):
    """A second app on the same data whose database the test can take away and give back.

    PostgreSQL: its DATABASE_URL points at a TcpProxy. SQLite: at a file in a folder that does not exist
    (sqlite3 cannot open it) until the folder appears as a link to the real database's folder.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if kind.startswith("postgres"):
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        broken = _outage_app(app, proxied, pre_ping=kind == "postgres-pre-ping", **engine)
        outage = Outage(broken, proxy.close, proxy.open, starts_cut=False, backend=kind)
    else:
        link = tmp_path / "database-folder"
        broken = _outage_app(app, f"sqlite:///{link}/{Path(url.database).name}", **engine)
        outage = Outage(broken, lambda: link.unlink(missing_ok=True),
                        lambda: link.symlink_to(Path(url.database).parent, target_is_directory=True),
                        starts_cut=True, backend=kind)
        proxy = None
    try:
        yield outage
    finally:
        with broken.app_context():
            db.session.remove()
            db.engine.dispose()
        if proxy is not None:
            proxy.close()


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextmanager
def captured_logs():
    """Every log record of the service (its `diandian` loggers do not propagate) and of everything else."""
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("diandian")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@dataclass
class World:
    """Real rows for every path parameter, and credentials for every room."""

    guest: dict
    admin: dict
    footprint_id: str
    order_id: str
    serial: str
    pending: dict  # an order awaiting payment (for the notify and confirm endpoints)
    topup_order_id: str
    venue_id: int
    notify: tuple[dict, bytes]


@pytest.fixture
def world(app, client, accounts) -> World:
    guest = Guest(client, "sweeper")
    fp = guest.footprint()
    paid = guest.order(fp["id"])
    confirm(client, paid)
    order = guest.get_order(paid["order"]["id"])
    assert order["status"] == "fulfilled"
    pending = guest.order(guest.footprint()["id"])
    admin = staff_headers(client, "admin@dd.test")
    sc = "/api/v1/staff/scenarios/CDF2021"
    assert client.post(f"{sc}/doors", json={"tag": "door1", "label": "一号门"}, headers=admin).status_code == 201
    assert client.post(f"{sc}/assignments", json={"email": "venue@dd.test"}, headers=admin).status_code == 201
    event_fp = client.post(f"{sc}/event/footprint", json={"electricity_kwh": 5000}, headers=admin).json
    topup = client.post(f"{sc}/event/topups", json={"footprint_id": event_fp["id"], "project": "CDCER-FOR"},
                        headers=admin)
    assert topup.status_code == 201, topup.json
    with app.app_context():
        venue_id = db.session.execute(select(StaffAccount.id).filter_by(email="venue@dd.test")).scalar_one()
    notify = notification(app, paid_resource(app, pending["order"]["out_trade_no"], pending["order"]["amount_fen"]))
    return World(guest=guest.headers, admin=admin, footprint_id=fp["id"], order_id=order["id"],
                 serial=order["certificate"]["serial"], pending=pending, topup_order_id=topup.json["order"]["id"],
                 venue_id=venue_id, notify=notify)


# Routes that need no database: pages whose scripts do the rest, static files, the place index and factor
# sets (files loaded at start), signing the console out (the cookie), and the simulated WeChat Pay servers
# (they refuse an unsigned call before any query, as WeChat's would).
# (Signing the console out ends its session on the server: a database route.)
NO_DATABASE = {"preview.index", "console.index", "static", "places.search", "factor_sets.get", "openapi.docs",
               "openapi.document_json"}
HTML = {"pages.verify", "pages.registry_page", "links.landing"}
_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def sweep(app: Flask, w: World):
    """(endpoint, method, path, test-client keyword arguments) for every route of `app` and each of its
    methods, with path parameters, query strings and bodies that reach the database."""
    staff_bodies = {
        "staff.sign_in": {"email": "admin@dd.test", "password": STAFF_PASSWORD},
        "staff.open_session": {"email": "admin@dd.test", "password": STAFF_PASSWORD},
        "staff.create_account": {"email": "new@dd.test", "name": "新人", "password": "x" * 12, "role": "venue_staff"},
        "staff.update_account": {"name": "改名"},
        "console_scenarios.create": {"code": "NEW1", "kind": "conference", "title": "新会议"},
        "console_scenarios.update": {"title": "改名"},
        "assignments.assign": {"email": "venue@dd.test"},
        "doors.add": {"tag": "door9", "label": "九号门"},
        "events.create_footprint": {"electricity_kwh": 100},
        "events.create_topup": {"footprint_id": "ef_x", "project": "CDCER-FOR"},
        "payouts.record_payout": {"organization": OWNER_ORG, "amount_fen": 1, "bank_reference": "B-1",
                                  "paid_on": "2026-11-20"},
    }
    bodies = {
        **staff_bodies,
        "auth.login": {"code": "sandbox-sweeper"},
        "footprints.create": CONFERENCE,
        "me.update": {"nickname": "扫地僧"},
        "orders.create": {"footprint_id": w.footprint_id, "project": "CDCER-FOR"},
        "sandbox.confirm": {"prepay_id": prepay_id(w.pending)},
    }
    queries = {
        "deeplinks.resolve": "scene=CDF2021.door1", "places.search": "q=chengdu", "projects.list": "scenario=CDF2021",
        "payouts.list_payouts": f"organization={OWNER_ORG}",
        "payouts.statement_json": f"organization={OWNER_ORG}&month=2026-11",
        "payouts.statement_csv": f"organization={OWNER_ORG}&month=2026-11",
    }
    values = {"code": "CDF2021", "serial": w.serial, "footprint_id": w.footprint_id, "order_id": w.order_id,
              "staff_id": str(w.venue_id), "tag": "door1", "door": "door1", "filetype": "png",
              "version": "diandian-2025.1", "filename": "shared/palette.css",
              "transaction_id": "4200000000202611220000000001",
              "out_trade_no": w.pending["order"]["out_trade_no"], "out_refund_no": "RF-none"}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            args = dict(values)
            if rule.endpoint.startswith("events."):
                args["order_id"] = w.topup_order_id
            path = _ARG.sub(lambda m, a=args: a[m[1]], rule.rule)
            if rule.endpoint in queries:
                path += "?" + queries[rule.endpoint]
            kwargs: dict = {"headers": dict(w.admin if rule.rule.startswith("/api/v1/staff") else w.guest)}
            if rule.endpoint in ("staff.sign_in", "staff.open_session"):
                kwargs["headers"] = {}
            if rule.endpoint == "payments.wechat_notify":
                headers, body = w.notify
                kwargs = {"headers": headers, "data": body}
            elif rule.endpoint in bodies:
                kwargs["json"] = bodies[rule.endpoint]
            yield rule.endpoint, method, path, kwargs


def _call(client, path: str, method: str, **kwargs):
    """One request, its body read and the response closed (static files hold an open file until then)."""
    rv = client.open(path, method=method, **kwargs)
    rv.get_data()
    rv.close()
    return rv


def _simulated_wechat(endpoint: str) -> bool:
    return endpoint.startswith("sandbox_wechatpay_api.")


@pytest.mark.parametrize("kind", _outage_kinds())
def test_every_route_answers_503_while_the_database_is_away_then_recovers(app, world, kind, tmp_path):
    """Figure: every route of the app that needs the database (all but the 7 listed in NO_DATABASE and the
    simulated WeChat Pay servers) answers 503 service_unavailable with Retry-After while the database is
    away; one WARNING line per 503, no traceback, nothing logged at ERROR; the first request after the
    database returns succeeds (PostgreSQL with and without pool_pre_ping; SQLite: a file it cannot open)."""
    with outage_of(app, kind, tmp_path) as outage:
        if not outage.starts_cut:
            warm = outage.app.test_client()  # connections in the pool, which the outage then kills
            assert warm.get("/healthz").status_code == 200
            assert warm.get("/api/v1/registry").status_code == 200
            outage.cut()
        answers, problems = [], []
        with captured_logs() as records:
            for endpoint, method, path, kwargs in sweep(outage.app, world):
                rv = _call(outage.app.test_client(), path, method, **kwargs)
                answers.append((endpoint, method, rv.status_code))
                if endpoint in NO_DATABASE or _simulated_wechat(endpoint):
                    if rv.status_code >= 500:
                        problems.append(f"{method} {path}: {rv.status_code} without a database to blame")
                    continue
                problem = _unavailable_problem(endpoint, rv)
                if problem:
                    problems.append(f"{method} {path} ({endpoint}): {problem}")
        unavailable = [a for a in answers if a[2] == 503]
        print(f"{outage.backend}: {len(answers)} route/method pairs swept, {len(unavailable)} answered 503")
        assert not problems, "\n".join(problems)
        assert len(unavailable) >= 55, answers  # every database route of today's app (the sweep is not empty)

        tracebacks = [r for r in records if r.exc_info or "Traceback" in r.getMessage()]
        assert not tracebacks, [r.getMessage() for r in tracebacks]
        assert not [r for r in records if r.levelno >= logging.ERROR], [r.getMessage() for r in records]
        lines = [r for r in records if r.levelno == logging.WARNING and r.name in ("diandian.errors", "diandian.health")]
        assert len(lines) == len(unavailable), [r.getMessage() for r in lines]

        outage.restore()
        back = outage.app.test_client()
        first = back.get("/api/v1/scenarios/CDF2021")
        assert first.status_code == 200, first.json  # the very next request: no restart, no warm-up
        assert back.get("/healthz").status_code == 200
        assert back.post("/api/v1/footprints", json=CONFERENCE, headers=world.guest).status_code == 201
        assert back.get(f"/verify/{world.serial}").status_code == 200


def _unavailable_problem(endpoint: str, rv) -> str | None:
    if rv.status_code != 503:
        return f"status {rv.status_code}: {rv.get_data(as_text=True)[:200]}"
    if rv.headers.get("Retry-After") != RETRY_AFTER:
        return f"Retry-After {rv.headers.get('Retry-After')!r}"
    if endpoint == "payments.wechat_notify":
        return None if rv.json == {"code": "FAIL", "message": "service_unavailable"} else f"body {rv.json}"
    if endpoint in HTML:
        if rv.mimetype != "text/html" or "frame-ancestors 'none'" not in rv.headers.get("Content-Security-Policy", ""):
            return f"not a page with its headers: {rv.mimetype} {dict(rv.headers)}"
        return None
    if not rv.is_json or rv.json.get("error", {}).get("code") != "service_unavailable":
        return f"body {rv.get_data(as_text=True)[:200]}"
    return None


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")
@pytest.mark.parametrize("kind", ["postgres-pre-ping", "postgres-no-pre-ping"])
def test_connections_killed_while_idle_cost_at_most_one_request(app, seeded, kind, tmp_path):
    """Figure: the server goes away and comes back while the pool sits on dead connections and no request
    notices: with pool_pre_ping the first request after works; without it at most the first answers 503
    (the disconnect invalidates the whole pool) and the next 20 all work."""
    with outage_of(app, kind, tmp_path) as outage:
        client = outage.app.test_client()
        for _ in range(3):
            assert client.get("/api/v1/registry").status_code == 200
        outage.cut()
        outage.restore()
        statuses = [client.get("/api/v1/registry").status_code for _ in range(21)]
        failed = statuses.count(503)
        print(f"{kind}: {failed} of 21 requests after the server came back answered 503")
        assert failed == (0 if kind == "postgres-pre-ping" else failed) and failed <= 1, statuses
        assert set(statuses[1:]) == {200}, statuses
        assert set(statuses) <= {200, 503}, statuses


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")
@pytest.mark.parametrize("pre_ping", [True, False], ids=["pre-ping", "no-pre-ping"])
def test_backends_terminated_by_the_server_cost_at_most_one_request(app, seeded, pre_ping):
    """Figure: PostgreSQL terminates every backend of the app (pg_terminate_backend: what a restart or an
    administrator does, SQLSTATE 57P01) while three sit in its pool: at most one request answers 503,
    the next 20 work (without pool_pre_ping the first disconnect invalidates the whole pool)."""
    from sqlalchemy import text

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    name = f"dd-terminated-{os.getpid()}"
    other = _outage_app(app, url, pre_ping=pre_ping, connect_args={"application_name": name, "connect_timeout": 5})
    try:
        with other.app_context():
            held = [db.engine.connect() for _ in range(3)]
            for conn in held:
                conn.execute(text("SELECT 1"))
                conn.close()
        with app.app_context():
            killed = db.session.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :n"),
                {"n": name}).scalar_one()
            db.session.commit()
        assert killed == 3
        client = other.test_client()
        statuses = [client.get("/api/v1/registry").status_code for _ in range(21)]
        print(f"terminated, pre_ping={pre_ping}: {statuses.count(503)} of 21 requests answered 503")
        assert statuses.count(503) <= (0 if pre_ping else 1) and set(statuses[1:]) == {200}, statuses
    finally:
        with other.app_context():
            db.engine.dispose()


def test_an_exhausted_pool_is_a_503_not_a_hang(app, seeded, tmp_path):
    """Figure: with the only pooled connection held, a request waits pool_timeout (0.2 s here; 10 s in
    production) and answers 503 with Retry-After instead of blocking its worker."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    small = _outage_app(app, url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        with small.app_context():
            held = db.engine.connect()
            try:
                rv = small.test_client().get("/api/v1/registry")
            finally:
                held.close()
        assert rv.status_code == 503 and rv.headers["Retry-After"] == RETRY_AFTER
        assert rv.json["error"]["code"] == "service_unavailable"
        assert small.test_client().get("/api/v1/registry").status_code == 200
    finally:
        with small.app_context():
            db.engine.dispose()


def test_503_messages_and_the_health_check(app, tmp_path):
    """Figure: the 503 envelope is translated (zh default, en) and /healthz answers 503 with Retry-After."""
    with outage_of(app, _outage_kinds()[0], tmp_path) as outage:
        if not outage.starts_cut:
            outage.cut()
        client = outage.app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 503 and health.headers["Retry-After"] == RETRY_AFTER
        zh = client.get("/api/v1/scenarios/CDF2021").json["error"]
        en = client.get("/api/v1/scenarios/CDF2021", headers={"Accept-Language": "en"}).json["error"]
        assert zh["message"].startswith("服务暂时不可用") and en["message"].startswith("The service is not available")
        page = client.get("/s/CDF2021", headers={"Accept-Language": "en"})
        assert page.status_code == 503 and "try again" in page.get_data(as_text=True)


# -- bodies ------------------------------------------------------------------------------------------------

def _deep(levels: int) -> str:
    return '{"scenario": ' + "[" * levels + "]" * levels + "}"


@pytest.mark.parametrize("levels", [33, 1000, 100_000])
def test_deep_json_is_a_400_invalid_json(client, seeded, levels):
    """Figure: a body nested 33, 1,000 or 100,000 levels deep is 400 invalid_json (32 is the limit)."""
    rv = client.post("/api/v1/footprints", data=_deep(levels), content_type="application/json")
    assert rv.status_code in (400, 413), rv.json
    if rv.status_code == 400:
        assert rv.json["error"]["code"] == "invalid_json"


def test_json_at_the_depth_limit_is_read(client, seeded):
    """Figure: 32 levels parse (then the schema says what is wrong: 422, not 400)."""
    rv = client.post("/api/v1/footprints", data=_deep(31), content_type="application/json")
    assert rv.status_code == 422 and "scenario" in rv.json["error"]["fields"]


def test_too_many_values_unparseable_and_oversized_bodies(app, client, seeded):
    """Figure: 10,001 values is 400 invalid_json, broken JSON and an integer of 5,000 digits too, a body
    over 256 KiB 413; no footprint is stored by any of them."""
    many = json.dumps({"scenario": "CDF2021", "travel": [0] * 10_001})
    for body in (many, "{not json", '{"scenario": ' + "9" * 5000 + "}", b'{"scenario": "\xff\xfe"}'):
        rv = client.post("/api/v1/footprints", data=body, content_type="application/json")
        assert rv.status_code == 400 and rv.json["error"]["code"] == "invalid_json", rv.json
    rv = client.post("/api/v1/footprints", data="[" + "0," * 140_000 + "0]", content_type="application/json")
    assert rv.status_code == 413 and rv.json["error"]["code"] == "payload_too_large"
    with app.app_context():
        assert db.session.execute(select(func.count(Footprint.id))).scalar_one() == 0


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x",
                                          "application/json; charset=latin-1", "application/jsonp", None])
def test_bodies_that_are_not_json_are_415(app, client, accounts, content_type):
    """Figure: a staff sign-in (or any JSON endpoint) with a form, text/plain or a non-UTF-8 charset is 415
    unsupported_media_type: a cross-site form can no longer sign someone in (login CSRF)."""
    body = "email=admin%40dd.test&password=" if content_type and "form" in content_type else \
        json.dumps({"email": "admin@dd.test", "password": STAFF_PASSWORD})
    headers = {"Content-Type": content_type} if content_type else {}
    rv = client.post("/api/v1/staff/session", data=body, headers=headers)
    assert rv.status_code == 415 and rv.json["error"]["code"] == "unsupported_media_type", rv.json
    assert "Set-Cookie" not in rv.headers
    rv = client.post("/api/v1/auth/login", data='{"code": "sandbox-csrf"}', headers=headers)
    assert rv.status_code == 415
    with app.app_context():
        assert db.session.execute(select(func.count(User.id))).scalar_one() == 0


def test_json_with_its_charset_is_read(client, accounts):
    """Figure: `application/json; charset=utf-8` (any case) signs in as plain `application/json` does."""
    body = json.dumps({"email": "admin@dd.test", "password": STAFF_PASSWORD})
    for content_type in ("application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"):
        assert client.post("/api/v1/staff/sign-in", data=body, content_type=content_type).status_code == 200


def test_an_empty_body_is_still_an_empty_object(client, accounts):
    """Figure: no body with no Content-Type is `{}` (the schema names the missing fields, 422)."""
    rv = client.post("/api/v1/staff/sign-in")
    assert rv.status_code == 422 and {"email", "password"} <= set(rv.json["error"]["fields"])


def test_the_notify_endpoint_still_takes_what_wechat_sends(app, client, seeded):
    """Figure: a notification as WeChat sends it (application/json, signed) is handled: 204, order fulfilled."""
    guest = Guest(client, "payer")
    order = guest.order(guest.footprint()["id"])["order"]
    headers, body = notification(app, paid_resource(app, order["out_trade_no"], order["amount_fen"]))
    assert headers["Content-Type"] == "application/json"
    assert client.post("/api/v1/pay/wechat/notify", data=body, headers=headers).status_code == 204
    assert guest.get_order(order["id"])["status"] == "fulfilled"


def test_notify_errors_keep_wechats_shape(client):
    """Figure: an oversized or unsigned notification answers {"code": "FAIL"} (413, 401), never our envelope."""
    big = client.post("/api/v1/pay/wechat/notify", data=b"{" + b" " * 300_000 + b"}", content_type="application/json")
    assert big.status_code == 413 and big.json == {"code": "FAIL", "message": "payload_too_large"}
    unsigned = client.post("/api/v1/pay/wechat/notify", json={})
    assert unsigned.status_code == 401 and unsigned.json["code"] == "FAIL"


# -- numbers -----------------------------------------------------------------------------------------------

HUGE = [2**31, 2**63, 2**63 + 1, 10**30]


@pytest.mark.parametrize("number", HUGE)
def test_integers_past_the_columns_are_404_in_paths(client, accounts, number):
    """Figure: `<int:...>` path parameters at or past 2^31 (INTEGER ids) are 404, as are 5,000 digits."""
    admin = staff_headers(client, "admin@dd.test")
    for path in (f"/api/v1/staff/accounts/{number}", f"/api/v1/staff/accounts/{'9' * 5000}"):
        rv = client.patch(path, json={"name": "x"}, headers=admin)
        assert rv.status_code == 404, rv.json
    rv = client.delete(f"/api/v1/staff/scenarios/CDF2021/assignments/{number}", headers=admin)
    assert rv.status_code == 404


@pytest.mark.parametrize("number", [*HUGE, -1, 0])
def test_integers_past_the_columns_are_422_in_bodies(app, client, accounts, number):
    """Figure: scan_id, an order's kg, a payout's organisation id and the sandbox's amount_total at 2^31,
    2^63 or 10^30 (or below 1) are 422 naming the field, and nothing is written."""
    guest = Guest(client, "numbers")
    rv = client.post("/api/v1/footprints", json={**CONFERENCE, "scan_id": number}, headers=guest.headers)
    assert rv.status_code == 422 and "scan_id" in rv.json["error"]["fields"], rv.json
    fp = guest.footprint()
    rv = client.post("/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-FOR", "kg": number},
                     headers=guest.headers)
    assert rv.status_code == 422 and "kg" in rv.json["error"]["fields"], rv.json
    admin = staff_headers(client, "admin@dd.test")
    rv = client.post("/api/v1/staff/payouts", headers=admin, json={
        "organization": number, "amount_fen": 100, "bank_reference": "B", "paid_on": "2026-11-20"})
    assert rv.status_code == 422 and "organization" in rv.json["error"]["fields"], rv.json
    rv = client.post("/sandbox/wechatpay/confirm", json={"prepay_id": "wx-none", "amount_total": number})
    assert rv.status_code == 422 and "amount_total" in rv.json["error"]["fields"], rv.json
    with app.app_context():
        assert db.session.execute(select(func.count(Order.id))).scalar_one() == 0
        assert db.session.execute(select(func.count(Payout.id))).scalar_one() == 0


@pytest.mark.parametrize("value", ["offset=9223372036854775808", "limit=-1", "offset=" + "9" * 5000, "limit=1e3",
                                   "offset=%00", "limit=NaN"])
def test_query_integers_out_of_range_are_422(client, seeded, value):
    """Figure: paging parameters past their bounds, absurdly long or not integers are 422 naming them."""
    rv = client.get(f"/api/v1/scenarios?{value}")
    assert rv.status_code == 422 and value.split("=")[0] in rv.json["error"]["fields"], rv.json


ABSURD = ["1e-999999999", "1e999999999", "NaN", "Infinity", "-Infinity", "1e-30", "0.0000001", "sNaN",
          Decimal("1e-30"), "12345678901234567890.5"]


@pytest.mark.parametrize("value", ABSURD, ids=str)
def test_absurd_decimals_are_422_naming_the_field(app, client, seeded, value):
    """Figure: "1e-999999999", "1e999999999", NaN, Infinity, 1e-30 km and friends are 422 naming
    travel.0.distance_km (or energy.electricity_kwh), as a string or as a JSON number; nothing is stored."""
    number = str(value) if isinstance(value, Decimal) else json.dumps(value)
    literal = str(value) if isinstance(value, Decimal) else value
    for raw in (number, literal if literal not in ("sNaN",) else number):
        body = f'{{"scenario": "CDF2021", "travel": [{{"mode": "road.taxi", "distance_km": {raw}}}]}}'
        rv = client.post("/api/v1/footprints", data=body, content_type="application/json")
        assert rv.status_code in (400, 422), rv.get_data(as_text=True)
        if rv.status_code == 422:
            assert "travel.0.distance_km" in rv.json["error"]["fields"], rv.json
        else:  # a bare word such as sNaN is not JSON at all
            assert rv.json["error"]["code"] == "invalid_json"
    rv = client.post("/api/v1/footprints", json={"scenario": "LIFE", "energy": {"electricity_kwh": str(value)}})
    assert rv.status_code == 422 and "energy.electricity_kwh" in rv.json["error"]["fields"], rv.json
    with app.app_context():
        assert db.session.execute(select(func.count(Footprint.id))).scalar_one() == 0


def test_ordinary_decimals_still_work(client, seeded):
    """Figure: 25.5 km, "25.500000000" km and 0.000001 km (six places) are fine, as JSON numbers or strings."""
    for distance in ("25.5", '"25.500000000"', "0.000001", "1E+2"):
        body = f'{{"scenario": "CDF2021", "travel": [{{"mode": "road.taxi", "distance_km": {distance}}}]}}'
        rv = client.post("/api/v1/footprints", data=body, content_type="application/json")
        assert rv.status_code == 201, (distance, rv.json)


def test_absurd_event_amounts_are_422(client, accounts):
    """Figure: an event's kWh and material kilograms refuse the same absurd decimals (422, field named)."""
    org = staff_headers(client, "org@dd.test")
    url = "/api/v1/staff/scenarios/CDF2021/event/footprint"
    for body, field in (({"electricity_kwh": "1e-999999999"}, "electricity_kwh"),
                        ({"electricity_kwh": "NaN"}, "electricity_kwh"),
                        ({"materials": [{"material": "paper", "kg": "1e999999999"}]}, "materials.0.kg")):
        rv = client.post(url, json=body, headers=org)
        assert rv.status_code == 422 and field in rv.json["error"]["fields"], rv.json


# -- whole-value patterns ----------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\x00", " ", "\u2028"])
def test_codes_and_tags_never_end_in_a_newline(app, client, accounts, suffix):
    """Figure: "CODE\\n" and "door\\n" (and other trailing junk) are refused everywhere a code or tag is
    read: the QR scene, the printed link, the scenario and door forms; no scan, scenario or door is
    written, so the poster and orders.csv never meet one."""
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": f"CDF2021.door{suffix}"})
    assert rv.status_code == 422 and rv.json["error"]["code"] in ("invalid_deeplink", "validation_error"), rv.json
    for link in (f"https://dd.example.test/s/CDF2021?d=door{quote(suffix)}",
                 f"https://dd.example.test/s/CDF2021{quote(suffix)}?d=door1"):
        rv = client.get("/api/v1/deeplinks/resolve", query_string={"q": link})
        assert rv.status_code == 422, (link, rv.json)
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": f"CDF2021{suffix}"})
    assert rv.status_code in (404, 422), rv.json
    org = staff_headers(client, "org@dd.test")
    rv = client.post("/api/v1/staff/scenarios", json={"code": f"CODE{suffix}", "kind": "conference", "title": "T"},
                     headers=org)
    assert rv.status_code == 422 and "code" in rv.json["error"]["fields"], rv.json
    rv = client.post("/api/v1/staff/scenarios/CDF2021/doors", json={"tag": f"door{suffix}"}, headers=org)
    assert rv.status_code == 422 and "tag" in rv.json["error"]["fields"], rv.json
    rv = client.post("/api/v1/staff/scenarios", headers=org, json={
        "code": "GOOD1", "kind": "conference", "title": "T", "doors": [{"tag": f"door{suffix}"}]})
    assert rv.status_code == 422 and "doors.0.tag" in rv.json["error"]["fields"], rv.json
    owner = staff_headers(client, "owner@dd.test")
    rv = client.get("/api/v1/staff/statements", query_string={"organization": OWNER_ORG, "month": f"2026-11{suffix}"},
                    headers=owner)
    assert rv.status_code == 422 and "month" in rv.json["error"]["fields"], rv.json
    with app.app_context():
        assert db.session.execute(select(func.count(Scan.id))).scalar_one() == 0
        assert db.session.execute(select(func.count(ScenarioDoor.id))).scalar_one() == 0
        assert db.session.execute(select(func.count(Scenario.id)).where(Scenario.code.like("%GOOD1%"))).scalar_one() == 0
    assert client.get("/api/v1/staff/scenarios/CDF2021/orders.csv", headers=org).status_code == 200


def test_every_validation_pattern_matches_the_whole_value():
    """Figure: each pattern used for validation refuses its valid value followed by "\\n"."""
    from app.domain import deeplinks
    from app.request_log import _SAFE_ID
    from app.sandbox.wechat_api import SCENE_CHARS
    from app.sandbox.wechatpay import OUT_TRADE_NO
    from app.schemas.console.doors import TAG
    from app.schemas.console.payouts import MONTH
    from app.schemas.console.scenarios import CODE
    from app.schemas.offsetting.orders import IDEMPOTENCY_KEY
    from app.services.guest.deeplinks import parse_scene
    from app.services.offsetting.credits import SERIAL

    for validator, good in ((TAG, "door1"), (CODE, "CDF2021"), (MONTH, "2026-11"), (IDEMPOTENCY_KEY, "key-1")):
        assert validator(good) == good
        with pytest.raises(Exception, match="."):
            validator(good + "\n")
    assert deeplinks.fits_scene("CDF2021", "door1") and not deeplinks.fits_scene("CDF2021", "door1\n")
    for pattern, good in ((deeplinks.CODE_RE, "CDF2021"), (deeplinks.TAG_RE, "door1"), (deeplinks.SCENE_RE, "A.b"),
                          (SERIAL, "CDCER-FOR-2021-00000001"), (OUT_TRADE_NO, "DD20261122abc"),
                          (SCENE_CHARS, "CDF2021.door1"), (_SAFE_ID, "abcdefgh")):
        assert pattern.fullmatch(good) and not pattern.fullmatch(good + "\n"), pattern.pattern
    with pytest.raises(Exception, match="."):
        parse_scene("CDF2021.door1\n")


def test_bad_idempotency_keys_are_refused(app, client, seeded):
    """Figure: an Idempotency-Key of 65 characters, with a space or non-ASCII is 422 and opens no order
    ("key\\n" cannot travel in an HTTP header; the pattern test above refuses it all the same)."""
    guest = Guest(client, "idem")
    fp = guest.footprint()
    for key in ("k" * 65, "key with space", "клю"):
        rv = client.post("/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-FOR"},
                         headers={**guest.headers, "Idempotency-Key": key})
        assert rv.status_code == 422, (key, rv.json)
    with app.app_context():
        assert db.session.execute(select(func.count(Order.id))).scalar_one() == 0


# -- text --------------------------------------------------------------------------------------------------

KEPT = ["👨\u200d👩\u200d👧", "❤️", "🇨🇳", "1️⃣", "#️⃣", "🏳️\u200d🌈", "🧑🏽\u200d💻", "❤️\u200d🔥",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland: a tag sequence
        "张小满", "Zoë", "क्\u200dष", "می\u200cخواهم", "葛\U000e0100"]


@pytest.mark.parametrize("text", KEPT)
def test_the_cleaner_keeps_what_sequences_need(text):
    """Figure: emoji ZWJ sequences, VS16, keycaps, flags (regional and subdivision), Indic and Persian
    joiners and ideographic variation sequences survive clean_text unchanged."""
    assert clean_text(text) == text
    assert clean_text(f"  {text}  ") == text


ATTACKS = [
    ("\u202eevil\u202c", "evil"), ("Ali\u200bce", "Alice"), ("a\u00adb", "ab"), ("\ufeffBOM", "BOM"),
    ("x\u2066y\u2069z", "xyz"), ("名\U000e0041\U000e0042", "名"), ("\u3164", None), ("\u115f\u1160", None),
    ("\u2800", None), ("a\u200db", "ab"), ("a\ufe0fb", "ab"), ("1\ufe0f", "1"), ("\u200d👩", "👩"),
    ("👩\u200d", "👩"), ("👩\u200d\u200b👧", "👩👧"), ("x\u034fy", "xy"), ("a\ufe01b", "ab"), ("\u2061\u2062", None),
    ("张\n三", "张 三"), ("\x00张\x07小\u202e满\n", "张小满"), ("  Alice \t\n Zhang  ", "Alice Zhang"),
    ("e\u0301", "é"), ("\u200e\u200f\u061c", None), ("🏴\U000e0067\U000e0062", "🏴"), ("\u180e", None),
]


@pytest.mark.parametrize("text, cleaned", ATTACKS)
def test_the_cleaner_removes_invisible_characters(text, cleaned):
    """Figure: bidi controls, zero-width characters, soft hyphens, BOMs, tag characters, Hangul fillers,
    stray joiners and variation selectors are removed; whitespace runs become one space; nothing left
    is None."""
    assert clean_text(text) == cleaned


def test_every_name_field_goes_through_the_cleaner(app, client, accounts):
    """Figure: nickname, beneficiary, organisation, scenario title and venue, door label, staff name and bank
    reference all arrive without bidi overrides or zero-width characters, and emoji sequences intact."""
    dirty, family = "\u202e小\u200b明\u2066", "👨\u200d👩\u200d👧"
    guest = Guest(client, "cleaner")
    me = client.patch("/api/v1/me", json={"nickname": f"{dirty}{family}"}, headers=guest.headers)
    assert me.status_code == 200 and me.json["nickname"] == f"小明{family}"
    fp = guest.footprint()
    order = client.post("/api/v1/orders", headers=guest.headers, json={
        "footprint_id": fp["id"], "project": "CDCER-FOR", "beneficiary": dirty, "organization": f"公司{dirty}"})
    assert order.status_code == 201
    assert order.json["order"]["beneficiary"] == "小明" and order.json["order"]["organization"] == "公司小明"
    org = staff_headers(client, "org@dd.test")
    sc = client.post("/api/v1/staff/scenarios", headers=org, json={
        "code": "CLEAN1", "kind": "conference", "title": f"论坛{dirty}", "venue": f"\u3164会场{family}",
        "doors": [{"tag": "d1", "label": f"一号门{dirty}"}]})
    assert sc.status_code == 201, sc.json
    assert sc.json["title"] == "论坛小明" and sc.json["venue"] == f"会场{family}"
    assert sc.json["doors"][0]["label"] == "一号门小明"
    blank = client.post("/api/v1/staff/scenarios", headers=org, json={"code": "CLEAN2", "kind": "conference",
                                                                       "title": "\u200b\u202e"})
    assert blank.status_code == 422 and "title" in blank.json["error"]["fields"]
    admin = staff_headers(client, "admin@dd.test")
    made = client.post("/api/v1/staff/accounts", headers=admin, json={
        "email": "clean@dd.test", "name": f"{dirty} 员工", "password": "x" * 12, "role": "venue_staff"})
    assert made.status_code == 201 and made.json["name"] == "小明 员工"
    renamed = client.patch(f"/api/v1/staff/accounts/{made.json['id']}", headers=admin, json={"name": "\u200b王\u202e五"})
    assert renamed.status_code == 200 and renamed.json["name"] == "王五"
    with app.app_context():
        user = db.session.execute(select(User).filter_by(nickname=f"小明{family}")).scalar_one()
        assert user.nickname == f"小明{family}"


def test_bank_references_lose_invisible_characters_but_line_breaks_are_refused(client, accounts):
    """Figure: "ICBC\\u200b0001" is recorded as "ICBC0001" (so a pasted duplicate is the same reference);
    "ICBC\\n0001" stays a 422."""
    from tests.api.test_payouts import pay

    pay(client, "alice")
    admin = staff_headers(client, "admin@dd.test")
    body = {"organization": OWNER_ORG, "amount_fen": 1, "paid_on": "2026-11-20"}
    rv = client.post("/api/v1/staff/payouts", headers=admin, json={**body, "bank_reference": "ICBC\u200b0001\u202e",
                                                                   "note": "\u2066\u2069"})
    assert rv.status_code == 201, rv.json
    assert rv.json["bank_reference"] == "ICBC0001" and rv.json["note"] is None
    again = client.post("/api/v1/staff/payouts", headers=admin, json={**body, "bank_reference": "\ufeffICBC0001"})
    assert again.status_code == 409 and again.json["error"]["code"] == "payout_exists"
    broken = client.post("/api/v1/staff/payouts", headers=admin, json={**body, "bank_reference": "ICBC\n0001"})
    assert broken.status_code == 422 and "bank_reference" in broken.json["error"]["fields"]


@pytest.mark.parametrize("bad", ["\u0000", "x\u0000y", "\ud800", "a\udfffb"])
def test_nul_and_lone_surrogates_are_422_outside_names(app, client, seeded, bad):
    """Figure: a NUL or an unpaired surrogate in an id, a code, an email or a key is 422 (PostgreSQL cannot
    store a NUL, UTF-8 cannot encode a lone surrogate); in a name the cleaner drops it (200)."""
    guest = Guest(client, "text")
    raw = json.dumps({"footprint_id": bad, "project": "CDCER-FOR"})  # json.dumps escapes both as \\uXXXX
    rv = client.post("/api/v1/orders", data=raw, content_type="application/json", headers=guest.headers)
    assert rv.status_code == 422 and "footprint_id" in rv.json["error"]["fields"], rv.json
    rv = client.post("/api/v1/footprints", data=json.dumps({**CONFERENCE, "scenario": bad}),
                     content_type="application/json")
    assert rv.status_code == 422 and "scenario" in rv.json["error"]["fields"], rv.json
    rv = client.post("/api/v1/footprints", data=json.dumps({**CONFERENCE, bad: 1}), content_type="application/json")
    assert rv.status_code == 422 and rv.is_json, rv.get_data()
    rv = client.post("/api/v1/staff/sign-in", data=json.dumps({"email": f"a{bad}@dd.test", "password": bad}),
                     content_type="application/json")
    assert rv.status_code in (401, 422), rv.json
    rv = client.patch("/api/v1/me", data=json.dumps({"nickname": f"小{bad}明"}), content_type="application/json",
                      headers=guest.headers)
    kept = "".join(ch for ch in bad if ch not in "\x00\ud800\udfff")
    assert rv.status_code == 200 and rv.json["nickname"] == f"小{kept}明"


def test_nul_in_paths_and_query_strings(client, seeded):
    """Figure: a NUL in a path segment is 404, in a query string 422 naming the parameter."""
    for path in ("/api/v1/scenarios/%00", "/api/v1/scenarios/CDF%002021", "/s/%00", "/verify/DD%00",
                 "/api/v1/footprints/fp%00", "/static/%00"):
        assert client.get(path).status_code == 404, path
    rv = client.get("/api/v1/scenarios?q=%00")
    assert rv.status_code == 422 and "q" in rv.json["error"]["fields"]
    rv = client.get("/api/v1/deeplinks/resolve?scene=CDF2021%00")
    assert rv.status_code == 422


def test_log_lines_escape_what_a_path_carries(client, seeded):
    """Figure: a path with a line break, a NUL and a bidi override is logged on one line, escaped."""
    with captured_logs() as records:
        client.get("/api/v1/scenarios/a%0Afake%20line%00%E2%80%AE")
    lines = [r.getMessage() for r in records if r.name == "diandian.request"]
    assert len(lines) == 1 and "\n" not in lines[0] and "\x00" not in lines[0] and "\u202e" not in lines[0]
    assert "\\n" in lines[0] and "\\u202e" in lines[0]


# -- seed-demo in live mode --------------------------------------------------------------------------------

def test_seed_demo_refuses_live_mode_and_creates_nothing(app, tmp_path):
    """Figure: `seed-demo` with WECHAT_MODE=live exits 1 and writes no organisation, scenario, project or
    credit (demo serials must never be sold for real money)."""
    from app.sandbox.keys import load_or_create
    from tests.api.test_live_mode import live_env

    keys = load_or_create(Path(TestConfig().SANDBOX_KEYS_DIR))
    (tmp_path / "apiclient_key.pem").write_text(keys.merchant_private_pem)
    (tmp_path / "pub_key.pem").write_text(keys.platform_public_pem)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    live = create_app(TestConfig(live_env((keys, tmp_path), DATABASE_URL=url, SECRET_KEY="live-secret-key")))
    assert not live.config["SANDBOX"]
    result = live.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "sandbox mode" in result.output
    with app.app_context():
        from app.models import CreditUnit, Organization, Project

        for model in (Organization, Scenario, Project, CreditUnit, StaffAccount):
            assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == 0, model
    with live.app_context():
        db.engine.dispose()


# -- security headers --------------------------------------------------------------------------------------

def test_every_html_page_has_the_security_headers(app, world):
    """Figure: every GET route swept (a real page, its not-found page, error pages): each text/html answer
    carries a CSP with frame-ancestors 'none' and no script source beyond the service, nosniff and a
    Referrer-Policy; every JSON answer carries nosniff. The preview and the console keep their own CSP."""
    client = app.test_client()
    pages, json_answers, problems = 0, 0, []
    extra = [("GET", f"/verify/{world.serial}?lang=en", {}), ("GET", "/verify/DD-0000-0000-0000-0", {}),
             ("GET", "/s/NOPE", {}), ("GET", "/s/CDF2021?d=door1", {}), ("GET", "/registry?project=CDCER-FOR", {}),
             ("GET", "/registry?offset=-1", {}), ("GET", "/?lang=en", {})]
    requests_ = [(m, p, kw) for _e, m, p, kw in sweep(app, world) if m == "GET"] + extra
    for method, path, kwargs in requests_:
        rv = _call(client, path, method, **kwargs)
        if rv.mimetype == "text/html":
            pages += 1
            csp = rv.headers.get("Content-Security-Policy", "")
            if "frame-ancestors 'none'" not in csp or "script-src 'self'" not in csp and "default-src 'none'" not in csp:
                problems.append(f"{path}: CSP {csp!r}")
            if "'unsafe-inline'" in csp:
                problems.append(f"{path}: unsafe-inline")
            if rv.headers.get("X-Content-Type-Options") != "nosniff" or not rv.headers.get("Referrer-Policy"):
                problems.append(f"{path}: {dict(rv.headers)}")
        elif rv.is_json:
            json_answers += 1
            if rv.headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{path}: JSON without nosniff")
    assert not problems, "\n".join(problems)
    assert pages >= 10 and json_answers >= 30, (pages, json_answers)
    preview = client.get("/")
    assert "script-src 'self'" in preview.headers["Content-Security-Policy"]


def test_the_pages_inline_style_is_allowed_by_its_nonce_only(client, seeded):
    """Figure: the verify/registry and printed-link pages' own <style> carries the nonce their CSP names;
    each response gets a fresh nonce."""
    first, second = client.get("/s/CDF2021"), client.get("/s/CDF2021")
    nonces = []
    for rv in (first, second):
        found = re.search(r"'nonce-([^']+)'", rv.headers["Content-Security-Policy"])
        assert found and f'<style nonce="{found[1]}">' in rv.get_data(as_text=True)
        nonces.append(found[1])
    assert nonces[0] != nonces[1]
    registry = client.get("/registry")
    found = re.search(r"'nonce-([^']+)'", registry.headers["Content-Security-Policy"])
    assert found and f'nonce="{found[1]}"' in registry.get_data(as_text=True)


# -- nothing from outside gives a 5xx ----------------------------------------------------------------------

HOSTILE_VALUES = [2**63, -(2**63) - 1, 10**4000, "1e-999999999", "NaN", Decimal("1e-30"), "\u0000", "\ud800",
                  "x\n", "", " " * 300, "\u202e" * 40, [], [[[]]], {}, {"a": {"b": {}}}, None, True, -1, 0.5,
                  "9" * 5000, "<script>", "../../etc/passwd", "'; DROP TABLE users; --"]


def _dump(value) -> str:
    return json.dumps(value, default=str) if not isinstance(value, Decimal) else str(value)


def test_hostile_values_in_every_field_of_every_body_never_give_a_5xx(app, world):
    """Figure: each field of a valid body of every JSON endpoint replaced by each of 24 hostile values
    (2^63, 10^4000, absurd decimals, NUL, lone surrogates, deep containers, SQL, paths...), plus hostile
    whole bodies: no answer is a 5xx (the count of requests is printed)."""
    client = app.test_client()
    sent, fives = 0, []
    bodies = [(e, m, p, kw) for e, m, p, kw in sweep(app, world) if "json" in kw]
    whole = ["[]", "null", '"x"', "1e999999999", "NaN", _deep(40), '{"a": ' * 5000, "{}" * 3, '"\\ud800"', '{"\\ud800": 1}']
    for _endpoint, method, path, kwargs in bodies:
        valid = kwargs["json"]
        headers = kwargs["headers"]
        for key in valid:
            for value in HOSTILE_VALUES:
                body = "{" + ", ".join(f"{json.dumps(k)}: {_dump(value) if k == key else _dump(v)}"
                                       for k, v in valid.items()) + "}"
                rv = _call(client, path, method, data=body, content_type="application/json", headers=headers)
                sent += 1
                if rv.status_code >= 500:
                    fives.append(f"{method} {path} {key}={_dump(value)[:40]}: {rv.status_code} {rv.get_data()[:200]}")
        for body in whole:
            rv = _call(client, path, method, data=body, content_type="application/json", headers=headers)
            sent += 1
            if rv.status_code >= 500:
                fives.append(f"{method} {path} body {body[:40]}: {rv.status_code}")
    print(f"{sent} hostile bodies sent to {len(bodies)} endpoints, {len(fives)} answered 5xx")
    assert not fives, "\n".join(fives[:50])
    assert sent > 800


HOSTILE_SEGMENTS = ["%00", "9" * 5000, str(2**63), "-1", "%F0%9F%98%80", "..%2F..", "a%0Ab", "%E2%80%AE",
                    "x" * 3000, "%C0%AF", "%ED%A0%80", "CDF2021%0A"]
HOSTILE_QUERY = ("offset=9223372036854775808&limit=-1&q=%00&scenario=%00x&scene=%ED%A0%80&kind=%0A&city="
                 + "x" * 3000 + "&paper=a4%0A&bucket=%00&by=x&period=%0A&project=%00&organization=%00&month=2026-11%0A"
                 "&from=9999-99-99&to=0000-00-00&role=%00&lang=%00&variant=%00&d=%00")


def test_hostile_paths_and_query_strings_never_give_a_5xx(app, world):
    """Figure: every route with each of 12 hostile path segments in each parameter, and every GET route
    with a hostile query string: no answer is a 5xx."""
    client = app.test_client()
    sent, fives = 0, []
    for endpoint, method, path, kwargs in sweep(app, world):
        kwargs = {k: v for k, v in kwargs.items() if k != "data"}
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        for name in rule.arguments:
            for segment in HOSTILE_SEGMENTS:
                hostile = _ARG.sub(lambda m, n=name, s=segment: s if m[1] == n else "CDF2021", rule.rule)
                rv = _call(client, hostile, method, **kwargs)
                sent += 1
                if rv.status_code >= 500:
                    fives.append(f"{method} {hostile[:80]}: {rv.status_code} {rv.get_data()[:200]}")
        if method == "GET":
            rv = _call(client, path.split("?")[0] + "?" + HOSTILE_QUERY, method, **kwargs)
            sent += 1
            if rv.status_code >= 500:
                fives.append(f"{method} {path} + hostile query: {rv.status_code} {rv.get_data()[:200]}")
    print(f"{sent} hostile paths and query strings, {len(fives)} answered 5xx")
    assert not fives, "\n".join(fives[:50])


def test_unhandled_bugs_are_still_500_with_a_traceback():
    """Figure: a programming error (not a fault of a dependency) stays a 500 internal_error, logged with
    its traceback: the 503 handler does not swallow bugs."""
    from flask import Blueprint

    app = create_app(TestConfig({"DATABASE_URL": "sqlite://"}))
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    def boom():
        raise KeyError("bug")

    app.register_blueprint(bp)
    with captured_logs() as records:
        rv = app.test_client().get("/boom")
    assert rv.status_code == 500 and rv.json["error"]["code"] == "internal_error"
    assert any(r.exc_info for r in records if r.name == "diandian.errors")


def test_the_unavailable_classification():
    """Figure: the drivers' and SQLAlchemy's connection-level errors count as unavailable, others not."""
    import sqlite3

    from sqlalchemy import exc as sa_exc

    from app.errors import is_unavailable

    assert is_unavailable(sa_exc.TimeoutError("pool"))
    assert is_unavailable(sa_exc.DisconnectionError("gone"))
    assert is_unavailable(sa_exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open")))
    assert is_unavailable(sqlite3.OperationalError("database is locked"))
    assert not is_unavailable(sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE")))
    assert not is_unavailable(KeyError("x"))
    if os.environ.get("TEST_REDIS_URL"):
        import redis

        assert is_unavailable(redis.exceptions.ConnectionError("refused"))


@contextmanager
def silent_redis():
    """A TCP server on loopback that accepts connections and reads what it is sent but never answers: a
    Redis that hangs (overloaded, or its host gone behind a link that drops packets). Yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for sock in held:
            _shut(sock)
        server.close()


def test_a_redis_that_stops_answering_gives_503_instead_of_holding_the_workers(app, seeded):
    """Redis carries the rate limits and the token versions: when it accepts connections but never answers,
    each request waits REDIS_TIMEOUT_MS, then answers 503 with Retry-After in the envelope, as when Redis
    refuses; without a socket timeout every worker would wait for ever. The queue worker's connection
    connects within the same timeout, and reads as long as its blocking wait needs (RQ sets that)."""
    from app.tasks.worker import worker_connection

    with silent_redis() as port:
        hung = create_app(TestConfig({
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "REDIS_TIMEOUT_MS": "200", "UNAVAILABLE_RETRY_AFTER_SECONDS": RETRY_AFTER}))
        assert hung.extensions["redis"].connection_pool.connection_kwargs["socket_timeout"] == 0.2
        answers: dict[str, object] = {}

        def ask():
            client = hung.test_client()
            answers["scenario"] = client.get("/api/v1/scenarios/CDF2021")
            answers["login"] = client.post("/api/v1/auth/login", json={"code": "sandbox-redis-hangs"})
            answers["healthz"] = client.get("/healthz")

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        asking.join(60)
        assert not asking.is_alive(), "a request waited on a silent Redis"
        for name in ("scenario", "login"):
            rv = answers[name]
            assert rv.status_code == 503, (name, rv.get_json())
            assert rv.get_json()["error"]["code"] == "service_unavailable"
            assert rv.headers["Retry-After"] == RETRY_AFTER
        assert answers["healthz"].status_code == 503
        with hung.app_context():
            try:
                assert db.session.scalar(select(func.count(User.id)).where(User.openid.like("%redis-hangs%"))) == 0
            finally:
                db.session.remove()
                db.engine.dispose()
        own = worker_connection(hung).connection_pool.connection_kwargs
        assert own["socket_connect_timeout"] == 0.2 and own.get("socket_timeout") is None


def test_connection_level_sqlstates_are_disconnects():
    """Figure: the handle_error hook calls a lost connection (no SQLSTATE, class 08, 57P01-03) a disconnect,
    so SQLAlchemy invalidates the pool even where psycopg has not marked the connection broken; a
    cancelled statement, a deadlock or a unique violation is not one."""
    from types import SimpleNamespace

    import psycopg

    from app.errors import _lost_connection_is_a_disconnect

    def verdict(exc) -> bool:
        ctx = SimpleNamespace(is_disconnect=False, original_exception=exc)
        _lost_connection_is_a_disconnect(ctx)
        return ctx.is_disconnect

    assert verdict(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert verdict(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))
    assert verdict(psycopg.errors.ConnectionFailure("connection failure"))
    assert verdict(psycopg.InterfaceError("the connection is closed"))
    assert not verdict(psycopg.errors.QueryCanceled("canceling statement due to statement timeout"))
    assert not verdict(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert not verdict(psycopg.errors.UniqueViolation("duplicate key"))
    assert not verdict(KeyError("not a driver error"))


@pytest.mark.parametrize("raw", [
    b'{"footprint_id": "fp\xed\xa0\x80", "project": "CDCER-FOR"}',  # a surrogate encoded as UTF-8 bytes
    '{"footprint_id": "fp\\u0000", "project": "CDCER-FOR"}'.encode("utf-16"),  # UTF-16, a NUL escaped
])
def test_bad_text_without_an_escape_is_still_refused(client, seeded, raw):
    """Figure: bad text that comes without a `\\u` escape is refused too: a surrogate sent as raw bytes
    (json.loads decodes UTF-8 with surrogatepass) and a NUL in a body json.loads detects as UTF-16."""
    guest = Guest(client, "raw-bytes")
    rv = client.post("/api/v1/orders", data=raw, content_type="application/json", headers=guest.headers)
    assert rv.status_code == 422 and "footprint_id" in rv.json["error"]["fields"], rv.get_data()
