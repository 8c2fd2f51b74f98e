"""WeChat integration. The rest of the app reaches WeChat only through these accessors.

Live mode talks to WeChat's hosts. Sandbox mode uses the very same SDK clients with an in-process
transport to the simulators in app/sandbox/, which speak the same protocols.
"""
from __future__ import annotations

from pathlib import Path

import requests
from flask import Flask, current_app
from wechatpy.client import WeChatClient
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from app.config import ConfigError
from app.wechat.login import WeChatLogin
from app.wechat.wxacode import WxaCodes
from app.wechat.pay import API_ORIGIN as PAY_API_ORIGIN
from app.wechat.pay import WeChatPayClient

WECHAT_API_ORIGIN = "https://api.weixin.qq.com/"
NOTIFY_PATH = "/api/v1/pay/wechat/notify"


def init_wechat(app: Flask) -> None:
    redis = app.extensions.get("redis")
    # The access_token is shared by every worker when Redis is there: WeChat invalidates the previous
    # token each time a new one is fetched.
    storage = RedisStorage(redis, prefix="diandian:wechatpy") if redis is not None else MemoryStorage()
    client = WeChatClient(app.config["WECHAT_APPID"], app.config["WECHAT_SECRET"], session=storage, timeout=5)
    pay_http = requests.Session()
    if app.config["SANDBOX"]:
        from app.sandbox import keys as sandbox_keys
        from app.sandbox.wechat_api import create_wechat_api_simulator
        from app.sandbox.wechatpay import API_PREFIX
        from app.wechat.transport import WSGIAdapter

        simulator = create_wechat_api_simulator(
            appid=app.config["WECHAT_APPID"], secret=app.config["WECHAT_SECRET"]
        )
        app.extensions["wechat_api_simulator"] = simulator
        client._http.mount(WECHAT_API_ORIGIN, WSGIAdapter(simulator))
        keys = sandbox_keys.load_or_create(Path(app.config["SANDBOX_KEYS_DIR"]))
        app.extensions["wechatpay_sandbox_keys"] = keys
        pay_http.mount(PAY_API_ORIGIN, WSGIAdapter(app, prefix=API_PREFIX))
        credentials = dict(mchid=keys.mchid, private_key_pem=keys.merchant_private_pem,
                           cert_serial_no=keys.merchant_cert_serial, apiv3_key=keys.apiv3_key,
                           public_key_pem=keys.platform_public_pem, public_key_id=keys.public_key_id)
    else:
        credentials = dict(mchid=app.config["WXPAY_MCHID"],
                           private_key_pem=_read_pem(app, "WXPAY_PRIVATE_KEY_PATH"),
                           cert_serial_no=app.config["WXPAY_CERT_SERIAL_NO"],
                           apiv3_key=app.config["WXPAY_APIV3_KEY"],
                           public_key_pem=_read_pem(app, "WXPAY_PUBLIC_KEY_PATH"),
                           public_key_id=app.config["WXPAY_PUBLIC_KEY_ID"])
    app.extensions["wechat_login"] = WeChatLogin(client)
    app.extensions["wechat_wxacodes"] = WxaCodes(client)
    app.extensions["wechat_pay"] = WeChatPayClient(
        appid=app.config["WECHAT_APPID"], notify_url=app.config["PUBLIC_BASE_URL"] + NOTIFY_PATH,
        http=pay_http, **credentials)


def _read_pem(app: Flask, name: str) -> str:
    try:
        return Path(app.config[name]).read_text()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {app.config[name]!r} ({exc.strerror})") from None


def wechat_login() -> WeChatLogin:
    return current_app.extensions["wechat_login"]


def wechat_wxacodes() -> WxaCodes:
    return current_app.extensions["wechat_wxacodes"]


def wechat_pay() -> WeChatPayClient:
    return current_app.extensions["wechat_pay"]
