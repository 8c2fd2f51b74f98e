"""The organiser's live dashboard per scenario, its CSV exports, doors and venue staff assignments."""
from flask import Blueprint, Response, stream_with_context

from app.routes.helpers import json_body, query_args
from app.schemas.dashboard import (
    AssignmentCreateSchema, AssignmentSchema, DashboardQuerySchema, DashboardSchema, DoorCreateSchema, DoorSchema,
)
from app.services import assignments, dashboard, doors, staff

bp = Blueprint("dashboard", __name__, url_prefix="/api/v1/staff")

DOOR_CREATE_SCHEMA = DoorCreateSchema()
DOOR_SCHEMA = DoorSchema()
DOORS_SCHEMA = DoorSchema(many=True)
ASSIGNMENT_CREATE_SCHEMA = AssignmentCreateSchema()
ASSIGNMENT_SCHEMA = AssignmentSchema()
ASSIGNMENTS_SCHEMA = AssignmentSchema(many=True)
DASHBOARD_QUERY_SCHEMA = DashboardQuerySchema()
DASHBOARD_SCHEMA = DashboardSchema()


@bp.get("/scenarios/<code>/doors")
def list_doors(code: str):
    """The scenario's doors with their printed link and QR scene (venue staff assigned to it may read)."""
    return {"data": DOORS_SCHEMA.dump(doors.list_doors(staff.current_staff(), code))}


@bp.post("/scenarios/<code>/doors")
def add_door(code: str):
    """Define a door (its organiser, admin)."""
    actor = staff.current_staff()
    data = json_body(DOOR_CREATE_SCHEMA)
    return DOOR_SCHEMA.dump(doors.add_door(actor, code, tag=data["tag"], label=data["label"])), 201


@bp.delete("/scenarios/<code>/doors/<tag>")
def remove_door(code: str, tag: str):
    """Forget a door's name; its scans keep their tag."""
    doors.remove_door(staff.current_staff(), code, tag)
    return "", 204


@bp.get("/scenarios/<code>/assignments")
def list_assignments(code: str):
    """The venue staff assigned to the scenario."""
    return {"data": ASSIGNMENTS_SCHEMA.dump(assignments.list_assignments(staff.current_staff(), code))}


@bp.post("/scenarios/<code>/assignments")
def assign(code: str):
    """Assign a venue staff account by email: 201, or 200 when it already was."""
    actor = staff.current_staff()
    data = json_body(ASSIGNMENT_CREATE_SCHEMA)
    assignment, created = assignments.assign(actor, code, data["email"])
    return ASSIGNMENT_SCHEMA.dump(assignment), 201 if created else 200


@bp.delete("/scenarios/<code>/assignments/<int:staff_id>")
def unassign(code: str, staff_id: int):
    """Remove a venue staff member from the scenario."""
    assignments.unassign(staff.current_staff(), code, staff_id)
    return "", 204


@bp.get("/scenarios/<code>/dashboard")
def get_dashboard(code: str):
    """Live numbers of a scenario: totals, doors, funnel, cumulative series (?bucket=hour|day), top 10."""
    actor = staff.current_staff()
    args = query_args(DASHBOARD_QUERY_SCHEMA)
    return DASHBOARD_SCHEMA.dump(dashboard.dashboard(actor, code, bucket=args["bucket"]))


@bp.get("/scenarios/<code>/orders.csv")
def orders_csv(code: str):
    """The scenario's orders as CSV (China time, no guest identities), streamed."""
    return _csv(dashboard.orders_csv(staff.current_staff(), code), f"{code}-orders.csv")


@bp.get("/scenarios/<code>/certificates.csv")
def certificates_csv(code: str):
    """The scenario's certificates as CSV, as printed on their public pages, streamed."""
    return _csv(dashboard.certificates_csv(staff.current_staff(), code), f"{code}-certificates.csv")


def _csv(chunks, filename: str) -> Response:
    return Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
