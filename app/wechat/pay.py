"""WeChat Pay API v3 for mini-programs (JSAPI), through wechatpayv3 in platform public-key mode.

Order: https://pay.weixin.qq.com/docs/merchant/apis/mini-program-payment/mini-prepay.html
Query / close: https://pay.weixin.qq.com/docs/merchant/apis/mini-program-payment/query-by-out-trade-no.html
Refund: https://pay.weixin.qq.com/docs/merchant/apis/refund/refunds/create.html
Notifications: https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-verification.html

The SDK answers `(status, text)` tuples and raises bare `Exception`s; this wrapper turns them into our
types. It sends every request to `api_base` through the `requests.Session` the client was built with
(live: plain HTTPS to WeChat Pay; sandbox: HTTP to the simulator server, or the in-process WSGI transport
to the simulator), see `_SessionRouter`.
"""
from __future__ import annotations

import contextvars
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import requests
import wechatpayv3.core
from wechatpayv3 import WeChatPay, WeChatPayType

from app.wechat.exceptions import WeChatError, WeChatUnreachable

log = logging.getLogger("diandian.wechatpay")

API_ORIGIN = "https://api.mch.weixin.qq.com/"
NOTIFY_MAX_SKEW = 300  # seconds: the official SDKs refuse older or newer signatures

_session: contextvars.ContextVar[requests.Session | None] = contextvars.ContextVar("wechatpay_session",
                                                                                   default=None)


