"""Live mode: refuses to start without credentials, and drives wechatpy over real HTTP on loopback."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from werkzeug.serving import make_server

from app import create_app
from app.config import LIVE_REQUIRED, Config, ConfigError, TestConfig
from app.extensions import db
from app.sandbox.wechat_api import create_wechat_api_simulator
from app.wechat import WECHAT_API_ORIGIN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pay_keys(tmp_path_factory):
    """The sandbox's merchant and platform keys, as files a live deployment would be given."""
    from app.sandbox.keys import load_or_create

    keys = load_or_create(Path(TestConfig().SANDBOX_KEYS_DIR))
    folder = tmp_path_factory.mktemp("live-keys")
    (folder / "apiclient_key.pem").write_text(keys.merchant_private_pem)
    (folder / "pub_key.pem").write_text(keys.platform_public_pem)
    return keys, folder


def live_env(pay_keys=None, **overrides):
    env = {name: f"test-{name.lower()}" for name in LIVE_REQUIRED}
    env.update({"WECHAT_MODE": "live", "WECHAT_APPID": "wxlive0000000001", "WECHAT_SECRET": "live-secret",
                "PUBLIC_BASE_URL": "https://dd.example.test",
                "DATABASE_URL": "sqlite://"})
    if pay_keys:
        keys, folder = pay_keys
        env.update({"WXPAY_MCHID": keys.mchid, "WXPAY_APIV3_KEY": keys.apiv3_key,
                    "WXPAY_CERT_SERIAL_NO": keys.merchant_cert_serial,
                    "WXPAY_PRIVATE_KEY_PATH": str(folder / "apiclient_key.pem"),
                    "WXPAY_PUBLIC_KEY_ID": keys.public_key_id, "WXPAY_PUBLIC_KEY_PATH": str(folder / "pub_key.pem")})
    env.update(overrides)
    return env


def test_live_mode_names_missing_variables():
    env = live_env()
    del env["WECHAT_SECRET"], env["WXPAY_APIV3_KEY"]
    with pytest.raises(ConfigError) as err:
        Config(env)
    assert "WECHAT_SECRET" in str(err.value) and "WXPAY_APIV3_KEY" in str(err.value)


