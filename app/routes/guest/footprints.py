"""Footprints (contract endpoints 5 and 6)."""
from flask import Blueprint

from app.auth import current_user_id_optional
from app.routes.helpers import json_body
from app.schemas.guest.footprints import FootprintCreateSchema, FootprintSchema, PublicFootprintSchema
from app.services.guest import footprints

bp = Blueprint("footprints", __name__, url_prefix="/api/v1/footprints")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
FOOTPRINT_CREATE_SCHEMA = FootprintCreateSchema()
FOOTPRINT_SCHEMA = FootprintSchema()
PUBLIC_FOOTPRINT_SCHEMA = PublicFootprintSchema()


@bp.post("")
def create():
    """Compute and store an itemised footprint for a scenario (login optional)."""
    data = json_body(FOOTPRINT_CREATE_SCHEMA)
    footprint = footprints.create_footprint(data, user_id=current_user_id_optional())
    return FOOTPRINT_SCHEMA.dump(footprint), 201


@bp.get("/<footprint_id>")
def get(footprint_id: str):
    """A stored footprint, by its unguessable id: with its places only for its owner (login optional)."""
    view = footprints.footprint_view(footprint_id, current_user_id_optional())
    return (FOOTPRINT_SCHEMA if view.full else PUBLIC_FOOTPRINT_SCHEMA).dump(view.footprint)
