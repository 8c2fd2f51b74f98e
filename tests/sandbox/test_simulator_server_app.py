"""The simulator server's app (app/sandbox/server.py) driven by the service's own WeChat client code.

Fast: the clients are aimed at the server's origin through configurable base URLs (as the service is
with SANDBOX_SERVER_URL), and the origin is mounted in-process, so every request is the exact one that
would go over HTTP (real signatures, real paths). The HTTP run itself is tests/e2e/test_simulator_server.py.
"""
from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app import create_app
from app.config import Config, ConfigError, TestConfig
from app.domain.china_time import china_now
from app.sandbox import keys as sandbox_keys
from app.sandbox.server import create_simulator_app
from app.sandbox.wechat_api import sandbox_openid
from app.wechat import _WeChatClient
from app.wechat.login import WeChatLogin
from app.wechat.pay import PayError, WeChatPayClient
from app.wechat.transport import WSGIAdapter
from app.wechat.wxacode import WxaCodes

ORIGIN = "http://simulator.test"
KEYS_DIR = str(Path(tempfile.gettempdir()) / "diandian-test-wechatpay-sandbox")  # TestConfig's


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sim")
    return create_simulator_app({"SECRET_KEY": "test-secret-key", "SANDBOX_KEYS_DIR": KEYS_DIR,
                                 "SANDBOX_DATABASE_URL": f"sqlite:///{folder}/sim.db",
                                 "SANDBOX_INSTANCE_PATH": str(folder)})


def _session(sim) -> requests.Session:
    http = requests.Session()
    http.mount(ORIGIN + "/", WSGIAdapter(sim))
    return http


@pytest.fixture(scope="module")
def pay(sim):
    keys = sandbox_keys.load_or_create(Path(KEYS_DIR))
    config = TestConfig()
    return WeChatPayClient(appid=config.WECHAT_APPID, mchid=keys.mchid, private_key_pem=keys.merchant_private_pem,
                           cert_serial_no=keys.merchant_cert_serial, apiv3_key=keys.apiv3_key,
                           public_key_pem=keys.platform_public_pem, public_key_id=keys.public_key_id,
                           notify_url="http://127.0.0.1:9/api/v1/pay/wechat/notify", http=_session(sim),
                           api_base=ORIGIN)


def test_wechat_pay_at_its_real_paths(sim, pay):
    expires = china_now() + timedelta(minutes=15)
    prepay_id = pay.prepay(out_trade_no="DDSIMSERVER0001", description="test", amount_fen=1234,
                           openid="o-guest", time_expire=expires)
    assert prepay_id.startswith("wx")
    assert pay.query("DDSIMSERVER0001").trade_state == "NOTPAY"
    # The guest pays; nobody listens at the notify_url: the delivery has no answer (0), the payment stands.
    paid = sim.test_client().post("/sandbox/wechatpay/confirm", json={"prepay_id": prepay_id, "deliveries": 1})
    assert paid.status_code == 200 and paid.json["deliveries"] == [{"status": 0}]
    tx = pay.query("DDSIMSERVER0001")
    assert (tx.trade_state, tx.payer_total, tx.transaction_id) == ("SUCCESS", 1234, paid.json["transaction_id"])
    with pytest.raises(PayError) as refused:
        pay.close("DDSIMSERVER0001")
    assert refused.value.code == "ORDERPAID"
    refund = pay.refund(out_refund_no="RFSIMSERVER0001", refund_fen=1234, total_fen=1234, reason="test",
                        out_trade_no="DDSIMSERVER0001")
    assert refund.status == "SUCCESS"
    assert pay.query("DDSIMSERVER0001").trade_state == "REFUND"


def test_the_merchant_signature_is_checked(sim):
    unsigned = sim.test_client().post("/v3/pay/transactions/jsapi", json={})
    assert unsigned.status_code == 401 and unsigned.json["code"] == "SIGN_ERROR"
    assert sim.test_client().get("/v3/nothing").json["code"] == "NOT_FOUND"


