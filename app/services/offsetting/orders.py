"""Orders: price a footprint's kilograms, hold them, and open the WeChat Pay transaction.

An order holds its kilograms from creation until it is paid or expires (ORDER_TTL_SECONDS, sent to
WeChat Pay as time_expire), so a paid order always finds its credits. The hold is one conditional
update of one of the project's stock rows (services/offsetting/stock.py), so guests ordering from one
project at the same moment do not queue on it; the WeChat call happens after that commit, so no lock is
held across the network.

Stock cannot be hoarded: an order takes its footprint's kilograms, rounded up at most to the next whole
tonne (a guest may retire whole credits); a guest has at most ORDER_MAX_OPEN open orders, one per
footprint (a new order for the same footprint replaces the open one), holding at most
ORDER_MAX_HELD_KG in all; and a guest cancels an unpaid order, which closes it at WeChat Pay and frees
its kilograms at once.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import string
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.china_time import china_now, to_china
from app.domain.money import KG_PER_TONNE, minimum_kg, price_fen
from app.errors import AppError, FootprintNotFound, InvalidInput, NotFound, TokenInvalid, WeChatUnavailable
from app.extensions import db, own_transaction
from app.i18n import coded
from app.models import Certificate, Footprint, Order, Project, User
from app.models.base import utcnow
from app.services.locks import lock_for_write
from app.services.offsetting import projects as project_service
from app.services.offsetting import stock
from app.wechat import wechat_pay
from app.wechat.exceptions import WeChatError
from app.wechat.pay import PayError

MAX_ORDER_KG = 1_000_000  # any order, an organiser's top-up included


class OrderNotFound(NotFound):
    code = "order_not_found"


class InsufficientCredits(AppError):
    status_code, code = 409, "insufficient_credits"


class ProjectNotOffered(InvalidInput):
    pass


class TooManyOpenOrders(AppError):
    status_code, code = 409, "too_many_open_orders"


class HoldLimitReached(AppError):
    status_code, code = 409, "hold_limit_reached"


class IdempotencyKeyReused(AppError):
    status_code, code = 422, "idempotency_key_reused"


class OrderNotCancellable(AppError):
    status_code, code = 409, "order_not_cancellable"


# What the order's path reads, built once (parameters bound at execution). First, in one statement: the
# footprint (only what the order takes, not its inputs and line items, two JSON documents) and the project
# asked for, with whether the footprint's scenario offers it (no project row when the code is unknown), and
# the id of the guest's order that already has this Idempotency-Key (NULL for a new key, or none sent):
# a fresh order costs no read of its own for the key, a replay reads its order after.
_REPLAYED_ID = (select(Order.id).where(Order.user_id == bindparam("user_id"),
                                       Order.idempotency_key == bindparam("key")).scalar_subquery())
_FOOTPRINT_AND_PROJECT = (
    select(Footprint.id, Footprint.user_id, Footprint.scenario_id, Footprint.total_kg, Project,
           project_service.offered_in(Footprint.scenario_id).label("offered"), _REPLAYED_ID.label("replayed_id"))
    .select_from(Footprint).outerjoin(Project, Project.code == bindparam("project_code"))
    .where(Footprint.id == bindparam("footprint_id")))
_LOCK_GUEST = select(User).where(User.id == bindparam("user_id")).with_for_update()
# Neither needs the project its model joins by default (a replayed order's view loads it when it reads it):
# the rows are nearly always none, but every column costs the driver and the ORM all the same.
_LOCK_OPEN_ORDERS = (select(Order).where(Order.user_id == bindparam("user_id"), Order.status == "pending",
                                         Order.expires_at > bindparam("now")).with_for_update(of=Order)
                     .options(lazyload(Order.project)))
_BY_IDEMPOTENCY_KEY = (select(Order).where(Order.user_id == bindparam("user_id"),
                                           Order.idempotency_key == bindparam("key"))
                       .options(lazyload(Order.project)))
# What an order's view shows (schemas.offsetting.orders.OrderSchema), in the statement that reads it: the
# order's own columns, its project's code, its certificate's serial and status. Not the project's owner,
# the certificate's scenario, project and claims that their models join by default: every column costs
# the driver and the ORM on every read. What is left out raises when read, rather than loading unseen.
_VIEW = (load_only(Order.id, Order.user_id, Order.out_trade_no, Order.status, Order.kg, Order.amount_fen,
                   Order.project_id, Order.footprint_id, Order.beneficiary, Order.organization_name,
                   Order.created_at, Order.expires_at, Order.paid_at, raiseload=True),
         joinedload(Order.project).load_only(Project.code, raiseload=True).raiseload("*"),
         joinedload(Order.certificate).load_only(Certificate.serial, Certificate.status, raiseload=True)
         .raiseload("*"))
_ORDER_VIEW = own_transaction(select(Order).where(Order.id == bindparam("order_id")).options(*_VIEW))
# The prepay_id, once WeChat Pay has answered: the order's hold is committed already, so this one UPDATE is
# a transaction of its own (no unit of work, no BEGIN and COMMIT on PostgreSQL).
_SET_PREPAY_ID = own_transaction(update(Order.__table__).where(Order.__table__.c.id == bindparam("order_id"))
                                 .values(prepay_id=bindparam("new_prepay_id")))


def largest_kg(least: int) -> int:
    """The most one order may take for a footprint of `least` kg: rounded up to a whole tonne."""
    return -(-least // KG_PER_TONNE) * KG_PER_TONNE


def _fingerprint(**request) -> str:
    """What an Idempotency-Key promises: the same key always means the same request."""
    return hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def new_out_trade_no() -> str:
    """`DD` + date + 18 random characters: 28 of WeChat's allowed [0-9A-Za-z_-|*], unguessable."""
    alphabet = string.ascii_uppercase + string.digits
    return "DD" + china_now().strftime("%Y%m%d") + "".join(secrets.choice(alphabet) for _ in range(18))


