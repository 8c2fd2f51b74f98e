"""Simulator of WeChat Pay API v3 (direct merchant, JSAPI/mini-program), sandbox mode only.

It speaks the real protocol, so the client code is the same in both modes:
- requests must carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,
  timestamp=…,serial_no=…` signed with the merchant key over `METHOD\\nPATH?QUERY\\nTS\\nNONCE\\nBODY\\n`
  (401 SIGN_ERROR otherwise) and `Wechatpay-Serial: <public key id>`;
- answers are signed with the platform key over `TS\\nNONCE\\nBODY\\n` (Wechatpay-* headers);
- notifications are AEAD_AES_256_GCM-encrypted under the APIv3 key and signed like answers.

Endpoints (in-process: under /sandbox/wechatpay-api of the service, where the sandbox transport sends
https://api.mch.weixin.qq.com; on the simulator server, app/sandbox/server.py: at their real paths):
POST /v3/pay/transactions/jsapi, GET /v3/pay/transactions/out-trade-no/{no}?mchid=,
GET /v3/pay/transactions/id/{id}?mchid=, POST /v3/pay/transactions/out-trade-no/{no}/close,
POST /v3/refund/domestic/refunds, GET /v3/refund/domestic/refunds/{out_refund_no}.
The guest's confirmation in the pay sheet is POST /sandbox/wechatpay/confirm (contract).
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import time
from datetime import datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from app.domain.china_time import china_now, to_china
from app.extensions import db
from app.models import SandboxPayRefund, SandboxPayTransaction
from app.models.base import as_utc, utcnow
from app.sandbox.keys import SandboxPayKeys

API_PREFIX = "/sandbox/wechatpay-api"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")

bp = Blueprint("sandbox_wechatpay_api", __name__, url_prefix=API_PREFIX)


# -- protocol primitives ----------------------------------------------------------------------------
def _keys() -> SandboxPayKeys:
    return current_app.extensions["wechatpay_sandbox_keys"]


def _mount_prefix() -> str:
    """Where the blueprint is mounted: the merchant signed the path without it."""
    return current_app.extensions.get("wechatpay_simulator_prefix", API_PREFIX)


@lru_cache(maxsize=8)
def _private_key(pem: str):
    # Parsing a PEM private key costs ~50 ms (key checks); signing with a loaded one ~1 ms.
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=8)
def _public_key(pem: str):
    return serialization.load_pem_public_key(pem.encode())


def rsa_sign(private_pem: str, message: str) -> str:
    key = _private_key(private_pem)
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(public_pem: str, message: str, signature_b64: str) -> bool:
    key = _public_key(public_pem)
    try:
        key.verify(base64.b64decode(signature_b64), message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError):
        return False


def signed_headers(keys: SandboxPayKeys, body: str) -> dict[str, str]:
    """The Wechatpay-* headers of an answer or a notification carrying `body`."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(keys.platform_private_pem, f"{timestamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": keys.public_key_id,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        "Request-ID": secrets.token_hex(16),
    }


def encrypt_resource(apiv3_key: str, plaintext: str, associated_data: str) -> dict:
    nonce = secrets.token_urlsafe(9)[:12]
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data, "nonce": nonce}


def _answer(status: int, payload: dict | None = None) -> Response:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
    headers = signed_headers(_keys(), body)
    if status >= 400:
        headers = {"Request-ID": headers["Request-ID"]}  # WeChat does not sign its error answers
    return Response(body, status=status, headers=headers, content_type="application/json; charset=utf-8")


def _error(status: int, code: str, message: str) -> Response:
    return _answer(status, {"code": code, "message": message})


def _authorised() -> Response | None:
    """Check the merchant's request signature exactly as WeChat Pay does; None when it verifies."""
    keys = _keys()
    header = request.headers.get("Authorization", "")
    scheme, _, params = header.partition(" ")
    fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
    if scheme != SIGNATURE_TYPE or not {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= set(fields):
        return _error(401, "SIGN_ERROR", "Authorization 头缺失或格式错误")
    if fields["mchid"] != keys.mchid or fields["serial_no"] != keys.merchant_cert_serial:
        return _error(401, "SIGN_ERROR", "商户号或证书序列号不匹配")
    if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) > 300:
        return _error(401, "SIGN_ERROR", "请求时间戳已过期")
    path = request.full_path if request.query_string else request.path
    path = path[len(_mount_prefix()):]
    body = request.get_data(as_text=True)
    message = f"{request.method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body}\n"
    if not rsa_verify(keys.merchant_public_pem, message, fields["signature"]):
        return _error(401, "SIGN_ERROR", "签名错误")
    if request.headers.get("Wechatpay-Serial") != keys.public_key_id:
        return _error(400, "PARAM_ERROR", "Wechatpay-Serial 与平台公钥 ID 不一致")
    return None


