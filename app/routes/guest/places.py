"""Place search for travel legs (contract endpoint 4)."""
from flask import Blueprint

from app.routes.helpers import query_args
from app.schemas.guest.places import PlaceQuerySchema, PlaceSchema
from app.services.guest import places

bp = Blueprint("places", __name__, url_prefix="/api/v1/places")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
PLACE_QUERY_SCHEMA = PlaceQuerySchema()
PLACES_SCHEMA = PlaceSchema(many=True)


@bp.get("")
def search():
    """Cities and airports matching a Chinese name, pinyin, English name or IATA code."""
    args = query_args(PLACE_QUERY_SCHEMA)
    return {"data": PLACES_SCHEMA.dump(places.search_places(args["q"], limit=args["limit"]))}