def create_order(user_id: int, **request) -> tuple[Order, dict | None, bool]:
    """Create (or, for a repeated Idempotency-Key, return) the guest's order, with fresh
    wx.requestPayment parameters while it can be paid. Returns (order, payment, created)."""
    order, created = _create_order(user_id, **request)
    return order, payment_params(order), created


def _create_order(user_id: int, *, footprint_id: str, project_code: str, kg: int | None = None,
                  beneficiary: str | None = None, organization_name: str | None = None,
                  idempotency_key: str | None = None, lang: str | None = None) -> tuple[Order, bool]:
    """Returns (order, created).

    :raise FootprintNotFound: unknown, or another guest's. :raise ProjectNotFound:
    :raise InvalidInput: kg outside the footprint's bounds, project not offered here.
    :raise IdempotencyKeyReused: the key came with another request before.
    :raise TooManyOpenOrders: :raise HoldLimitReached:
    :raise InsufficientCredits: not enough unheld kilograms. :raise WeChatUnavailable: no prepay_id.
    """
    fingerprint = _fingerprint(footprint_id=footprint_id, project=project_code, kg=kg, beneficiary=beneficiary,
                               organization=organization_name)
    footprint = db.session.execute(_FOOTPRINT_AND_PROJECT, {
        "footprint_id": footprint_id, "project_code": project_code, "user_id": user_id, "key": idempotency_key,
    }).one_or_none() if len(footprint_id) <= 32 else None
    # A key seen before answers with its order, whatever the footprint has become (when no footprint row
    # came back, the key is looked up on its own: the rare path).
    if idempotency_key and (footprint is None or footprint.replayed_id is not None):
        existing = _by_idempotency_key(user_id, idempotency_key)
        if existing is not None:
            return _replayed(existing, fingerprint), False
    if footprint is None or footprint.user_id not in (None, user_id):
        raise FootprintNotFound()
    project, offered = footprint.Project, footprint.offered
    if project is None or not project.active:
        raise project_service.ProjectNotFound()
    if not offered:
        raise ProjectNotOffered(fields={"project": ["This project is not offered for the footprint's scenario."]})
    least = minimum_kg(footprint.total_kg)
    kg = least if kg is None else kg
    if kg < least:
        raise InvalidInput(fields={"kg": [coded("At least the footprint's {kg} kg.", "kg_too_small", kg=least)]})
    if kg > min(largest_kg(least), MAX_ORDER_KG):
        raise InvalidInput(fields={"kg": [coded("At most {kg} kg for this footprint.", "kg_too_large",
                                                  kg=min(largest_kg(least), MAX_ORDER_KG))]})

    order = new_order(project, kg, kind="guest", user_id=user_id, footprint_id=footprint.id,
                      scenario_id=footprint.scenario_id, beneficiary=beneficiary,
                      organization_name=organization_name, idempotency_key=idempotency_key, lang=lang,
                      idempotency_fingerprint=fingerprint if idempotency_key else None)
    try:
        replaced, user = hold(order, project, guest_id=user_id)
    except IntegrityError:
        db.session.rollback()
        existing = idempotency_key and _by_idempotency_key(user_id, idempotency_key)
        if existing:
            return _replayed(existing, fingerprint), False  # the same key raced in from a double tap
        raise
    for old in replaced:
        _close_at_wechat(old)

    try:
        prepay_id = wechat_pay().prepay(
            out_trade_no=order.out_trade_no, description=f"碳中和 {kg} kg · {project.name}"[:127],
            amount_fen=order.amount_fen, openid=user.openid, time_expire=to_china(order.expires_at))
    except WeChatError as exc:
        close(order)
        db.session.commit()
        raise WeChatUnavailable(f"prepay failed: {exc.errcode}") from None
    db.session.execute(_SET_PREPAY_ID, {"order_id": order.id, "new_prepay_id": prepay_id})
    set_committed_value(order, "prepay_id", prepay_id)  # written: the view shows it, no flush writes it again
    db.session.commit()
    return order, True


