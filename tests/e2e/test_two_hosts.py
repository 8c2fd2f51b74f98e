"""Two hosts behind HAProxy (deploy/): a guest whose consecutive requests land on alternate instances.

Two gunicorn instances (one sync worker each, a folder each for what a host keeps on its own disk) share
one PostgreSQL schema and one Redis, behind Debian's haproxy with deploy/haproxy.cfg (round-robin). Every
request goes through the balancer, and `Through` checks from the X-Served-By header that it reached the
other instance than the request before it: so each step below runs on the instance the previous one did
not. PostgreSQL and Redis only (two hosts share both); haproxy from scripts/install-system-packages.sh
(skipped without it, a failure with REQUIRE_HAPROXY=1 as in CI).

The tests share one pair and run in file order; the last one kills an instance.
"""
from __future__ import annotations

import os
import time

import pytest
import redis as redis_lib
import requests
from sqlalchemy import func, select

from app import create_app
from app.config import Config, TestConfig
from app.extensions import db
from app.models import Certificate, LedgerEntry, Order, SandboxPayTransaction
from app.sandbox.wechatpay import transaction_json
from app.services.ops.seed import DEMO_STAFF_PASSWORD
from deploy.local import DeployError, find_haproxy, two_hosts
from tests.conftest import on_postgres
from tests.e2e.service import pg_schema
from tests.journey import CONFERENCE, notification

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres() or not os.environ.get("TEST_REDIS_URL"),
                                 reason="needs TEST_DATABASE_URL=postgresql://... and TEST_REDIS_URL")]

RESOLVE_QUOTA = 5  # RATE_RESOLVE_PER_GUEST for this pair: small enough to count to
ORGANIZER = "organizer@demo.diandian.test"


class Through:
    """Requests through the balancer; each must be answered by the other instance than the one before."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.last: str | None = None
        self.served: list[str] = []

    def __call__(self, method: str, path: str, *, alternate: bool = True, **kwargs) -> requests.Response:
        rv = self.http.request(method, self.base + path, timeout=30, **kwargs)
        by = rv.headers.get("X-Served-By")
        assert by in ("a1", "a2"), (path, rv.status_code, rv.headers)
        if alternate and self.last is not None:
            assert by != self.last, f"{method} {path} went to {by} again: {self.served}"
        self.last = by
        self.served.append(by)
        return rv


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    if find_haproxy() is None:
        if os.environ.get("REQUIRE_HAPROXY"):
            pytest.fail("REQUIRE_HAPROXY is set but haproxy is missing: scripts/install-system-packages.sh haproxy")
        pytest.skip("haproxy is not installed (scripts/install-system-packages.sh haproxy)")
    redis_url = os.environ["TEST_REDIS_URL"]
    redis_lib.Redis.from_url(redis_url).flushdb()
    with pg_schema(os.environ["TEST_DATABASE_URL"], f"dd_pair_{os.getpid()}") as url:
        try:
            with two_hosts(url, redis_url, folder=tmp_path_factory.mktemp("pair"), workers=1,
                           env={"RATE_RESOLVE_PER_GUEST": f"{RESOLVE_QUOTA}/minute", "LOG_LEVEL": "WARNING"}) as p:
                yield p
        except DeployError as exc:
            pytest.fail(str(exc))


@pytest.fixture(scope="module")
def checker(pair):
    """An app on the pair's database and sandbox keys, for reading rows and signing notifications."""
    app = create_app(TestConfig({"DATABASE_URL": pair.env["DATABASE_URL"],
                                 "SANDBOX_KEYS_DIR": pair.env["SANDBOX_KEYS_DIR"],
                                 "SECRET_KEY": pair.env["SECRET_KEY"]}))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def login(via: Through, name: str) -> dict:
    rv = via("POST", "/api/v1/auth/login", json={"code": f"sandbox-{name}"})
    assert rv.status_code == 200, rv.text
    return {"Authorization": f"Bearer {rv.json()['token']}"}


