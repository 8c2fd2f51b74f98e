"""The guest confirming payment in WeChat's pay sheet (contract: POST /sandbox/wechatpay/confirm).

The simulator records the transaction as paid, then delivers its signed, encrypted notification to the
order's notify_url `deliveries` times, as WeChat does when it retries, with the exact bytes and headers
of a real notification. In-process mode delivers through WSGI, so one synchronous worker suffices; the
simulator server (app/sandbox/server.py) POSTs it over HTTP to the notify_url of the prepay request, as
WeChat Pay does. With the simulator server, the service's own confirm route asks it over HTTP
(`confirm_payment`).
"""
from __future__ import annotations

import json
import secrets
from urllib.parse import urlsplit

import requests
from flask import current_app, g
from sqlalchemy import select

from app import sql_stats
from app.domain.china_time import china_now
from app.errors import AppError, NotFound, WeChatUnavailable
from app.extensions import db
from app.models import SandboxPayTransaction
from app.models.base import utcnow
from app.sandbox.wechatpay import _state, encrypt_resource, signed_headers, transaction_json
from app.wechat.transport import WSGIAdapter


class PrepayNotFound(NotFound):
    code = "prepay_not_found"


class PaymentClosed(AppError):
    status_code, code = 409, "payment_closed"


# Who "scans" a Native order's QR code in the sandbox: one fixed sandbox payer.
NATIVE_PAYER_OPENID = "o-sandbox-native-payer"
CONFIRM_PATH = "/sandbox/wechatpay/confirm"  # the same contract on the service and the simulator server
#: Delivery over HTTP: connect, then read (the service fulfils the order before it answers).
NOTIFY_TIMEOUT = (5, 30)
#: The status reported for a delivery the service never answered (refused, reset, timed out).
NO_ANSWER = 0


def confirm_payment(**data) -> tuple[str, list[int]]:
    """The service's pay sheet: the in-process simulator, or the simulator server over HTTP."""
    server = current_app.config.get("SANDBOX_SERVER_URL")
    return confirm(**data) if not server else confirm_remotely(server, data)


def confirm_remotely(server: str, data: dict) -> tuple[str, list[int]]:
    """Ask the simulator server to pay; its answer and errors as the in-process confirm gives them.

    :raise PrepayNotFound: :raise PaymentClosed: :raise WeChatUnavailable: no usable answer.
    """
    try:
        # The read waits for every delivery, each answered by the service after it fulfils the order.
        resp = requests.post(server + CONFIRM_PATH, json=data, timeout=(5, 30 + 30 * data["deliveries"]))
        body = resp.json()
    except (requests.RequestException, ValueError):
        raise WeChatUnavailable("the WeChat Pay simulator server cannot be reached") from None
    sql_stats.add_to_request(resp.headers.get(sql_stats.HEADER))  # the service's work on its deliveries
    if resp.status_code == 200 and isinstance(body, dict) and isinstance(body.get("deliveries"), list):
        return body["transaction_id"], [d.get("status", NO_ANSWER) for d in body["deliveries"]]
    code = ((body.get("error") or {}) if isinstance(body, dict) else {}).get("code")
    known = {PrepayNotFound.code: PrepayNotFound, PaymentClosed.code: PaymentClosed}
    if code in known:
        raise known[code](((body.get("error") or {}).get("message")) or None)
    raise WeChatUnavailable(f"the WeChat Pay simulator server answered {resp.status_code}")


def confirm(*, prepay_id: str | None = None, code_url: str | None = None, deliveries: int,
            amount_total: int | None, again: bool = False) -> tuple[str, list[int]]:
    """Pay the transaction (once) and deliver its notification. Returns (transaction_id, statuses).

    A JSAPI order is named by its prepay_id (the pay sheet); a Native order by its code_url (the QR
    code a payer scans). `again` on a paid order plays the payer being charged a second time for it
    (a second transaction of the same order, which the service must refund).
    :raise PrepayNotFound: unknown. :raise PaymentClosed: closed or expired.
    """
    column = SandboxPayTransaction.prepay_id if prepay_id else SandboxPayTransaction.code_url
    tx = db.session.execute(
        select(SandboxPayTransaction).where(column == (prepay_id or code_url))
    ).scalar_one_or_none()
    if tx is None:
        raise PrepayNotFound()
    if again and tx.trade_state in ("SUCCESS", "REFUND"):
        tx = _second_payment(tx)
    state = _state(tx)
    if state == "CLOSED":
        raise PaymentClosed("the order is closed or expired")
    if state == "NOTPAY":
        tx.trade_state = "SUCCESS"
        tx.transaction_id = "4200" + china_now().strftime("%Y%m%d") + "".join(
            secrets.choice("0123456789") for _ in range(16))
        tx.success_time = utcnow()
        tx.payer_total = tx.amount_total
        tx.payer_openid = tx.payer_openid or NATIVE_PAYER_OPENID
    transaction_id, notify_url = tx.transaction_id, tx.notify_url
    resource = transaction_json(tx, amount_total=amount_total)
    resource["trade_state"], resource["trade_state_desc"] = "SUCCESS", "支付成功"
    db.session.commit()  # the simulator's own record, before the service hears of it

    keys = current_app.extensions["wechatpay_sandbox_keys"]
    body = json.dumps({
        "id": "EV-" + secrets.token_hex(12),
        "create_time": china_now().isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {"original_type": "transaction",
                     **encrypt_resource(keys.apiv3_key, json.dumps(resource, ensure_ascii=False), "transaction")},
    }, ensure_ascii=False)
    return transaction_id, [deliver(notify_url, body) for _ in range(deliveries)]


def _second_payment(paid: SandboxPayTransaction) -> SandboxPayTransaction:
    """A second, unpaid transaction of the same order, paid just below like the first."""
    second = SandboxPayTransaction(
        prepay_id="wx2" + secrets.token_hex(15), out_trade_no=paid.out_trade_no, appid=paid.appid,
        mchid=paid.mchid, description=paid.description, amount_total=paid.amount_total,
        trade_type=paid.trade_type, payer_openid=paid.payer_openid, notify_url=paid.notify_url,
        trade_state="NOTPAY")
    db.session.add(second)
    db.session.flush()
    return second


def deliver(notify_url: str, body: str) -> int:
    """POST one notification to the service; returns the HTTP status it answered (0: none)."""
    headers = {"Content-Type": "application/json", "User-Agent": "Mozilla/4.0",
               **signed_headers(current_app.extensions["wechatpay_sandbox_keys"], body)}
    if current_app.extensions.get("wechatpay_simulator_delivery") == "http":
        try:
            resp = requests.post(notify_url, data=body.encode("utf-8"), headers=headers, timeout=NOTIFY_TIMEOUT)
        except requests.RequestException:
            return NO_ANSWER  # WeChat Pay would deliver again later; `flask reconcile` covers it
        # For the benchmarks: the service's work on the notification, told back on the pay sheet's answer.
        sql_stats.relay(g.setdefault("relayed_sql_stats", [0] * 6), resp.headers.get(sql_stats.HEADER))
        return resp.status_code
    # The service may sit under a path of PUBLIC_BASE_URL; in-process, its routes start at "/".
    parts = urlsplit(notify_url)
    base_path = urlsplit(current_app.config["PUBLIC_BASE_URL"]).path.rstrip("/")
    path = parts.path[len(base_path):] if base_path and parts.path.startswith(base_path) else parts.path
    url = parts._replace(path=path).geturl()
    prepared = requests.Request("POST", url, headers=headers, data=body.encode("utf-8")).prepare()
    return WSGIAdapter(current_app._get_current_object()).send(prepared).status_code
