"""The public registry as data: JSON (paged per project) and a CSV of every claim."""
from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from app.csv_export import stream_csv
from app.routes.helpers import query_args
from app.routes.pages import RegistryPageQuerySchema
from app.jsonutil import isoformat
from app.services import registry
from app.services.projects import get_project

bp = Blueprint("registry", __name__, url_prefix="/api/v1")

REGISTRY_QUERY_SCHEMA = RegistryPageQuerySchema()


def _time(value):
    return isoformat(value) if value else None


def _summary(s: registry.ProjectSummary) -> dict:
    p = s.project
    return {"code": p.code, "name": p.name, "standard": p.standard, "owner": {"name": p.owner.name},
            "units": s.units, "retired_units": s.retired_units, "full_units": s.full_units,
            "claimed_kg": s.claimed_kg, "max_unit_claimed_kg": s.max_unit_kg}


@bp.get("/registry")
def get():
    """Per project: units, retired units and claimed kilograms; with ?project=, its retired units page."""
    args = query_args(REGISTRY_QUERY_SCHEMA)
    body: dict = {"projects": [_summary(s) for s in registry.summaries()]}
    if args.get("project"):
        project = get_project(args["project"])
        units, total = registry.retired_units(project, offset=args["offset"], limit=args["limit"])
        body["units"] = [{
            "serial": r.unit.serial, "vintage": r.unit.vintage, "retired_at": _time(r.unit.retired_at),
            "retirement_reason": r.unit.retirement_reason, "claimed_kg": r.unit.claimed_kg,
            "claims": [{"certificate": cert.serial, "status": cert.status, "kg": claim.kg,
                        "released_at": _time(claim.released_at)}
                       for claim, cert in r.claims],
        } for r in units]
        body["pagination"] = {"offset": args["offset"], "limit": args["limit"], "total": total}
    return body


@bp.get("/registry.csv")
def export_csv():
    """Every claim on every retired unit, one row each (streamed)."""
    rows = stream_csv(registry.CSV_HEADER, registry.csv_rows(), bom=False)
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=diandian-registry.csv"})
