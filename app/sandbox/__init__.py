"""Sandbox simulators of WeChat's servers (login API, WeChat Pay v3), wired in by create_app in sandbox mode.

They speak the real protocols, so app/wechat runs the same client code in both modes and never imports
this package. Two ways to reach them:
- in-process (the default): `install` builds the simulators, registers the Pay simulator's endpoints
  on the service and hands create_app the transports and merchant keys to give app.wechat.init_wechat;
- over HTTP (SANDBOX_SERVER_URL): the simulator server (app/sandbox/server.py, its own process and
  database) plays both hosts; `install` then only hands on the merchant's side of the shared keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from app.sandbox import keys as sandbox_keys
from app.sandbox.wechat_api import create_wechat_api_simulator
from app.sandbox.wechatpay import API_PREFIX
from app.sandbox.wechatpay import bp as wechatpay_api_bp
from app.wechat import WECHAT_API_ORIGIN
from app.wechat.pay import API_ORIGIN as PAY_API_ORIGIN
from app.wechat.transport import WSGIAdapter


@dataclass(frozen=True)
class Wiring:
    transports: dict
    pay_credentials: dict


def install(app: Flask) -> Wiring:
    """Simulators for both WeChat hosts, reached in-process (one sync worker never waits on itself), or
    only the merchant's keys when SANDBOX_SERVER_URL names the simulator server."""
    keys = sandbox_keys.load_or_create(Path(app.config["SANDBOX_KEYS_DIR"]))
    # The merchant's half, and what verifies and decrypts WeChat Pay's side (as a real merchant holds).
    credentials = dict(mchid=keys.mchid, private_key_pem=keys.merchant_private_pem,
                       cert_serial_no=keys.merchant_cert_serial, apiv3_key=keys.apiv3_key,
                       public_key_pem=keys.platform_public_pem, public_key_id=keys.public_key_id)
    if app.config.get("SANDBOX_SERVER_URL"):
        return Wiring(transports={}, pay_credentials=credentials)
    simulator = create_wechat_api_simulator(appid=app.config["WECHAT_APPID"], secret=app.config["WECHAT_SECRET"])
    app.extensions["wechat_api_simulator"] = simulator
    app.extensions["wechatpay_sandbox_keys"] = keys
    app.register_blueprint(wechatpay_api_bp)
    return Wiring(
        transports={WECHAT_API_ORIGIN: WSGIAdapter(simulator), PAY_API_ORIGIN: WSGIAdapter(app, prefix=API_PREFIX)},
        pay_credentials=credentials,
    )
