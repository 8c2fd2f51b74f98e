"""Scenario administration: the scenarios a staff member manages, creating, editing, opening, closing."""
from flask import Blueprint

from app.auth import current_staff, staff_required
from app.routes.helpers import json_body
from app.schemas.console.scenarios import ManagedScenarioSchema, ScenarioCreateSchema, ScenarioUpdateSchema
from app.services.console import scenarios

bp = Blueprint("console_scenarios", __name__, url_prefix="/api/v1/staff/scenarios")

SCENARIO_CREATE_SCHEMA = ScenarioCreateSchema()
SCENARIO_UPDATE_SCHEMA = ScenarioUpdateSchema()
MANAGED_SCENARIO_SCHEMA = ManagedScenarioSchema()
MANAGED_SCENARIOS_SCHEMA = ManagedScenarioSchema(many=True)


@bp.get("")
@staff_required()
def list():  # noqa: A001 - endpoint name "console_scenarios.list"
    """Scenarios the staff member manages (an organiser: their organisation's; an admin: all)."""
    return {"data": MANAGED_SCENARIOS_SCHEMA.dump(scenarios.list_managed(current_staff()))}


@bp.post("")
@staff_required()
def create():
    """Create a scenario of any kind (a draft unless status says otherwise)."""
    data = json_body(SCENARIO_CREATE_SCHEMA)
    return MANAGED_SCENARIO_SCHEMA.dump(scenarios.create(current_staff(), data)), 201


@bp.patch("/<code>")
@staff_required()
def update(code: str):
    """Edit a scenario, or open (status active) or close (status closed) it."""
    changes = json_body(SCENARIO_UPDATE_SCHEMA)
    return MANAGED_SCENARIO_SCHEMA.dump(scenarios.update(current_staff(), code, changes))
