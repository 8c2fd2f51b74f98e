"""Orders (contract endpoints 8 and 9) and the guest's own list."""
from flask import Blueprint, request

from app.auth import current_user_id_optional, login_required
from app.i18n import language
from app.routes.helpers import json_body, paginated, query_args
from app.schemas.offsetting.orders import IDEMPOTENCY_KEY, OrderCreateSchema, OrderListQuerySchema, OrderSchema
from app.services.offsetting import orders

bp = Blueprint("orders", __name__, url_prefix="/api/v1")

ORDER_CREATE_SCHEMA = OrderCreateSchema()
ORDER_SCHEMA = OrderSchema()
ORDERS_SCHEMA = OrderSchema(many=True)
ORDER_LIST_QUERY_SCHEMA = OrderListQuerySchema()


@bp.post("/orders")
@login_required
def create():
    """Order the footprint's kilograms from a project; answers the wx.requestPayment parameters."""
    data = json_body(ORDER_CREATE_SCHEMA)
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        IDEMPOTENCY_KEY(key)
    order, payment, created = orders.create_order(
        current_user_id_optional(), footprint_id=data["footprint_id"], project_code=data["project"], kg=data["kg"],
        beneficiary=data["beneficiary"], organization_name=data["organization"], idempotency_key=key,
        lang=language())
    body = {"order": ORDER_SCHEMA.dump(order), "payment": payment}
    return body, 201, {"Idempotent-Replayed": "false" if created else "true"}


@bp.post("/orders/<order_id>/cancel")
@login_required
def cancel(order_id: str):
    """Give up an unpaid order: closed at WeChat Pay, its kilograms free for others at once."""
    return ORDER_SCHEMA.dump(orders.cancel_order(current_user_id_optional(), order_id))


@bp.get("/orders/<order_id>")
@login_required
def get(order_id: str):
    """One of the guest's own orders (another guest's is a 404)."""
    return ORDER_SCHEMA.dump(orders.get_order(current_user_id_optional(), order_id))


@bp.get("/me/orders")
@login_required
def mine():
    """The guest's orders, newest first."""
    args = query_args(ORDER_LIST_QUERY_SCHEMA)
    rows, total = orders.list_orders(current_user_id_optional(), **args)
    return paginated(ORDERS_SCHEMA.dump(rows), args, total)
