"""Mini-program codes for posters: getwxacodeunlimit (scene up to 32 characters).

https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html
The API answers image bytes on success and JSON on error; wechatpy passes non-JSON answers through as
the raw response, and raises on an errcode.
"""
from __future__ import annotations

import requests
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException

from app.wechat.exceptions import WeChatError, WeChatUnreachable

GUEST_PAGE = "pages/scenario/index"


class WxaCodes:
    def __init__(self, client: WeChatClient):
        self.client = client

    def unlimited(self, scene: str, *, page: str = GUEST_PAGE, width: int = 1280) -> bytes:
        """PNG bytes of the code that opens `page` with `scene`. :raise WeChatError: :raise WeChatUnreachable:"""
        try:
            # 1.8.18's helper cannot send check_path; the documented body goes through the API object.
            res = self.client.wxa._post("wxa/getwxacodeunlimit", data={
                "scene": scene, "page": page, "width": width, "check_path": False})
        except WeChatClientException as exc:
            raise WeChatError(exc.errcode, exc.errmsg) from None
        except requests.RequestException as exc:
            raise WeChatUnreachable(None, type(exc).__name__) from None
        content = getattr(res, "content", None)
        if not content or not content.startswith(b"\x89PNG"):
            raise WeChatUnreachable(None, "getwxacodeunlimit answered no image")
        return content
