"""Mini-program login: a wx.login code becomes an openid and a session key (jscode2session).

https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException

from app.wechat.exceptions import InvalidCode, WeChatError, WeChatUnreachable

log = logging.getLogger("diandian.wechat")

# 40029 invalid code, 40163 code already used, 40226 high-risk user blocked by WeChat.
INVALID_CODE_ERRCODES = frozenset({40029, 40163, 40226})


@dataclass(frozen=True)
class WxSession:
    openid: str
    session_key: str
    unionid: str | None = None

    def __repr__(self) -> str:  # keeps secrets out of tracebacks and logs
        return "WxSession(openid=<hidden>, session_key=<hidden>)"


class WeChatLogin:
    """Wraps wechatpy's `WeChatClient.wxa.code_to_session` behind our own exceptions."""

    def __init__(self, client: WeChatClient):
        self.client = client

    def code_to_session(self, code: str) -> WxSession:
        """:raise InvalidCode: WeChat refused the code. :raise WeChatUnreachable: no usable answer."""
        try:
            data = self.client.wxa.code_to_session(code)
        except WeChatClientException as exc:
            if exc.errcode in INVALID_CODE_ERRCODES:
                raise InvalidCode(exc.errcode, exc.errmsg) from None
            log.warning("jscode2session failed: errcode=%s", exc.errcode)
            if exc.errcode is None or exc.errcode == -1:
                raise WeChatUnreachable(exc.errcode, exc.errmsg) from None
            raise WeChatError(exc.errcode, exc.errmsg) from None
        except (requests.RequestException, ValueError) as exc:
            log.warning("jscode2session unreachable: %s", type(exc).__name__)
            raise WeChatUnreachable(None, type(exc).__name__) from None
        if not isinstance(data, dict) or not data.get("openid") or not data.get("session_key"):
            raise WeChatUnreachable(None, "jscode2session answered without openid")
        return WxSession(openid=data["openid"], session_key=data["session_key"], unionid=data.get("unionid"))