class _SessionRouter:
    """Stands in for the `requests` module inside wechatpayv3.core, which calls requests.get/post/...
    directly. Each call goes through the Session of the WeChatPayClient making it."""

    def _send(self, method: str, url: str, **kwargs):
        session = _session.get()
        return session.request(method, url, **kwargs) if session else requests.request(method, url, **kwargs)

    def get(self, url, **kwargs):
        return self._send("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self._send("POST", url, **kwargs)

    def put(self, url, **kwargs):
        return self._send("PUT", url, **kwargs)

    def patch(self, url, **kwargs):
        return self._send("PATCH", url, **kwargs)

    def delete(self, url, **kwargs):
        return self._send("DELETE", url, **kwargs)


wechatpayv3.core.requests = _SessionRouter()


class PayError(WeChatError):
    """WeChat Pay refused the request (4xx/5xx with {"code", "message"})."""

    def __init__(self, status: int, code: str | None, message: str | None):
        super().__init__(code, message)
        self.status = status
        self.code = code


class InvalidNotification(Exception):
    """A notification that is not provably from WeChat Pay: bad signature, stale, undecryptable."""


@dataclass(frozen=True)
class Transaction:
    """The fields of a v3 transaction we act on (query answer or decrypted notification)."""

    appid: str | None
    mchid: str | None
    out_trade_no: str
    transaction_id: str | None
    trade_state: str
    amount_total: int | None
    payer_total: int | None
    currency: str | None
    success_time: str | None

    @classmethod
    def from_json(cls, data: dict) -> Transaction:
        amount = data.get("amount") or {}
        return cls(
            appid=data.get("appid"),
            mchid=data.get("mchid"),
            out_trade_no=data.get("out_trade_no") or "",
            transaction_id=data.get("transaction_id"),
            trade_state=data.get("trade_state") or "",
            amount_total=amount.get("total"),
            payer_total=amount.get("payer_total"),
            currency=amount.get("currency"),
            success_time=data.get("success_time"),
        )


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str
    transaction: Transaction | None


@dataclass(frozen=True)
class Refund:
    out_refund_no: str
    refund_id: str | None
    status: str


class WeChatPayClient:
    def __init__(self, *, appid: str, mchid: str, private_key_pem: str, cert_serial_no: str, apiv3_key: str,
                 public_key_pem: str, public_key_id: str, notify_url: str, http: requests.Session,
                 api_base: str = API_ORIGIN.rstrip("/")):
        self.appid = appid
        self.mchid = mchid
        self.notify_url = notify_url
        self.http = http
        self._pay = WeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG,
            mchid=mchid,
            private_key=private_key_pem,
            cert_serial_no=cert_serial_no,
            appid=appid,
            apiv3_key=apiv3_key,
            notify_url=notify_url,
            public_key=public_key_pem,
            public_key_id=public_key_id,
            timeout=(5, 10),
        )
        # The SDK has no setting for its host; it signs the path alone, so a base URL with a path of its
        # own would not verify: the base is an origin (WeChat Pay's, or the simulator server's).
        self._pay._core._gate_way = api_base.rstrip("/")

    # -- requests -------------------------------------------------------------------------------
    def _call(self, fn, *args, **kwargs) -> tuple[int, str | bytes]:
        token = _session.set(self.http)
        try:
            return fn(*args, **kwargs)
        except requests.RequestException as exc:
            raise WeChatUnreachable(None, type(exc).__name__) from None
        except Exception as exc:  # the SDK raises bare Exception, e.g. on a bad answer signature
            log.warning("wechatpay call failed: %s", exc)
            raise WeChatUnreachable(None, "invalid answer") from None
        finally:
            _session.reset(token)

    @staticmethod
    def _json(status: int, text) -> dict:
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return {}

    def _check(self, status: int, text) -> dict:
        body = self._json(status, text)
        if 200 <= status < 300:
            return body
        if status >= 500 or status == 429:
            raise WeChatUnreachable(status, body.get("code"))
        raise PayError(status, body.get("code"), body.get("message"))

    def prepay(self, *, out_trade_no: str, description: str, amount_fen: int, openid: str,
               time_expire: datetime) -> str:
        """JSAPI order; returns the prepay_id. :raise PayError: refused. :raise WeChatUnreachable:"""
        status, text = self._call(
            self._pay.pay,
            description=description[:127],
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            payer={"openid": openid},
            time_expire=time_expire.isoformat(timespec="seconds"),
        )
        prepay_id = self._check(status, text).get("prepay_id")
        if not prepay_id:
            raise WeChatUnreachable(status, "no prepay_id")
        return prepay_id

    def prepay_native(self, *, out_trade_no: str, description: str, amount_fen: int, time_expire: datetime) -> str:
        """Native order: returns the code_url (weixin://wxpay/bizpayurl?pr=...) a payer scans with WeChat.

        For payers outside the mini-program, e.g. an organiser paying an event top-up from the console.
        :raise PayError: refused. :raise WeChatUnreachable:
        """
        status, text = self._call(
            self._pay.pay,
            description=description[:127],
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            time_expire=time_expire.isoformat(timespec="seconds"),
            pay_type=WeChatPayType.NATIVE,
        )
        code_url = self._check(status, text).get("code_url")
        if not code_url:
            raise WeChatUnreachable(status, "no code_url")
        return code_url

    def request_payment_params(self, prepay_id: str) -> dict:
        """The signed parameters of wx.requestPayment (paySign over appId, timeStamp, nonceStr, package)."""
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        pay_sign = self._pay.sign([self.appid, timestamp, nonce, package])
        return {"timeStamp": timestamp, "nonceStr": nonce, "package": package, "signType": "RSA",
                "paySign": pay_sign}

    def query(self, out_trade_no: str) -> Transaction | None:
        """The transaction as WeChat Pay sees it; None when WeChat Pay has no such order."""
        status, text = self._call(self._pay.query, out_trade_no=out_trade_no)
        if status == 404:
            return None
        return Transaction.from_json(self._check(status, text))

    def query_transaction(self, transaction_id: str) -> Transaction | None:
        """A transaction by WeChat Pay's own id; None when WeChat Pay has no such transaction for us."""
        status, text = self._call(self._pay.query, transaction_id=transaction_id)
        if status == 404:
            return None
        return Transaction.from_json(self._check(status, text))

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid order so it can no longer be paid. :raise PayError: e.g. ORDERPAID."""
        status, text = self._call(self._pay.close, out_trade_no=out_trade_no)
        self._check(status, text)

    def refund(self, *, out_refund_no: str, refund_fen: int, total_fen: int, reason: str,
               out_trade_no: str | None = None, transaction_id: str | None = None) -> Refund:
        """Refund a payment, named by our out_trade_no or by WeChat Pay's transaction id (a second
        payment of one order has only the latter). :raise PayError: :raise WeChatUnreachable:"""
        status, text = self._call(
            self._pay.refund,
            out_refund_no=out_refund_no,
            transaction_id=transaction_id,
            out_trade_no=None if transaction_id else out_trade_no,
            amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            reason=reason[:80],
        )
        body = self._check(status, text)
        return Refund(out_refund_no=body.get("out_refund_no", out_refund_no), refund_id=body.get("refund_id"),
                      status=body.get("status", "PROCESSING"))

    # -- notifications ------------------------------------------------------------------------------
    def parse_notification(self, headers, body: bytes, *, now: float | None = None) -> Notification:
        """Verify the signature on the raw body, refuse stale timestamps, decrypt the resource.

        :raise InvalidNotification:
        """
        try:
            timestamp = int(headers.get("Wechatpay-Timestamp", ""))
        except ValueError:
            raise InvalidNotification("missing or malformed Wechatpay-Timestamp") from None
        if abs((now or time.time()) - timestamp) > NOTIFY_MAX_SKEW:
            raise InvalidNotification("timestamp outside the 5-minute window")
        try:
            text = body.decode("utf-8")
            data = self._pay.callback(headers, text)
        except Exception as exc:  # the SDK raises on an unknown signature type or a malformed body
            raise InvalidNotification(f"unverifiable: {type(exc).__name__}") from None
        if not data:
            raise InvalidNotification("signature or decryption failed")
        resource = data.get("resource")
        transaction = None
        if data.get("event_type", "").startswith("TRANSACTION.") and isinstance(resource, dict):
            transaction = Transaction.from_json(resource)
        return Notification(id=str(data.get("id", "")), event_type=str(data.get("event_type", "")),
                            transaction=transaction)
