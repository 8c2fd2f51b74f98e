"""WeChat integration. The rest of the app reaches WeChat only through these accessors.

Live mode talks to WeChat's hosts (WECHAT_API_BASE_URL, WECHATPAY_API_BASE_URL). Sandbox mode uses the
very same SDK clients: either aimed over HTTP at the simulator server through those base URLs, or (the
default) with an in-process transport to the simulators (app/sandbox/, which speak the same protocols)
mounted on their sessions by create_app. Nothing here knows the sandbox.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from wechatpy.client import WeChatClient
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from app.config import ConfigError
from app.wechat import http
from app.wechat.login import WeChatLogin
from app.wechat.pay import API_ORIGIN as PAY_API_ORIGIN
from app.wechat.pay import WeChatPayClient
from app.wechat.wxacode import WxaCodes

WECHAT_API_ORIGIN = "https://api.weixin.qq.com/"
NOTIFY_PATH = "/api/v1/pay/wechat/notify"


class _WeChatClient(WeChatClient):
    """wechatpy's client with its host configurable: 1.8.18 writes https://api.weixin.qq.com into the
    token URL and into WeChatWxa's own base, so both are set from `api_base` (no trailing slash). Its
    session is ours (app.wechat.http: the environment read once)."""

    def __init__(self, appid, secret, *, api_base: str, **kwargs):
        super().__init__(appid, secret, **kwargs)
        self._http = http.Session()
        self.api_base = api_base
        self.API_BASE_URL = f"{api_base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{api_base}/"

    def fetch_access_token(self):
        return self._fetch_access_token(url=f"{self.api_base}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


def init_wechat(app: Flask, *, transports: dict | None = None, pay_credentials: dict | None = None) -> None:
    """Build the WeChat clients. `transports` maps an origin (WECHAT_API_ORIGIN, PAY_API_ORIGIN) to a
    `requests` adapter mounted on the clients' sessions, and `pay_credentials` replaces the merchant's:
    create_app passes the in-process simulators and the sandbox keys (only the keys when the simulator
    server is reached over HTTP); live mode passes neither."""
    redis = app.extensions.get("redis")
    # The access_token is shared by every worker when Redis is there: WeChat invalidates the previous
    # token each time a new one is fetched.
    storage = RedisStorage(redis, prefix="diandian:wechatpy") if redis is not None else MemoryStorage()
    client = _WeChatClient(app.config["WECHAT_APPID"], app.config["WECHAT_SECRET"], session=storage, timeout=5,
                           api_base=app.config["WECHAT_API_BASE_URL"])
    pay_http = http.Session()
    for origin, adapter in (transports or {}).items():
        (pay_http if origin == PAY_API_ORIGIN else client._http).mount(origin, adapter)
    credentials = pay_credentials or dict(
        mchid=app.config["WXPAY_MCHID"], private_key_pem=_read_pem(app, "WXPAY_PRIVATE_KEY_PATH"),
        cert_serial_no=app.config["WXPAY_CERT_SERIAL_NO"], apiv3_key=app.config["WXPAY_APIV3_KEY"],
        public_key_pem=_read_pem(app, "WXPAY_PUBLIC_KEY_PATH"), public_key_id=app.config["WXPAY_PUBLIC_KEY_ID"])
    app.extensions["wechat_login"] = WeChatLogin(client)
    app.extensions["wechat_wxacodes"] = WxaCodes(client)
    app.extensions["wechat_pay"] = WeChatPayClient(
        appid=app.config["WECHAT_APPID"], notify_url=app.config["PUBLIC_BASE_URL"] + NOTIFY_PATH,
        http=pay_http, api_base=app.config["WECHATPAY_API_BASE_URL"], **credentials)


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