@bp.before_request
def _check_signature():
    return _authorised()


def transaction_json(tx: SandboxPayTransaction, *, amount_total: int | None = None) -> dict:
    """A v3 Transaction as query answers and notifications carry it."""
    out = {
        "appid": tx.appid, "mchid": tx.mchid, "out_trade_no": tx.out_trade_no,
        "trade_type": tx.trade_type or "JSAPI", "trade_state": _state(tx),
        "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭",
                             "REFUND": "转入退款"}.get(_state(tx), ""),
        "payer": {"openid": tx.payer_openid} if tx.payer_openid else {},
        "amount": {"total": amount_total if amount_total is not None else tx.amount_total,
                   "currency": "CNY", "payer_currency": "CNY"},
        "attach": "",
    }
    if tx.transaction_id:
        out["transaction_id"] = tx.transaction_id
        out["bank_type"] = "OTHERS"
        out["success_time"] = to_china(tx.success_time).isoformat(timespec="seconds")
        out["amount"]["payer_total"] = tx.payer_total
    return out


def _state(tx: SandboxPayTransaction) -> str:
    # An unpaid order past its time_expire can no longer be paid: WeChat reports it closed.
    if tx.trade_state == "NOTPAY" and tx.time_expire and as_utc(tx.time_expire) <= utcnow():
        return "CLOSED"
    return tx.trade_state


def _find(out_trade_no: str) -> SandboxPayTransaction | None:
    """The order's transaction (the first one: a second payment of the same order is a row of its own)."""
    return db.session.execute(
        select(SandboxPayTransaction).where(SandboxPayTransaction.out_trade_no == out_trade_no)
        .order_by(SandboxPayTransaction.id).limit(1)
    ).scalar_one_or_none()


def _by_transaction_id(transaction_id: str) -> SandboxPayTransaction | None:
    return db.session.execute(
        select(SandboxPayTransaction).where(SandboxPayTransaction.transaction_id == transaction_id)
    ).scalar_one_or_none()


# -- the v3 API ----------------------------------------------------------------------------------------
def _order_request(*, needs_payer: bool) -> tuple[dict, datetime | None] | Response:
    """The common checks of a JSAPI or Native order request: the parsed body and its time_expire."""
    keys = _keys()
    try:
        data = json.loads(request.get_data(as_text=True))
        amount = int(data["amount"]["total"])
        description, out_trade_no, notify_url = data["description"], data["out_trade_no"], data["notify_url"]
        if needs_payer:
            data["payer"]["openid"]
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "参数错误")
    if data.get("appid") != current_app.config["WECHAT_APPID"] or data.get("mchid") != keys.mchid:
        return _error(400, "PARAM_ERROR", "appid 和 mch_id 不匹配")
    if not OUT_TRADE_NO.fullmatch(out_trade_no) or not 1 <= len(description) <= 127 or amount <= 0:
        return _error(400, "PARAM_ERROR", "参数错误")
    if data["amount"].get("currency", "CNY") != "CNY" or not notify_url.startswith(("https://", "http://")):
        return _error(400, "PARAM_ERROR", "参数错误")
    time_expire = None
    if data.get("time_expire"):
        try:
            time_expire = datetime.fromisoformat(data["time_expire"])
        except ValueError:
            return _error(400, "PARAM_ERROR", "time_expire 格式错误")
    return data, time_expire


def _new_transaction(data: dict, time_expire: datetime | None, **fields) -> SandboxPayTransaction:
    tx = SandboxPayTransaction(
        prepay_id="wx" + china_now().strftime("%d%H%M%S") + secrets.token_hex(12),
        out_trade_no=data["out_trade_no"], appid=data["appid"], mchid=data["mchid"],
        description=data["description"], amount_total=int(data["amount"]["total"]), notify_url=data["notify_url"],
        time_expire=time_expire, **fields)
    db.session.add(tx)
    db.session.commit()
    return tx


def _repeat(existing: SandboxPayTransaction, amount: int, openid: str | None) -> Response | None:
    """WeChat's answer to a repeated out_trade_no: an error unless it is the same unpaid order."""
    if existing.trade_state != "NOTPAY":
        return _error(400, "ORDERPAID", "该订单已支付")
    if existing.amount_total != amount or existing.payer_openid != openid:
        return _error(400, "INVALID_REQUEST", "201 商户订单号重复")
    return None


