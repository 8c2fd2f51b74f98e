"""Project owners' money: sales, what they are owed, payouts recorded by admins, CSV statements."""
from flask import Blueprint, Response

from app.auth import current_staff, staff_required
from app.routes.helpers import json_body, paginated, query_args
from app.schemas.console.payouts import (
    BalanceSchema,
    OrganizationQuerySchema,
    OrganizationSchema,
    PayoutCreateSchema,
    PayoutSchema,
    ProjectSalesSchema,
    SaleSchema,
    SalesQuerySchema,
    StatementQuerySchema,
    StatementSchema,
)
from app.services.console import payouts

bp = Blueprint("payouts", __name__, url_prefix="/api/v1/staff")

ORGANIZATION_QUERY_SCHEMA = OrganizationQuerySchema()
SALES_QUERY_SCHEMA = SalesQuerySchema()
STATEMENT_QUERY_SCHEMA = StatementQuerySchema()
PAYOUT_CREATE_SCHEMA = PayoutCreateSchema()
ORGANIZATION_SCHEMA = OrganizationSchema()
BALANCE_SCHEMA = BalanceSchema()
PROJECT_SALES_SCHEMA = ProjectSalesSchema(many=True)
SALES_SCHEMA = SaleSchema(many=True)
PAYOUT_SCHEMA = PayoutSchema()
PAYOUTS_SCHEMA = PayoutSchema(many=True)
STATEMENT_SCHEMA = StatementSchema()


@bp.get("/projects")
@staff_required()
def list_projects():
    """The caller's projects with their sales (a project owner: their organisation's; an admin: all)."""
    return {"data": PROJECT_SALES_SCHEMA.dump(payouts.projects_with_sales(current_staff()))}


@bp.get("/projects/<code>/sales")
@staff_required()
def project_sales(code: str):
    """A project's paid orders, newest first, without anything personal about the guests."""
    args = query_args(SALES_QUERY_SCHEMA)
    rows, total = payouts.project_sales(current_staff(), code, **args)
    # `total` at the top as well: the first console read it there.
    return {**paginated(SALES_SCHEMA.dump(rows), args, total), "total": total}


@bp.get("/payouts")
@staff_required()
def list_payouts():
    """An organisation's balance and payouts (a project owner: their own; an admin names one)."""
    args = query_args(ORGANIZATION_QUERY_SCHEMA)
    org, balance, rows = payouts.payouts_of(current_staff(), args["organization"])
    return {"organization": ORGANIZATION_SCHEMA.dump(org), "balance": BALANCE_SCHEMA.dump(balance),
            "data": PAYOUTS_SCHEMA.dump(rows)}


@bp.post("/payouts")
@staff_required("record_payouts")
def record_payout():
    """A platform admin records a bank transfer to a project owner (negative amount: a correction)."""
    data = json_body(PAYOUT_CREATE_SCHEMA)
    payout, balance = payouts.record_payout(current_staff(), **data)
    return {**PAYOUT_SCHEMA.dump(payout), "balance": BALANCE_SCHEMA.dump(balance)}, 201


def _statement():
    args = query_args(STATEMENT_QUERY_SCHEMA)
    return payouts.statement(current_staff(), args.pop("organization"), **args)


@bp.get("/statements")
@staff_required()
def statement_json():
    """An organisation's statement for a month or a period: opening balance, lines, closing balance."""
    return STATEMENT_SCHEMA.dump(_statement())


@bp.get("/statements.csv")
@staff_required()
def statement_csv():
    """The same statement as a spreadsheet (UTF-8 with a BOM, so Excel shows the Chinese)."""
    st = _statement()
    return Response(payouts.statement_csv(st).encode("utf-8"), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="statement-{st.organization.id}-{st.label}.csv"'})
