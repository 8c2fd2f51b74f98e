"""Our own WeChat error types: services catch these, never SDK or `requests` exceptions."""
from __future__ import annotations


class WeChatError(Exception):
    """WeChat answered with an error code (errcode/errmsg as WeChat sent them)."""

    def __init__(self, errcode: int | None, errmsg: str | None):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class InvalidCode(WeChatError):
    """The wx.login code is unknown, used or expired (40029, 40163) or the user is blocked (40226)."""


class WeChatUnreachable(WeChatError):
    """No usable answer: network failure, timeout, 5xx or system busy (-1)."""