def test_a_guest_journey_alternating_between_instances(pair, checker):
    """Figure: login, footprint, order, pay (WeChat notifies the instance that served the pay sheet),
    order status, certificate and its image, each on the other instance than the step before; WeChat's
    retry of the notification on the first instance changes nothing (one certificate, 3 ledger lines);
    the certificate image rendered on one host is the same picture (same ETag, 304) on the other."""
    via = Through(pair.base)
    auth = login(via, "pair-journey")
    fp = via("POST", "/api/v1/footprints", json=CONFERENCE, headers=auth)
    assert fp.status_code == 201, fp.text
    created = via("POST", "/api/v1/orders", json={"footprint_id": fp.json()["id"], "project": "CDCER-FOR"},
                  headers={**auth, "Idempotency-Key": "pair-journey-1"})
    assert created.status_code == 201, created.text
    order = created.json()["order"]
    prepay = created.json()["payment"]["package"].split("=", 1)[1]
    paid = via("POST", "/sandbox/wechatpay/confirm", json={"prepay_id": prepay, "deliveries": 1})
    assert paid.status_code == 200 and paid.json()["deliveries"] == [{"status": 204}], paid.text  # notified in-process
    paid_on = via.last

    with checker.app_context():
        tx = db.session.execute(select(SandboxPayTransaction)
                                .where(SandboxPayTransaction.prepay_id == prepay)).scalar_one()
        headers, body = notification(checker, transaction_json(tx))
    retry = via("POST", "/api/v1/pay/wechat/notify", data=body, headers=headers)  # WeChat retries
    assert retry.status_code in (200, 204), retry.text
    assert via.last != paid_on

    status = via("GET", f"/api/v1/orders/{order['id']}", headers=auth)
    assert status.status_code == 200 and status.json()["status"] == "fulfilled", status.text
    serial = status.json()["certificate"]["serial"]
    cert = via("GET", f"/api/v1/certificates/{serial}")
    assert cert.status_code == 200 and cert.json()["kg"] == order["kg"], cert.text
    assert sum(a["kg"] for a in cert.json()["allocations"]) == order["kg"]

    image = via("GET", f"/api/v1/certificates/{serial}/image.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG"), image.status_code
    again = via("GET", f"/api/v1/certificates/{serial}/image.png", headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304, again.status_code
    assert len(set(via.served)) == 2 and len(via.served) == 9

    with checker.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)
                                 .where(Certificate.order_id == order["id"])) == 1
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                 .where(LedgerEntry.order_id == order["id"])) == 3
        assert db.session.get(Order, order["id"]).status == "fulfilled"


def test_an_idempotency_key_replayed_on_the_other_instance_returns_the_same_order(pair):
    """Figure: the same Idempotency-Key and body sent to both instances gives one order, the second
    answer marked `Idempotent-Replayed: true`."""
    via = Through(pair.base)
    auth = login(via, "pair-idem")
    fp = via("POST", "/api/v1/footprints", json=CONFERENCE, headers=auth).json()
    body = {"footprint_id": fp["id"], "project": "CDCER-FOR"}
    first = via("POST", "/api/v1/orders", json=body, headers={**auth, "Idempotency-Key": "pair-idem-1"})
    second = via("POST", "/api/v1/orders", json=body, headers={**auth, "Idempotency-Key": "pair-idem-1"})
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    assert second.json()["order"]["id"] == first.json()["order"]["id"]
    assert (first.headers["Idempotent-Replayed"], second.headers["Idempotent-Replayed"]) == ("false", "true")


def test_a_console_session_opened_on_one_instance_works_and_ends_on_the_other(pair):
    """Figure: a console cookie from one instance reads the session on the other; signing out there
    ends it on the server, so the same cookie is refused by both instances afterwards."""
    via = Through(pair.base)
    opened = via("POST", "/api/v1/staff/session", json={"email": ORGANIZER, "password": DEMO_STAFF_PASSWORD})
    assert opened.status_code == 200, opened.text
    csrf = opened.json()["csrf_token"]
    cookie = via.http.cookies.get("dd_console")
    assert cookie
    for _ in range(2):  # read on the other instance, then on the first again
        read = via("GET", "/api/v1/staff/session")
        assert read.status_code == 200 and read.json()["staff"]["email"] == ORGANIZER, read.text
    closed = via("DELETE", "/api/v1/staff/session", headers={"X-CSRF-Token": csrf})
    assert closed.status_code == 204, closed.text
    for _ in range(2):  # the old cookie, replayed to each instance
        refused = via("GET", "/api/v1/staff/session", cookies={"dd_console": cookie})
        assert refused.status_code == 401, refused.text


