"""The public registry as data: JSON (paged per project) and a CSV of every claim."""
from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from app.csv_export import stream_csv
from app.routes.helpers import paginated, query_args
from app.schemas.offsetting.registry import ProjectSummarySchema, RegistryQuerySchema, UnitRecordSchema
from app.services.offsetting import registry

bp = Blueprint("registry", __name__, url_prefix="/api/v1")

REGISTRY_QUERY_SCHEMA = RegistryQuerySchema()
SUMMARIES_SCHEMA = ProjectSummarySchema(many=True)
UNITS_SCHEMA = UnitRecordSchema(many=True)


@bp.get("/registry")
def get():
    """Per project: units, retired units and claimed kilograms; with ?project=, its retired units page."""
    args = query_args(REGISTRY_QUERY_SCHEMA)
    page = registry.page(args.get("project"), offset=args["offset"], limit=args["limit"])
    body: dict = {"projects": SUMMARIES_SCHEMA.dump(page.summaries)}
    if page.project is not None:
        units = paginated(UNITS_SCHEMA.dump(page.units), args, page.total)
        body.update(units=units["data"], pagination=units["pagination"])
    return body


@bp.get("/registry.csv")
def export_csv():
    """Every claim on every retired unit, one row each (streamed)."""
    rows = stream_csv(registry.CSV_HEADER, registry.csv_rows(), bom=False)
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=diandian-registry.csv"})
