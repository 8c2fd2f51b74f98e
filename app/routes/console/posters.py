"""A door's printable QR poster."""
from flask import Blueprint, Response

from app.auth import current_staff, staff_required
from app.routes.helpers import query_args
from app.schemas.console.posters import PosterQuerySchema
from app.services.console import posters

bp = Blueprint("posters", __name__, url_prefix="/api/v1/staff/scenarios/<code>/posters")

POSTER_QUERY_SCHEMA = PosterQuerySchema()


@bp.get("/<door>.<filetype>")
@staff_required()
def get(code: str, door: str, filetype: str):
    """A door's printable QR poster, PNG or vector PDF (?paper=a4, a5 or tent; ?lang= and ?second=)."""
    args = query_args(POSTER_QUERY_SCHEMA)
    paper = args["paper"]
    data = posters.poster(current_staff(), code, door, paper=paper, filetype=filetype, lang=args["lang"],
                          second=args["second"])
    return Response(data, mimetype=posters.FILETYPES[filetype], headers={
        "Content-Disposition": f'attachment; filename="{code}-{door}-{paper}.{filetype}"'})