def test_login_api_and_codes_at_a_configured_base(sim):
    config = TestConfig()
    client = _WeChatClient(config.WECHAT_APPID, config.WECHAT_SECRET, api_base=ORIGIN, timeout=5)
    client._http = _session(sim)
    session = WeChatLogin(client).code_to_session("sandbox-alice")
    assert session.openid == sandbox_openid(config.WECHAT_SECRET, "alice")  # the in-process simulator's
    assert WxaCodes(client).unlimited("CDF2021.door1", width=280).startswith(b"\x89PNG")  # access token too
    assert sim.test_client().get("/nowhere").json["errcode"] == 40066


def test_the_pay_sheet_refuses_what_it_cannot_read(sim):
    bad = sim.test_client().post("/sandbox/wechatpay/confirm", data="nope", content_type="application/json")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_error"
    unknown = sim.test_client().post("/sandbox/wechatpay/confirm", json={"prepay_id": "wx-none"})
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "prepay_not_found"
    assert sim.test_client().get("/healthz").json["status"] == "ok"


def test_the_service_aimed_at_the_server_mounts_no_simulator(tmp_path):
    app = create_app(TestConfig({"SANDBOX_SERVER_URL": ORIGIN + "/", "DATABASE_URL": "sqlite://"}))
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert "/sandbox/wechatpay/confirm" in rules  # the preview's pay sheet, asked over HTTP
    assert not [r for r in rules if r.startswith("/sandbox/wechatpay-api")]
    assert "wechat_api_simulator" not in app.extensions
    assert app.extensions["wechat_pay"]._pay._core._gate_way == ORIGIN
    assert app.extensions["wechat_login"].client.API_BASE_URL == ORIGIN + "/cgi-bin/"
    default = create_app(TestConfig({"DATABASE_URL": "sqlite://"}))
    assert default.config["SANDBOX_SERVER_URL"] is None and "wechat_api_simulator" in default.extensions
    assert default.extensions["wechat_pay"]._pay._core._gate_way == "https://api.mch.weixin.qq.com"


LIVE = {"WECHAT_MODE": "live", "SECRET_KEY": "k", "PUBLIC_BASE_URL": "https://dd.example", "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "s", "WXPAY_MCHID": "1", "WXPAY_APIV3_KEY": "k" * 32, "WXPAY_CERT_SERIAL_NO": "1",
        "WXPAY_PRIVATE_KEY_PATH": "/x", "WXPAY_PUBLIC_KEY_ID": "PUB", "WXPAY_PUBLIC_KEY_PATH": "/y"}


@pytest.mark.parametrize(("env", "message"), [
    ({"WECHAT_API_BASE_URL": "http://127.0.0.1:8100"}, "set SANDBOX_SERVER_URL, or both"),
    ({"SANDBOX_SERVER_URL": "127.0.0.1:8100"}, "SANDBOX_SERVER_URL must be an http"),
    ({**LIVE, "SANDBOX_SERVER_URL": "http://127.0.0.1:8100"}, "only applies to WECHAT_MODE=sandbox"),
    ({**LIVE, "WECHATPAY_API_BASE_URL": "http://proxy.internal"}, "must be an https:// URL in live mode"),
])
def test_base_urls_that_cannot_work_stop_the_start(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        Config(env, instance_path=str(tmp_path))


def test_base_urls_default_to_wechat_and_follow_the_server(tmp_path):
    live = Config(LIVE, instance_path=str(tmp_path))
    assert (live.WECHAT_API_BASE_URL, live.WECHATPAY_API_BASE_URL, live.SANDBOX_SERVER_URL) == (
        "https://api.weixin.qq.com", "https://api.mch.weixin.qq.com", None)
    both = Config({"SECRET_KEY": "k", "WECHAT_API_BASE_URL": "http://a:1/", "WECHATPAY_API_BASE_URL": "http://b:2"},
                  instance_path=str(tmp_path))
    assert (both.WECHAT_API_BASE_URL, both.WECHATPAY_API_BASE_URL, both.SANDBOX_SERVER_URL) == (
        "http://a:1", "http://b:2", "http://b:2")
