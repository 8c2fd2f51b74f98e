"""The organiser's live dashboard per scenario and its CSV exports."""
from flask import Blueprint, Response, stream_with_context

from app.auth import current_staff, staff_required
from app.i18n import language
from app.routes.helpers import query_args
from app.schemas.console.dashboard import DashboardQuerySchema, DashboardSchema
from app.services.console import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/api/v1/staff/scenarios/<code>")

DASHBOARD_QUERY_SCHEMA = DashboardQuerySchema()
DASHBOARD_SCHEMA = DashboardSchema()


@bp.get("/dashboard")
@staff_required()
def get(code: str):
    """Live numbers of a scenario: totals, doors, funnel, cumulative series (?bucket=hour|day), top 10."""
    args = query_args(DASHBOARD_QUERY_SCHEMA)
    return DASHBOARD_SCHEMA.dump(dashboard.dashboard(current_staff(), code, bucket=args["bucket"], lang=language()))


@bp.get("/orders.csv")
@staff_required()
def orders_csv(code: str):
    """The scenario's orders as CSV (China time, no guest identities), streamed."""
    return _csv(dashboard.orders_csv(current_staff(), code), f"{code}-orders.csv")


@bp.get("/certificates.csv")
@staff_required()
def certificates_csv(code: str):
    """The scenario's certificates as CSV, as printed on their public pages (masked holders too), streamed."""
    return _csv(dashboard.certificates_csv(current_staff(), code, lang=language()), f"{code}-certificates.csv")


def _csv(chunks, filename: str) -> Response:
    return Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
