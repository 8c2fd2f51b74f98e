"""Staff accounts, sign-in and scenario management: every role against every staff endpoint."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Scenario, StaffAccount
from app.services.console import staff
from tests.conftest import STAFF_PASSWORD as PASSWORD
from tests.conftest import staff_headers as headers


def test_sign_in(client, accounts):
    rv = client.post("/api/v1/staff/sign-in", json={"email": "ORG@dd.test", "password": PASSWORD})
    assert rv.status_code == 200 and rv.json["staff"]["role"] == "organizer"
    assert rv.json["staff"]["organization"] == "中国互联网发展基金会"
    me = client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {rv.json['token']}"})
    assert me.json["email"] == "org@dd.test"
    for body in ({"email": "org@dd.test", "password": "wrong"}, {"email": "nobody@dd.test", "password": PASSWORD}):
        bad = client.post("/api/v1/staff/sign-in", json=body)
        assert bad.status_code == 401 and bad.json["error"]["code"] == "invalid_credentials"
    assert client.get("/api/v1/staff/me").status_code == 401


def test_passwords_are_hashed_and_guest_tokens_do_not_open_staff_endpoints(app, client, auth, accounts):
    with app.app_context():
        account = db.session.execute(db.select(StaffAccount).filter_by(email="admin@dd.test")).scalar_one()
        assert account.password_hash.startswith("scrypt:") and PASSWORD not in account.password_hash
    guest = auth.login("alice")
    assert client.get("/api/v1/staff/me", headers=guest).json["error"]["code"] == "token_invalid"


def test_disabled_account_cannot_sign_in(app, client, accounts):
    token = headers(client, "venue@dd.test")
    with app.app_context():
        db.session.execute(db.update(StaffAccount).filter_by(email="venue@dd.test").values(active=False))
        db.session.commit()
    assert client.get("/api/v1/staff/me", headers=token).status_code == 401
    assert client.post("/api/v1/staff/sign-in",
                       json={"email": "venue@dd.test", "password": PASSWORD}).status_code == 401


NEW = {"code": "EXPO2026", "kind": "conference", "title": "新展会", "city": "成都",
       "starts_at": "2026-12-01T09:00:00+08:00"}

# (role's email, endpoint, expected status); None = not signed in.
MATRIX = [
    (None, "list", 401), ("admin@dd.test", "list", 200), ("org@dd.test", "list", 200),
    ("venue@dd.test", "list", 200), ("owner@dd.test", "list", 403),  # venue staff: their assigned ones
    (None, "create", 401), ("admin@dd.test", "create", 201), ("org@dd.test", "create", 201),
    ("venue@dd.test", "create", 403), ("owner@dd.test", "create", 403),
    (None, "edit_own", 401), ("admin@dd.test", "edit_own", 200), ("org@dd.test", "edit_own", 200),
    ("other@dd.test", "edit_own", 403), ("venue@dd.test", "edit_own", 403), ("owner@dd.test", "edit_own", 403),
    (None, "accounts", 401), ("admin@dd.test", "accounts", 201), ("org@dd.test", "accounts", 403),
    ("venue@dd.test", "accounts", 403), ("owner@dd.test", "accounts", 403),
]


@pytest.mark.parametrize("email, endpoint, status", MATRIX)
def test_permission_matrix(client, accounts, email, endpoint, status):
    h = headers(client, email) if email else {}
    if endpoint == "list":
        rv = client.get("/api/v1/staff/scenarios", headers=h)
    elif endpoint == "create":
        rv = client.post("/api/v1/staff/scenarios", json=NEW, headers=h)
    elif endpoint == "edit_own":  # CDF2021 belongs to the first organiser's organisation
        rv = client.patch("/api/v1/staff/scenarios/CDF2021", json={"venue": "二号厅"}, headers=h)
    else:
        rv = client.post("/api/v1/staff/accounts", headers=h, json={
            "email": "new@dd.test", "name": "New", "password": PASSWORD, "role": "venue_staff"})
    assert rv.status_code == status, rv.json
    if status >= 400:
        assert rv.json["error"]["code"] in ("unauthorized", "forbidden")


def test_organizer_sees_and_manages_only_their_scenarios(app, client, accounts):
    org = headers(client, "org@dd.test")
    codes = [s["code"] for s in client.get("/api/v1/staff/scenarios", headers=org).json["data"]]
    assert codes == ["CDF2020", "CDF2021"]
    created = client.post("/api/v1/staff/scenarios", json=NEW, headers=org).json
    assert created["status"] == "draft" and created["organizer"] == "中国互联网发展基金会"
    assert client.get("/api/v1/deeplinks/resolve?scene=EXPO2026").status_code == 404  # drafts are invisible
    opened = client.patch("/api/v1/staff/scenarios/EXPO2026", json={"status": "active"}, headers=org)
    assert opened.json["status"] == "active"
    assert client.get("/api/v1/deeplinks/resolve?scene=EXPO2026.door1").status_code == 200
    client.patch("/api/v1/staff/scenarios/EXPO2026", json={"status": "closed"}, headers=org)
    assert client.get("/api/v1/deeplinks/resolve?scene=EXPO2026").status_code == 410
    assert client.post("/api/v1/footprints", json={"scenario": "EXPO2026", "meals": {"standard": 1}}).status_code == 410
    dup = client.post("/api/v1/staff/scenarios", json=NEW, headers=org)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "scenario_exists"
    bad = client.post("/api/v1/staff/scenarios", json={**NEW, "code": "bad code!", "kind": "spaceship"}, headers=org)
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"code", "kind"}
    assert client.patch("/api/v1/staff/scenarios/NOPE", json={}, headers=org).status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(Scenario).filter_by(code="EXPO2026")).scalar_one().city == "成都"


def test_create_admin_command(app, runner, seeded):
    out = runner.invoke(args=["staff", "create-admin", "--email", "root@dd.test", "--password", PASSWORD])
    assert out.exit_code == 0 and "admin root@dd.test created" in out.output
    again = runner.invoke(args=["staff", "create-admin", "--email", "root@dd.test", "--password", PASSWORD])
    assert again.exit_code != 0 and "already has an account" in again.output
    short = runner.invoke(args=["staff", "create-admin", "--email", "x@dd.test", "--password", "short"])
    assert short.exit_code != 0


def test_console_session_cookie_needs_the_csrf_token_to_change_anything(client, accounts):
    rv = client.post("/api/v1/staff/session", json={"email": "org@dd.test", "password": PASSWORD})
    assert rv.status_code == 200
    cookie = rv.headers["Set-Cookie"]
    assert "dd_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    csrf = rv.json["csrf_token"]
    assert client.get("/api/v1/staff/me").json["email"] == "org@dd.test"
    assert client.get("/api/v1/staff/session").json["csrf_token"] == csrf
    body = {"code": "CSRF1", "kind": "conference", "title": "会"}
    refused = client.post("/api/v1/staff/scenarios", json=body)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf_failed"
    wrong = client.post("/api/v1/staff/scenarios", json=body, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    ok = client.post("/api/v1/staff/scenarios", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    assert client.delete("/api/v1/staff/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/staff/me").status_code == 401


def test_a_bad_password_opens_no_session(client, accounts):
    rv = client.post("/api/v1/staff/session", json={"email": "org@dd.test", "password": "nope"})
    assert rv.status_code == 401 and "Set-Cookie" not in rv.headers
    assert client.get("/api/v1/staff/session").status_code == 401


def test_admin_lists_disables_and_resets_accounts(app, client, accounts):
    admin = headers(client, "admin@dd.test")
    listed = client.get("/api/v1/staff/accounts?role=venue_staff", headers=admin).json
    assert listed["total"] == 1 and listed["data"][0]["email"] == "venue@dd.test" and listed["data"][0]["active"]
    assert "password_hash" not in listed["data"][0]
    venue_id = listed["data"][0]["id"]
    venue = headers(client, "venue@dd.test")
    # A console session of the same account dies with its bearer tokens.
    session_client = app.test_client()
    assert session_client.post("/api/v1/staff/session",
                               json={"email": "venue@dd.test", "password": PASSWORD}).status_code == 200

    off = client.patch(f"/api/v1/staff/accounts/{venue_id}", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json["active"] is False
    assert client.get("/api/v1/staff/me", headers=venue).status_code == 401
    assert session_client.get("/api/v1/staff/me").status_code == 401
    assert client.post("/api/v1/staff/sign-in", json={"email": "venue@dd.test", "password": PASSWORD}).status_code == 401

    on = client.patch(f"/api/v1/staff/accounts/{venue_id}", json={"active": True, "password": "a new password 1"},
                      headers=admin)
    assert on.status_code == 200 and on.json["active"] is True
    assert client.post("/api/v1/staff/sign-in", json={"email": "venue@dd.test", "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/staff/sign-in",
                       json={"email": "venue@dd.test", "password": "a new password 1"}).status_code == 200

    me = client.get("/api/v1/staff/me", headers=admin).json
    selfish = client.patch(f"/api/v1/staff/accounts/{me['id']}", json={"active": False}, headers=admin)
    assert selfish.status_code == 409 and selfish.json["error"]["code"] == "cannot_disable_self"
    assert client.patch("/api/v1/staff/accounts/99999", json={"name": "x"}, headers=admin).status_code == 404
    bad = client.patch(f"/api/v1/staff/accounts/{venue_id}", json={"password": "short", "role": "admin"}, headers=admin)
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"password", "role"}


def test_production_hashes_passwords_at_werkzeugs_full_scrypt_cost(tmp_path):
    from werkzeug.security import generate_password_hash

    from app.config import Config

    method = Config({"WECHAT_MODE": "sandbox"}, str(tmp_path)).PASSWORD_HASH_METHOD
    assert generate_password_hash("x", method=method).startswith("scrypt:32768:8:1$")


def test_wrong_passwords_slow_the_guesser_and_never_lock_out_the_owner(app, client, accounts, monkeypatch):
    """Growing delays per account and address instead of a lock: five guesses, then a wait; the owner at
    another address signs in meanwhile; an unknown email is answered exactly like a known one."""
    from datetime import timedelta

    from app.models import SignInThrottle
    from app.models.base import utcnow

    monkeypatch.setattr(staff, "FIRST_DELAY", timedelta(seconds=30))  # long enough for a slow machine
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    owner = {"REMOTE_ADDR": "198.51.100.20"}

    def attempt(email, password, where):
        rv = client.post("/api/v1/staff/sign-in", json={"email": email, "password": password},
                         environ_base=where)
        return rv.status_code, (rv.json.get("error") or {}).get("code"), rv.headers.get("Retry-After")

    for email in ("org@dd.test", "nobody@dd.test"):
        answers = [attempt(email, "guess", attacker) for _ in range(staff.MAX_FAILED_SIGN_INS)]
        assert answers == [(401, "invalid_credentials", None)] * staff.MAX_FAILED_SIGN_INS
        assert attempt(email, PASSWORD, attacker) == (429, "rate_limited", "30")  # even the right one, for now
    rv = client.post("/api/v1/staff/session", json={"email": "org@dd.test", "password": PASSWORD},
                     environ_base=attacker)
    assert rv.status_code == 429
    assert attempt("org@dd.test", PASSWORD, owner)[0] == 200  # the owner is not kept out
    with app.app_context():  # the wait is over: one more guess, then twice as long a wait
        db.session.execute(db.update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert attempt("org@dd.test", "guess", attacker)[0] == 401
    assert attempt("org@dd.test", "guess", attacker) == (429, "rate_limited", "60")
    with app.app_context():
        db.session.execute(db.update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert attempt("org@dd.test", PASSWORD, attacker)[0] == 200  # a success clears the account's count
    assert [attempt("org@dd.test", "guess", attacker)[0] for _ in range(staff.MAX_FAILED_SIGN_INS)] == \
        [401] * staff.MAX_FAILED_SIGN_INS