def test_a_guest_logged_out_on_one_instance_is_refused_by_the_other(pair):
    """Figure: after logout on one instance the token is refused there at once and on the other
    within app.auth.TOKEN_VERSION_TTL (15 s: each process caches token versions that long)."""
    from app.auth import TOKEN_VERSION_TTL

    via = Through(pair.base)
    auth = login(via, "pair-logout")
    assert via("GET", "/api/v1/me", headers=auth).status_code == 200  # the other instance caches it
    assert via("POST", "/api/v1/auth/logout", headers=auth).status_code == 204
    refused_by: set[str] = set()
    deadline = time.monotonic() + TOKEN_VERSION_TTL + 5
    while refused_by != {"a1", "a2"} and time.monotonic() < deadline:
        rv = via("GET", "/api/v1/me", headers=auth)
        if rv.status_code == 401:
            refused_by.add(via.last)
        else:
            assert rv.status_code == 200, rv.text
            time.sleep(0.5)
    assert refused_by == {"a1", "a2"}


def test_a_rate_limit_is_counted_across_both_instances(pair):
    """Figure: with RATE_RESOLVE_PER_GUEST = 5/minute, one guest's 5 resolves spread over both
    instances pass and the 6th and 7th are refused (429 rate_limited) by whichever instance gets them."""
    via = Through(pair.base)
    auth = login(via, "pair-limits")
    statuses = []
    for _ in range(RESOLVE_QUOTA + 2):
        rv = via("GET", "/api/v1/deeplinks/resolve?scene=CDF2021.door1", headers=auth)
        statuses.append((via.last, rv.status_code))
        if rv.status_code == 429:
            assert rv.json()["error"]["code"] == "rate_limited" and int(rv.headers["Retry-After"]) >= 1
    assert [s for _, s in statuses] == [200] * RESOLVE_QUOTA + [429, 429], statuses
    assert {by for by, s in statuses if s == 429} == {"a1", "a2"}


def test_the_wechat_access_token_is_fetched_once_and_reused_by_the_other_instance(pair):
    """Figure: with no token in Redis, a login on one instance fetches WeChat's access_token and stores
    it in Redis (the expiry WeChat gave, 7200 s); a login on the other instance a second later uses it:
    the stored token is unchanged (a second fetch would have stored a token with a later expiry)."""
    r = redis_lib.Redis.from_url(pair.env["REDIS_URL"])
    key = f"diandian:wechatpy:{Config(environ=pair.env).WECHAT_APPID}_access_token"
    r.delete(key)
    via = Through(pair.base)
    login(via, "pair-token-1")
    first, first_on = r.get(key), via.last
    assert first and 7000 < r.ttl(key) <= 7200, (key, first)
    time.sleep(1.1)  # the sandbox's token names its expiry second: a new fetch would differ
    login(via, "pair-token-2")
    assert via.last != first_on
    assert r.get(key) == first


def test_a_killed_instance_is_taken_out_and_the_other_serves_every_request(pair):
    """Figure: SIGKILL of one instance (master and worker, until its port refuses connections); 40
    requests through the balancer meanwhile all answer 200 (a refused connection is retried on the other
    instance: `option redispatch`), haproxy's health check marks it DOWN within seconds, and from then
    on every answer comes from the survivor. (A request already inside the dying instance is lost: 502,
    for the client to retry; deploy/README.md.)"""
    victim, survivor = pair.instances
    pair.instance(victim.name).kill()
    via = Through(pair.base)
    answers = []
    for _ in range(40):
        rv = via("GET", "/api/v1/scenarios/CDF2021", alternate=False)
        answers.append(rv.status_code)
    assert answers == [200] * 40
    pair.wait_status(victim.name, "DOWN", timeout=15)
    via.served.clear()
    for _ in range(6):
        assert via("GET", "/healthz", alternate=False).status_code == 200
    assert set(via.served) == {survivor.name}
