"""Orders: price a footprint's kilograms, hold them, and open the WeChat Pay transaction.

An order holds its kilograms from creation until it is paid or expires (ORDER_TTL_SECONDS, sent to
WeChat Pay as time_expire), so a paid order always finds its credits. The hold is checked under the
project's lock; the WeChat call happens after that commit, so no lock is held across the network.
"""
from __future__ import annotations

import secrets
import string
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.domain.china_time import china_now, to_china
from app.domain.money import minimum_kg, price_fen
from app.errors import AppError, FootprintNotFound, InvalidInput, NotFound, WeChatUnavailable
from app.extensions import db
from app.models import Footprint, Order, Project, User
from app.models.base import utcnow
from app.services.locks import lock_for_write
from app.services.offsetting import projects as project_service
from app.wechat import wechat_pay
from app.wechat.exceptions import WeChatError

MAX_ORDER_KG = 1_000_000


class OrderNotFound(NotFound):
    code = "order_not_found"


class InsufficientCredits(AppError):
    status_code, code = 409, "insufficient_credits"


class ProjectNotOffered(InvalidInput):
    pass


def new_out_trade_no() -> str:
    """`DD` + date + 18 random characters: 28 of WeChat's allowed [0-9A-Za-z_-|*], unguessable."""
    alphabet = string.ascii_uppercase + string.digits
    return "DD" + china_now().strftime("%Y%m%d") + "".join(secrets.choice(alphabet) for _ in range(18))


def create_order(user: User, **request) -> tuple[Order, dict | None, bool]:
    """Create (or, for a repeated Idempotency-Key, return) the guest's order, with fresh
    wx.requestPayment parameters while it can be paid. Returns (order, payment, created)."""
    order, created = _create_order(user, **request)
    return order, payment_params(order), created


def _create_order(user: User, *, footprint_id: str, project_code: str, kg: int | None = None,
                  beneficiary: str | None = None, organization_name: str | None = None,
                  idempotency_key: str | None = None) -> tuple[Order, bool]:
    """Returns (order, created).

    :raise FootprintNotFound: unknown, or another guest's. :raise ProjectNotFound:
    :raise InvalidInput: kg below the footprint, project not offered here.
    :raise InsufficientCredits: not enough unheld kilograms. :raise WeChatUnavailable: no prepay_id.
    """
    if idempotency_key:
        existing = _by_idempotency_key(user.id, idempotency_key)
        if existing is not None:
            return existing, False
    footprint = db.session.get(Footprint, footprint_id) if len(footprint_id) <= 32 else None
    if footprint is None or footprint.user_id not in (None, user.id):
        raise FootprintNotFound()
    project = project_service.get_project(project_code)
    if not project_service.is_offered(project, footprint.scenario_id):
        raise ProjectNotOffered(fields={"project": ["This project is not offered for the footprint's scenario."]})
    least = minimum_kg(footprint.total_kg)
    kg = least if kg is None else kg
    if kg < least:
        raise InvalidInput(fields={"kg": [f"At least the footprint's {least} kg."]})
    if kg > MAX_ORDER_KG:
        raise InvalidInput(fields={"kg": [f"At most {MAX_ORDER_KG} kg in one order."]})

    order = new_order(project, kg, kind="guest", user_id=user.id, footprint_id=footprint.id,
                      scenario_id=footprint.scenario_id, beneficiary=beneficiary,
                      organization_name=organization_name, idempotency_key=idempotency_key)
    try:
        hold(order, project)
    except IntegrityError:
        db.session.rollback()
        existing = idempotency_key and _by_idempotency_key(user.id, idempotency_key)
        if existing:
            return existing, False  # the same key raced in from a double tap
        raise

    try:
        order.prepay_id = wechat_pay().prepay(
            out_trade_no=order.out_trade_no, description=f"碳中和 {kg} kg · {project.name}"[:127],
            amount_fen=order.amount_fen, openid=user.openid, time_expire=to_china(order.expires_at))
    except WeChatError as exc:
        order.mark_closed()  # releases the hold
        db.session.commit()
        raise WeChatUnavailable(f"prepay failed: {exc.errcode}") from None
    db.session.commit()
    return order, True


def new_order(project: Project, kg: int, **fields) -> Order:
    """A pending order for `kg` of `project` at today's price, to be added by hold().

    It starts with its project and no certificate, so its views read both without a query.
    """
    return Order(
        id="od_" + secrets.token_urlsafe(15), out_trade_no=new_out_trade_no(), project=project, certificate=None,
        kg=kg,
        price_fen_per_tonne=project.price_fen_per_tonne, amount_fen=price_fen(kg, project.price_fen_per_tonne),
        status="pending", expires_at=utcnow() + timedelta(seconds=current_app.config["ORDER_TTL_SECONDS"]),
        **fields)


def hold(order: Order, project: Project, also: tuple = ()) -> None:
    """Commit `order`: its kilograms are held, visible to every other order before WeChat is called.

    Checked under the project's row lock (PostgreSQL; SQLite's write lock), so two orders can never
    hold the same kilograms; rows in `also` (which refer to the order) commit with it.
    :raise InsufficientCredits: :raise IntegrityError: (the caller decides)
    """
    lock_for_write()
    locked = db.session.execute(
        select(Project).where(Project.id == project.id).with_for_update(of=Project)
        .execution_options(populate_existing=True)).scalar_one()
    if order.kg > project_service.available_kg(locked):
        db.session.rollback()
        raise InsufficientCredits(f"{project.code} cannot hold {order.kg} kg now")
    db.session.add(order)
    db.session.flush()
    db.session.add_all(also)
    db.session.commit()


def _by_idempotency_key(user_id: int, key: str) -> Order | None:
    return db.session.execute(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == key)
    ).scalar_one_or_none()


def payment_params(order: Order) -> dict | None:
    """Fresh wx.requestPayment parameters while the order can still be paid, else None."""
    if order.status != "pending" or not order.prepay_id or order.expires_at <= utcnow():
        return None
    return wechat_pay().request_payment_params(order.prepay_id)


def get_order(user_id: int, order_id: str) -> Order:
    """A guest's own order. :raise OrderNotFound: unknown or another guest's (indistinguishable)."""
    order = db.session.get(Order, order_id) if len(order_id) <= 32 else None
    if order is None or order.user_id != user_id:
        raise OrderNotFound()
    return order


def list_orders(user_id: int, *, offset: int = 0, limit: int = 20) -> tuple[list[Order], int]:
    total = db.session.execute(select(func.count(Order.id)).where(Order.user_id == user_id)).scalar_one()
    rows = db.session.execute(select(Order).where(Order.user_id == user_id)
                              .order_by(Order.created_at.desc(), Order.id).offset(offset).limit(limit)).scalars()
    return list(rows), total