def new_order(project: Project, kg: int, **fields) -> Order:
    """A pending order for `kg` of `project` at today's price, to be added by hold().

    It starts with its project and no certificate, so its views read both without a query.
    """
    return Order(
        id="od_" + secrets.token_urlsafe(15), out_trade_no=new_out_trade_no(), project=project,
        project_id=project.id, certificate=None,
        kg=kg,
        price_fen_per_tonne=project.price_fen_per_tonne, amount_fen=price_fen(kg, project.price_fen_per_tonne),
        status="pending", expires_at=utcnow() + timedelta(seconds=current_app.config["ORDER_TTL_SECONDS"]),
        **fields)


def hold(order: Order, project: Project, also: tuple = (),
         guest_id: int | None = None) -> tuple[list[Order], User | None]:
    """Commit `order`: its kilograms are held, visible to every other order before WeChat is called.

    The hold is a conditional update of one of the project's stock rows, so two orders can never hold
    the same kilograms; rows in `also` (which refer to the order) commit with it. For a guest's order,
    the guest's row is read and locked (returned, with what follows) and their open orders counted: the
    open order of the same footprint is closed (returned, for the caller to close at WeChat Pay after the
    commit), and the guest's limits are checked on what stays open. Lock order everywhere: the guest,
    their orders, then stock rows. Returns (replaced orders, the guest's row or None).
    :raise InsufficientCredits: :raise TooManyOpenOrders: :raise HoldLimitReached:
    :raise TokenInvalid: the guest's row is gone. :raise IntegrityError: (the caller decides)
    """
    lock_for_write()
    replaced: list[Order] = []
    guest = None
    if guest_id is not None:
        guest = db.session.execute(_LOCK_GUEST, {"user_id": guest_id}).scalar()
        if guest is None:
            db.session.rollback()
            raise TokenInvalid()
        open_orders = db.session.execute(_LOCK_OPEN_ORDERS, {"user_id": guest_id, "now": utcnow()}).scalars().all()
        replaced = [o for o in open_orders if o.footprint_id == order.footprint_id]
        kept = [o for o in open_orders if o.footprint_id != order.footprint_id]
        config = current_app.config
        if len(kept) >= config["ORDER_MAX_OPEN"]:
            db.session.rollback()
            raise TooManyOpenOrders(f"at most {config['ORDER_MAX_OPEN']} open orders: pay or cancel one first")
        if sum(o.kg for o in kept) + order.kg > config["ORDER_MAX_HELD_KG"]:
            db.session.rollback()
            raise HoldLimitReached(f"at most {config['ORDER_MAX_HELD_KG']} kg held by one guest's open orders")
        for old in replaced:
            close(old)  # frees its hold in this same transaction
    try:
        stock.hold(order)
    except stock.InsufficientStock:
        db.session.rollback()
        raise InsufficientCredits(f"{project.code} cannot hold {order.kg} kg now") from None
    db.session.add(order)
    db.session.flush()
    db.session.add_all(also)
    db.session.commit()
    return replaced, guest


