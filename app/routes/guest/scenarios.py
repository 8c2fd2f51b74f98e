"""Scenarios (contract endpoint 3)."""
from flask import Blueprint, request

from app import caching
from app.i18n import language
from app.routes.helpers import paginated, query_args
from app.schemas.guest.scenarios import ScenarioQuerySchema, ScenarioSchema
from app.services.guest import scenarios

bp = Blueprint("scenarios", __name__, url_prefix="/api/v1/scenarios")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
SCENARIO_QUERY_SCHEMA = ScenarioQuerySchema()
SCENARIO_SCHEMA = ScenarioSchema()
SCENARIOS_SCHEMA = ScenarioSchema(many=True)

# (code, language) -> the dumped page, kept with the scenario version it was dumped from (app.caching).
SCENARIO_PAGES = caching.cache(maxsize=2048)
# Guests' clients may reuse a page this long without asking; after that If-None-Match costs one small read.
SCENARIO_MAX_AGE = 5


@bp.get("")
def list():  # noqa: A001 - endpoint name "scenarios.list"
    """Active scenarios, filtered by kind, text and city, so a guest without the QR finds their event."""
    args = query_args(SCENARIO_QUERY_SCHEMA)
    rows, total = scenarios.list_open_scenarios(**args)
    return paginated(SCENARIOS_SCHEMA.dump(rows), args, total)


@bp.get("/<code>")
def get(code: str):
    """One scenario with its calculator definition and running totals.

    Every guest at a door reads the same page: it is dumped once per version and language per worker,
    and a client that sends the ETag back gets 304 while the scenario has not changed.
    """
    version = scenarios.scenario_version(code)
    lang = language()
    tag = caching.etag(version, lang)
    headers = {"ETag": f'"{tag}"', "Cache-Control": f"public, max-age={SCENARIO_MAX_AGE}",
               "Vary": "Accept-Language"}
    if request.if_none_match.contains(tag):
        return "", 304, headers
    page = SCENARIO_PAGES.get((code, lang), version)
    if page is None:
        page = SCENARIO_SCHEMA.dump(scenarios.get_scenario(code))
        SCENARIO_PAGES.put((code, lang), version, page)
    return page, 200, headers
