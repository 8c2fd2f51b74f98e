"""Offset projects (contract endpoint 7)."""
from flask import Blueprint

from app.routes.helpers import query_args
from app.schemas.offsetting.projects import ProjectQuerySchema, ProjectSchema
from app.services.offsetting import projects

bp = Blueprint("projects", __name__, url_prefix="/api/v1/projects")

PROJECT_QUERY_SCHEMA = ProjectQuerySchema()
PROJECT_SCHEMA = ProjectSchema()


@bp.get("")
def list():  # noqa: A001 - endpoint name "projects.list"
    """Projects a guest can offset with (for a scenario: those it offers), with available kilograms."""
    args = query_args(PROJECT_QUERY_SCHEMA)
    rows = projects.list_projects(args.get("scenario"))
    return {"data": [{**PROJECT_SCHEMA.dump(p), "available_kg": available} for p, available in rows]}