def close(order: Order) -> None:
    """Close a pending order and give its held kilograms back. The caller holds the order's row lock (or
    just created it) and commits."""
    stock.release_hold(order)
    order.mark_closed()


def cancel_order(user_id: int, order_id: str) -> Order:
    """The guest gives up an unpaid order: closed at WeChat Pay first (so it can no longer be paid), then
    here, which frees its kilograms at once. Cancelling a closed order again changes nothing.

    :raise OrderNotFound: :raise OrderNotCancellable: paid (or being paid at this moment).
    :raise WeChatUnavailable:
    """
    order = get_order(user_id, order_id)  # its view's columns: the lock below re-reads the whole row
    if order.status == "closed":
        return order
    if order.status != "pending":
        raise OrderNotCancellable(f"order {order.id} is {order.status}")
    try:
        wechat_pay().close(order.out_trade_no)
    except PayError as exc:
        if exc.code == "ORDERPAID":
            raise OrderNotCancellable("already paid: the payment is being confirmed") from None
        if exc.code != "ORDER_NOT_EXIST":
            raise WeChatUnavailable(f"close failed: {exc.code}") from None
    except WeChatError as exc:
        raise WeChatUnavailable(f"close failed: {exc.errcode}") from None
    lock_for_write()
    order = db.session.execute(select(Order).where(Order.id == order.id).with_for_update(of=Order)
                               .execution_options(populate_existing=True)).scalar_one()
    if order.status == "pending":
        close(order)
        db.session.commit()
    else:
        db.session.rollback()
        if order.status != "closed":
            raise OrderNotCancellable(f"order {order.id} is {order.status}")
    return order


def _close_at_wechat(order: Order) -> None:
    """An order replaced by a newer one of the same footprint is closed here already; close it at WeChat
    Pay too, so it cannot be paid. A failure is harmless: a late payment is filled from unheld stock or
    refunded (services.offsetting.payments), and reconcile closes what WeChat still holds open."""
    try:
        wechat_pay().close(order.out_trade_no)
    except WeChatError:
        pass


def _replayed(order: Order, fingerprint: str) -> Order:
    """The order a repeated Idempotency-Key names, if the request is the same one.

    :raise IdempotencyKeyReused:"""
    if order.idempotency_fingerprint and order.idempotency_fingerprint != fingerprint:
        raise IdempotencyKeyReused("this Idempotency-Key was used for another order request")
    order.project  # noqa: B018  (its view shows the project: read here, not while the schema dumps)
    return order


def _by_idempotency_key(user_id: int, key: str) -> Order | None:
    return db.session.execute(_BY_IDEMPOTENCY_KEY, {"user_id": user_id, "key": key}).scalar_one_or_none()


def payment_params(order: Order) -> dict | None:
    """Fresh wx.requestPayment parameters while the order can still be paid, else None."""
    if order.status != "pending" or not order.prepay_id or order.expires_at <= utcnow():
        return None
    return wechat_pay().request_payment_params(order.prepay_id)


def get_order(user_id: int, order_id: str) -> Order:
    """A guest's own order, with what its view shows and no more.

    :raise OrderNotFound: unknown or another guest's (indistinguishable)."""
    order = db.session.execute(_ORDER_VIEW, {"order_id": order_id}).unique().scalar_one_or_none(
    ) if len(order_id) <= 32 else None
    if order is None or order.user_id != user_id:
        raise OrderNotFound()
    return order


def list_orders(user_id: int, *, offset: int = 0, limit: int = 20) -> tuple[list[Order], int]:
    total = db.session.execute(select(func.count(Order.id)).where(Order.user_id == user_id)).scalar_one()
    rows = db.session.execute(select(Order).where(Order.user_id == user_id).options(*_VIEW)
                              .order_by(Order.created_at.desc(), Order.id).offset(offset).limit(limit)).unique()
    return list(rows.scalars()), total
