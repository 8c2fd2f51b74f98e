"""Login through the real wechatpy code path against the in-process WeChat simulator."""
from __future__ import annotations

import logging

from app.auth import forget_token_version
from app.extensions import db
from app.models import User


def test_sandbox_login_creates_user_and_token(client):
    rv = client.post("/api/v1/auth/login", json={"code": "sandbox-alice"})
    assert rv.status_code == 200
    body = rv.json
    assert set(body) == {"token", "expires_in", "user"}
    assert body["expires_in"] == 7 * 24 * 3600
    assert set(body["user"]) == {"id", "nickname", "avatar_url", "show_on_leaderboard"}
    assert body["user"]["nickname"].startswith("点点用户")
    assert body["user"]["show_on_leaderboard"] is True
    assert "openid" not in rv.get_data(as_text=True) and "session_key" not in rv.get_data(as_text=True)


def test_same_code_same_user_other_code_other_user(client):
    first = client.post("/api/v1/auth/login", json={"code": "sandbox-alice"}).json["user"]["id"]
    again = client.post("/api/v1/auth/login", json={"code": "sandbox-alice"}).json["user"]["id"]
    other = client.post("/api/v1/auth/login", json={"code": "sandbox-bob"}).json["user"]["id"]
    assert first == again != other


def test_session_key_is_not_kept(app, client, monkeypatch):
    """WeChat's session_key is a secret nothing reads: it is neither answered nor stored."""
    from app.wechat.login import WeChatLogin

    issued = []
    plain = WeChatLogin.code_to_session

    def spy(self, code):
        session = plain(self, code)
        issued.append(session.session_key)
        return session

    monkeypatch.setattr(WeChatLogin, "code_to_session", spy)
    client.post("/api/v1/auth/login", json={"code": "sandbox-carol"})
    client.post("/api/v1/auth/login", json={"code": "sandbox-carol"})
    assert len(issued) == 2 and issued[0] != issued[1]
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.openid.startswith("o") and len(user.openid) == 28
        assert "session_key" not in db.inspect(db.engine).get_columns("users").__repr__()
        stored = [str(v) for v in db.session.execute(db.select(db.text("*")).select_from(db.table("users"))).one()]
    assert not set(issued) & set(stored)


def test_token_authenticates_and_is_checked(client, auth, seeded):
    headers = auth.login("dave")
    body = {"scenario": "CDF2021", "meals": {"standard": 1}}
    assert client.post("/api/v1/footprints", json=body, headers=headers).status_code == 201
    bad = client.post("/api/v1/footprints", json=body, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and bad.json["error"]["code"] == "token_invalid"
    forged = headers["Authorization"][:-2] + ("AA" if not headers["Authorization"].endswith("AA") else "BB")
    rv = client.post("/api/v1/footprints", json=body, headers={"Authorization": forged})
    assert rv.json["error"]["code"] == "token_invalid"


def test_expired_token(app, client, auth, seeded, monkeypatch):
    headers = auth.login("erin")
    monkeypatch.setitem(app.config, "TOKEN_TTL_SECONDS", -1)
    rv = client.post("/api/v1/footprints", json={"scenario": "CDF2021", "meals": {"standard": 1}},
                     headers=headers)
    assert rv.status_code == 401 and rv.json["error"]["code"] == "token_expired"


def test_revoked_token(app, client, auth, seeded):
    headers = auth.login("frank")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        user.token_version += 1
        db.session.commit()
        forget_token_version(user.id, user.token_version)
    rv = client.post("/api/v1/footprints", json={"scenario": "CDF2021", "meals": {"standard": 1}},
                     headers=headers)
    assert rv.json["error"]["code"] == "token_invalid"


def test_code_wechat_rejects_is_401(app, client):
    rv = client.post("/api/v1/auth/login", json={"code": "not-a-sandbox-code"})
    assert rv.status_code == 401
    assert rv.json["error"]["code"] == "invalid_login_code"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 0


def test_missing_code_is_422(client):
    rv = client.post("/api/v1/auth/login", json={})
    assert rv.status_code == 422
    assert rv.json["error"]["fields"] == {"code": ["缺少必填字段"]}
    en = client.post("/api/v1/auth/login", json={}, headers={"Accept-Language": "en"})
    assert en.json["error"]["fields"] == {"code": ["Missing data for required field."]}
    rv = client.post("/api/v1/auth/login", json={"code": "sandbox-x", "extra": 1})
    assert rv.status_code == 422 and "extra" in rv.json["error"]["fields"]


def test_login_logs_no_secrets(client, caplog):
    with caplog.at_level(logging.DEBUG):
        rv = client.post("/api/v1/auth/login", json={"code": "sandbox-grace"})
    token = rv.json["token"]
    text = caplog.text
    assert "sandbox-grace" not in text and token not in text
    assert "session_key" not in text and "access_token" not in text


def test_wechat_down_is_502(app, client, monkeypatch):
    import requests

    login = app.extensions["wechat_login"]

    def boom(*_a, **_k):
        raise requests.ConnectionError("no route")

    monkeypatch.setattr(login.client._http, "request", boom)
    monkeypatch.setattr(login.client._http, "get", boom)
    rv = client.post("/api/v1/auth/login", json={"code": "sandbox-henry"})
    assert rv.status_code == 502 and rv.json["error"]["code"] == "wechat_unavailable"


def test_access_token_is_shared_through_redis(app, client):
    redis = app.extensions["redis"]
    if redis is None:
        import pytest

        pytest.skip("TEST_REDIS_URL not set")
    client.post("/api/v1/auth/login", json={"code": "sandbox-ivy"})
    key = f"diandian:wechatpy:{app.config['WECHAT_APPID']}_access_token"
    assert redis.get(key) is not None and redis.ttl(key) > 7000


def test_login_is_one_upsert_that_knows_a_new_guest(app, client, caplog):
    """A first login and a returning one are the same single statement (the door rush's first step); the
    row keeps its created_at and nickname, and only its last login moves."""
    caplog.set_level(logging.INFO, logger="diandian.auth")
    first = client.post("/api/v1/auth/login", json={"code": "sandbox-upsert"}).json["user"]
    with app.app_context():
        row = db.session.get(User, first["id"])
        created, nickname, last = row.created_at, row.nickname, row.last_login_at
    again = client.post("/api/v1/auth/login", json={"code": "sandbox-upsert"}).json["user"]
    assert again["id"] == first["id"]
    assert [r.getMessage().endswith(f"new={new}") for r, new in
            zip([r for r in caplog.records if r.name == "diandian.auth"], (True, False), strict=True)] == [True, True]
    with app.app_context():
        row = db.session.get(User, first["id"])
        assert (row.created_at, row.nickname) == (created, nickname) and row.last_login_at > last