def test_live_service_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in LIVE_REQUIRED}
    env.update({"WECHAT_MODE": "live", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    proc = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "WECHAT_MODE=live needs" in proc.stderr and "WECHAT_APPID" in proc.stderr


def test_unknown_mode_is_refused():
    with pytest.raises(ConfigError):
        Config({"WECHAT_MODE": "staging"})


class LoopbackRebase(HTTPAdapter):
    """Sends what an SDK addresses to WeChat's host to a loopback server instead, over a real socket."""

    def __init__(self, target: str):
        super().__init__()
        self.target = target

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = self.target + request.url[len(f"{parts.scheme}://{parts.netloc}/"):]
        return super().send(request, **kwargs)


@pytest.fixture
def loopback_wechat():
    sim = create_wechat_api_simulator(appid="wxlive0000000001", secret="live-secret")
    server = make_server("127.0.0.1", 0, sim, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_live_mode_names_an_unreadable_key_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        create_app(TestConfig(live_env(WXPAY_PRIVATE_KEY_PATH=str(tmp_path / "missing.pem"))))
    assert "WXPAY_PRIVATE_KEY_PATH" in str(err.value)


def test_live_login_over_http(loopback_wechat, pay_keys):
    config = TestConfig(live_env(pay_keys, SECRET_KEY="k", PUBLIC_BASE_URL="https://dd.example.test"))
    assert config.SANDBOX is False
    app = create_app(config)
    assert "wechat_api_simulator" not in app.extensions
    client_http: requests.Session = app.extensions["wechat_login"].client._http
    client_http.mount(WECHAT_API_ORIGIN, LoopbackRebase(loopback_wechat))
    with app.app_context():
        db.create_all()
    try:
        client = app.test_client()
        rv = client.post("/api/v1/auth/login", json={"code": "sandbox-alice"})
        assert rv.status_code == 200, rv.json
        again = client.post("/api/v1/auth/login", json={"code": "sandbox-alice"})
        assert again.json["user"]["id"] == rv.json["user"]["id"]
        refused = client.post("/api/v1/auth/login", json={"code": "wx-code-from-elsewhere"})
        assert refused.status_code == 401 and refused.json["error"]["code"] == "invalid_login_code"
    finally:
        with app.app_context():
            db.drop_all()


def test_live_login_with_wrong_secret_is_502(loopback_wechat, pay_keys):
    app = create_app(TestConfig(live_env(pay_keys, WECHAT_SECRET="wrong", SECRET_KEY="k")))
    app.extensions["wechat_login"].client._http.mount(WECHAT_API_ORIGIN, LoopbackRebase(loopback_wechat))
    rv = app.test_client().post("/api/v1/auth/login", json={"code": "sandbox-alice"})
    assert rv.status_code == 502 and rv.json["error"]["code"] == "wechat_unavailable"


@pytest.fixture
def loopback_wechatpay(tmp_path):
    """A sandbox-mode service on a real loopback port: its WeChat Pay simulator answers over HTTP."""
    sandbox = create_app(TestConfig({"DATABASE_URL": f"sqlite:///{tmp_path}/sandbox.db",
                                     "WECHAT_APPID": "wxlive0000000001"}))
    with sandbox.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, sandbox, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sandbox, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_live_pay_client_over_http(loopback_wechatpay, pay_keys):
    """The live-mode client, over a real socket, against the simulator: sign, verify, pay, refund."""
    from datetime import datetime, timedelta, timezone

    from app.sandbox.wechatpay import API_PREFIX
    from app.wechat import PAY_API_ORIGIN, wechat_pay
    from app.wechat.pay import PayError
    from tests.journey import notification, paid_resource

    sandbox, base = loopback_wechatpay
    live = create_app(TestConfig(live_env(pay_keys, SECRET_KEY="k")))
    live.extensions["wechat_pay"].http.mount(PAY_API_ORIGIN, LoopbackRebase(f"{base}{API_PREFIX}/"))
    expire = datetime.now(timezone(timedelta(hours=8))) + timedelta(minutes=15)
    with live.app_context():
        pay = wechat_pay()
        prepay_id = pay.prepay(out_trade_no="DDLIVETEST000001", description="test", amount_fen=2082,
                               openid="o-live", time_expire=expire)
        assert prepay_id.startswith("wx")
        assert pay.query("DDLIVETEST000001").trade_state == "NOTPAY"
        assert pay.query("DDNOSUCHORDER001") is None
        pay.prepay(out_trade_no="DDLIVETEST000002", description="t", amount_fen=1, openid="o", time_expire=expire)
        pay.close("DDLIVETEST000002")
        assert pay.query("DDLIVETEST000002").trade_state == "CLOSED"
        code_url = pay.prepay_native(out_trade_no="DDLIVETEST000003", description="活动碳中和", amount_fen=7000,
                                     time_expire=expire)
        assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")
        native = pay.query("DDLIVETEST000003")
        assert (native.trade_state, native.amount_total) == ("NOTPAY", 7000)

    paid = requests.post(f"{base}/sandbox/wechatpay/confirm", json={"prepay_id": prepay_id, "deliveries": 0},
                         timeout=10)
    assert paid.status_code == 200
    with live.app_context():
        tx = wechat_pay().query("DDLIVETEST000001")
        assert (tx.trade_state, tx.amount_total, tx.transaction_id) == ("SUCCESS", 2082, paid.json()["transaction_id"])
        refund = wechat_pay().refund(out_refund_no="RFDDLIVETEST000001", out_trade_no="DDLIVETEST000001",
                                     refund_fen=2082, total_fen=2082, reason="test")
        assert refund.status == "SUCCESS" and refund.refund_id
        with pytest.raises(PayError) as err:
            wechat_pay().close("DDLIVETEST000001")
        assert err.value.code == "ORDERPAID"
        headers, body = notification(sandbox, paid_resource(sandbox, "DDLIVETEST000001", 2082))
        note = wechat_pay().parse_notification(headers, body)
        assert note.transaction.out_trade_no == "DDLIVETEST000001" and note.transaction.amount_total == 2082


def test_simulator_refuses_a_bad_merchant_signature(loopback_wechatpay):
    _sandbox, base = loopback_wechatpay
    rv = requests.post(f"{base}/sandbox/wechatpay-api/v3/pay/transactions/jsapi", json={},
                       headers={"Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",'
                                                 'signature="c2ln",timestamp="1",serial_no="s"'}, timeout=10)
    assert rv.status_code == 401 and rv.json()["code"] == "SIGN_ERROR"


def test_sandbox_routes_are_absent_in_live_mode(pay_keys):
    client = create_app(TestConfig(live_env(pay_keys, SECRET_KEY="k"))).test_client()
    assert client.post("/sandbox/wechatpay/confirm", json={"prepay_id": "x"}).status_code == 404
    assert client.post("/sandbox/wechatpay-api/v3/pay/transactions/jsapi", json={}).status_code == 404


def test_live_mode_needs_https_public_base_url(pay_keys):
    with pytest.raises(ConfigError) as err:
        Config(live_env(pay_keys, PUBLIC_BASE_URL="http://dd.example.test"))
    assert "https" in str(err.value)
