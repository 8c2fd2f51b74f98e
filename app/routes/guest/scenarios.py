"""Scenarios (contract endpoint 3)."""
from flask import Blueprint

from app.routes.helpers import paginated, query_args
from app.schemas.guest.scenarios import ScenarioQuerySchema, ScenarioSchema
from app.services.guest import scenarios

bp = Blueprint("scenarios", __name__, url_prefix="/api/v1/scenarios")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
SCENARIO_QUERY_SCHEMA = ScenarioQuerySchema()
SCENARIO_SCHEMA = ScenarioSchema()
SCENARIOS_SCHEMA = ScenarioSchema(many=True)


@bp.get("")
def list():  # noqa: A001 - endpoint name "scenarios.list"
    """Active scenarios, filtered by kind, text and city, so a guest without the QR finds their event."""
    args = query_args(SCENARIO_QUERY_SCHEMA)
    rows, total = scenarios.list_open_scenarios(**args)
    return paginated(SCENARIOS_SCHEMA.dump(rows), args, total)


@bp.get("/<code>")
def get(code: str):
    """One scenario with its calculator definition and running totals."""
    return SCENARIO_SCHEMA.dump(scenarios.get_scenario(code))
