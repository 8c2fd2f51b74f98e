"""Sessions end when asked. Before: signing out revoked nothing (a copied console cookie kept working for
12 hours) and guests could not log out."""
from __future__ import annotations

import threading

import pytest

from tests.conftest import STAFF_PASSWORD, on_postgres
from tests.journey import Guest

SESSION = "/api/v1/staff/session"


def console(app):
    """A browser: its own cookie jar."""
    return app.test_client()


def test_console_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, accounts):
    browser = console(app)
    csrf = browser.post(SESSION, json={"email": "org@dd.test", "password": STAFF_PASSWORD}).json["csrf_token"]
    cookie = browser.get_cookie("dd_console")
    thief = console(app)
    thief.set_cookie("dd_console", cookie.value)
    assert thief.get("/api/v1/staff/me").status_code == 200  # a copy works while the session lasts
    # Sign-out is a write: without the CSRF token it is refused and the session goes on.
    refused = browser.delete(SESSION)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf_failed"
    assert browser.get("/api/v1/staff/me").status_code == 200
    assert browser.delete(SESSION, headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get("/api/v1/staff/me").status_code == 401
    rv = thief.get("/api/v1/staff/me")
    assert rv.status_code == 401 and rv.json["error"]["code"] == "token_invalid"
    assert thief.patch("/api/v1/staff/scenarios/CDF2021", json={"title": "x"},
                       headers={"X-CSRF-Token": csrf}).status_code == 401


def test_a_new_sign_in_is_a_new_session(app, accounts):
    first, second = console(app), console(app)
    for browser in (first, second):
        browser.post(SESSION, json={"email": "org@dd.test", "password": STAFF_PASSWORD})
    csrf = first.get(SESSION).json["csrf_token"]
    assert first.delete(SESSION, headers={"X-CSRF-Token": csrf}).status_code == 204
    assert second.get("/api/v1/staff/me").status_code == 200  # signing out one browser leaves the other


def test_guest_logout_revokes_the_token(client, seeded):
    guest = Guest(client, "alice")
    assert client.get("/api/v1/me", headers=guest.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=guest.headers).status_code == 204
    rv = client.get("/api/v1/me", headers=guest.headers)
    assert rv.status_code == 401 and rv.json["error"]["code"] == "token_invalid"
    assert client.post("/api/v1/auth/logout", headers=guest.headers).status_code == 401
    assert client.post("/api/v1/auth/logout").status_code == 401
    again = Guest(client, "alice")  # logging in again gives a working token
    assert client.get("/api/v1/me", headers=again.headers).status_code == 200


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://... (row locks)")
def test_parallel_guesses_check_at_most_the_free_number(app, accounts, monkeypatch):
    """32 guesses at once: before, 6 passwords were checked for a limit of 5. Now every attempt is
    counted under the throttle rows' locks before its password is checked."""
    from app.services.console import staff

    checked = []
    real_check = staff.check_password_hash

    def counting_check(hashed, password):
        checked.append(password)
        return real_check(hashed, password)

    monkeypatch.setattr(staff, "check_password_hash", counting_check)
    monkeypatch.setitem(app.config, "HEAVY_SLOTS", 64)  # the throttle alone decides here, not the CPU cap
    barrier, statuses = threading.Barrier(32), []

    def guess(i):
        client = app.test_client()
        barrier.wait()
        rv = client.post("/api/v1/staff/sign-in", json={"email": "admin@dd.test", "password": f"guess-{i}"},
                         environ_base={"REMOTE_ADDR": "203.0.113.9"})
        statuses.append(rv.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(statuses) == 32 and set(statuses) <= {401, 429}
    assert len(checked) == statuses.count(401) <= staff.MAX_FAILED_SIGN_INS, (len(checked), statuses)
