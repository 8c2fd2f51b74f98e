"""Simulator of the WeChat server API used by the mini-program backend (api.weixin.qq.com).

Implements GET /cgi-bin/token and GET /sns/jscode2session with WeChat's parameters, answers and error
codes, so wechatpy runs its real code path against it. Sandbox rules from the contract: a code
`sandbox-<anything>` logs in the user that belongs to `<anything>`; the same code again gives the same
user (real codes are single-use; sandbox codes are reusable on purpose). Any other code is 40029.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import secrets
import time

import qrcode
from flask import Flask, jsonify, request

TOKEN_TTL = 7200
SCENE_CHARS = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@._~-]+$")


def sandbox_openid(secret: str, anything: str) -> str:
    """Stable 28-character openid for a sandbox identity, like WeChat's `o...` ids."""
    digest = hmac.new(secret.encode(), f"openid:{anything}".encode(), hashlib.sha256).digest()
    return "o" + base64.urlsafe_b64encode(digest).decode()[:27]


def create_wechat_api_simulator(*, appid: str, secret: str) -> Flask:
    """The simulator as a WSGI app of its own (in-process mode mounts it on the SDK's session)."""
    sim = Flask("wechat_api_simulator")
    register_wechat_api(sim, appid=appid, secret=secret)

    @sim.errorhandler(404)
    def _not_found(_e):
        return wechat_error(40066, "invalid url")

    return sim


def wechat_error(errcode: int, errmsg: str):
    # WeChat answers errors with HTTP 200 and an errcode in the body.
    return jsonify({"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(4)}"})


def register_wechat_api(sim: Flask, *, appid: str, secret: str) -> None:
    """WeChat's paths (/cgi-bin, /sns, /wxa) on `sim`: the in-process simulator's, or the server's."""
    _error = wechat_error

    def _sign(text: str) -> str:
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:32]

    def _issue_token() -> str:
        expires = int(time.time()) + TOKEN_TTL
        return f"SBX_{expires}_{_sign(f'token:{appid}:{expires}')}"

    def token_is_valid(token: str | None) -> bool:
        try:
            prefix, expires, mac = (token or "").split("_")
        except ValueError:
            return False
        return (prefix == "SBX" and expires.isdigit() and int(expires) > time.time()
                and hmac.compare_digest(mac, _sign(f"token:{appid}:{expires}")))

    sim.config["token_is_valid"] = token_is_valid

    def _credentials_error(grant_type: str):
        """WeChat's checks, in WeChat's order, of the app credentials both calls carry."""
        args = request.args
        if args.get("grant_type") != grant_type:
            return _error(40002, "invalid grant_type")
        if args.get("appid") != appid:
            return _error(40013, "invalid appid")
        if not hmac.compare_digest(args.get("secret", ""), secret):
            return _error(40125, "invalid appsecret")
        return None

    @sim.get("/cgi-bin/token")
    def token():
        return _credentials_error("client_credential") or jsonify(
            {"access_token": _issue_token(), "expires_in": TOKEN_TTL})

    @sim.get("/sns/jscode2session")
    def jscode2session():
        refused = _credentials_error("authorization_code")
        if refused:
            return refused
        code = request.args.get("js_code", "")
        if not code:
            return _error(41008, "missing code")
        if not code.startswith("sandbox-") or len(code) <= len("sandbox-") or len(code) > 128:
            return _error(40029, "invalid code")
        anything = code[len("sandbox-"):]
        return jsonify({
            "openid": sandbox_openid(secret, anything),
            # WeChat rotates the session key on every login; so does the sandbox.
            "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
        })

    @sim.post("/wxa/getwxacodeunlimit")
    def getwxacodeunlimit():
        """A generated stand-in for the mini-program code: a QR of the scene (image bytes, as WeChat)."""
        if not token_is_valid(request.args.get("access_token")):
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        try:  # WeChat reads the body as JSON whatever the Content-Type (wechatpy sends none)
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        scene = body.get("scene", "")
        if not isinstance(scene, str) or not 1 <= len(scene) <= 32 or not SCENE_CHARS.fullmatch(scene):
            return _error(40169, "invalid length for scene, or the data is not json string")
        width = body.get("width", 430)
        if not isinstance(width, int) or not 280 <= width <= 1280:
            return _error(40159, "invalid width")
        image = qrcode.make(f"wxacode:{body.get('page') or ''}?scene={scene}", border=2).get_image()
        image = image.convert("RGB").resize((width, width))
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue(), 200, {"Content-Type": "image/png"}