@bp.post("/v3/pay/transactions/jsapi")
def jsapi():
    """JSAPI/mini-program order: answers {"prepay_id"}."""
    parsed = _order_request(needs_payer=True)
    if isinstance(parsed, Response):
        return parsed
    data, time_expire = parsed
    openid = data["payer"]["openid"]
    existing = _find(data["out_trade_no"])
    if existing is not None:
        repeated = _repeat(existing, int(data["amount"]["total"]), openid)
        return repeated or _answer(200, {"prepay_id": existing.prepay_id})
    tx = _new_transaction(data, time_expire, trade_type="JSAPI", payer_openid=openid)
    return _answer(200, {"prepay_id": tx.prepay_id})


@bp.post("/v3/pay/transactions/native")
def native():
    """Native order: answers {"code_url"}, the link a payer's WeChat opens when they scan its QR code."""
    parsed = _order_request(needs_payer=False)
    if isinstance(parsed, Response):
        return parsed
    data, time_expire = parsed
    existing = _find(data["out_trade_no"])
    if existing is not None:
        return _repeat(existing, int(data["amount"]["total"]), None) or _answer(200, {"code_url": existing.code_url})
    tx = _new_transaction(data, time_expire, trade_type="NATIVE", payer_openid=None,
                          code_url="weixin://wxpay/bizpayurl?pr=" + secrets.token_urlsafe(9))
    return _answer(200, {"code_url": tx.code_url})


@bp.get("/v3/pay/transactions/out-trade-no/<out_trade_no>")
def query_by_out_trade_no(out_trade_no: str):
    tx = _find(out_trade_no)
    if tx is None or request.args.get("mchid") != _keys().mchid:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    return _answer(200, transaction_json(tx))


@bp.get("/v3/pay/transactions/id/<transaction_id>")
def query_by_transaction_id(transaction_id: str):
    tx = _by_transaction_id(transaction_id)
    if tx is None or request.args.get("mchid") != _keys().mchid:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    return _answer(200, transaction_json(tx))


@bp.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
def close(out_trade_no: str):
    tx = _find(out_trade_no)
    if tx is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    if tx.trade_state in ("SUCCESS", "REFUND"):
        return _error(400, "ORDERPAID", "订单已支付")
    tx.trade_state = "CLOSED"
    db.session.commit()
    return _answer(204)


@bp.post("/v3/refund/domestic/refunds")
def refund():
    try:
        data = json.loads(request.get_data(as_text=True))
        out_refund_no = data["out_refund_no"]
        refund_fen, total_fen = int(data["amount"]["refund"]), int(data["amount"]["total"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "参数错误")
    done = db.session.execute(
        select(SandboxPayRefund).where(SandboxPayRefund.out_refund_no == out_refund_no)
    ).scalar_one_or_none()
    if done is not None:
        return _answer(200, _refund_json(done))
    # WeChat takes either the merchant's order number or its own transaction id.
    tx = _by_transaction_id(data["transaction_id"]) if data.get("transaction_id") else \
        _find(data.get("out_trade_no", ""))
    if tx is None or tx.trade_state not in ("SUCCESS", "REFUND"):
        return _error(404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付")
    if total_fen != tx.payer_total or refund_fen <= 0 or refund_fen > tx.payer_total - tx.refunded_fen:
        return _error(400, "INVALID_REQUEST", "退款金额错误")
    record = SandboxPayRefund(out_refund_no=out_refund_no, refund_id="50" + secrets.token_hex(14),
                              out_trade_no=tx.out_trade_no, refund_fen=refund_fen, total_fen=total_fen,
                              reason=(data.get("reason") or "")[:128], status="SUCCESS")
    tx.refunded_fen += refund_fen
    tx.trade_state = "REFUND"
    db.session.add(record)
    db.session.commit()
    return _answer(200, _refund_json(record))


@bp.get("/v3/refund/domestic/refunds/<out_refund_no>")
def query_refund(out_refund_no: str):
    record = db.session.execute(
        select(SandboxPayRefund).where(SandboxPayRefund.out_refund_no == out_refund_no)
    ).scalar_one_or_none()
    if record is None:
        return _error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return _answer(200, _refund_json(record))


def _refund_json(r: SandboxPayRefund) -> dict:
    created = to_china(r.created_at).isoformat(timespec="seconds")
    return {"refund_id": r.refund_id, "out_refund_no": r.out_refund_no, "out_trade_no": r.out_trade_no,
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "status": r.status,
            "create_time": created, "success_time": created,
            "amount": {"total": r.total_fen, "refund": r.refund_fen, "payer_total": r.total_fen,
                       "payer_refund": r.refund_fen, "currency": "CNY"}}
