"""Venue staff assigned to a scenario (who may then print its posters)."""
from flask import Blueprint

from app.auth import current_staff, staff_required
from app.routes.helpers import json_body
from app.schemas.console.assignments import AssignmentCreateSchema, AssignmentSchema
from app.services.console import assignments

bp = Blueprint("assignments", __name__, url_prefix="/api/v1/staff/scenarios/<code>/assignments")

ASSIGNMENT_CREATE_SCHEMA = AssignmentCreateSchema()
ASSIGNMENT_SCHEMA = AssignmentSchema()
ASSIGNMENTS_SCHEMA = AssignmentSchema(many=True)


@bp.get("")
@staff_required()
def list(code: str):  # noqa: A001 - endpoint name "assignments.list"
    """The venue staff assigned to the scenario."""
    return {"data": ASSIGNMENTS_SCHEMA.dump(assignments.list_assignments(current_staff(), code))}


@bp.post("")
@staff_required()
def assign(code: str):
    """Assign a venue staff account by email: 201, or 200 when it already was."""
    data = json_body(ASSIGNMENT_CREATE_SCHEMA)
    assignment, created = assignments.assign(current_staff(), code, data["email"])
    return ASSIGNMENT_SCHEMA.dump(assignment), 201 if created else 200


@bp.delete("/<int:staff_id>")
@staff_required()
def unassign(code: str, staff_id: int):
    """Remove a venue staff member from the scenario."""
    assignments.unassign(current_staff(), code, staff_id)
    return "", 204
