"""Leaderboards (contract endpoint 13)."""
from flask import Blueprint

from app.auth import current_user_id_optional
from app.i18n import language
from app.routes.helpers import query_args
from app.schemas.offsetting.leaderboards import LeaderboardQuerySchema
from app.services.offsetting import leaderboards

bp = Blueprint("leaderboards", __name__, url_prefix="/api/v1/leaderboards")

LEADERBOARD_QUERY_SCHEMA = LeaderboardQuerySchema()


@bp.get("")
def get():
    """Top N by kilograms neutralised, per scenario or overall, guests or organisations, plus "me"."""
    args = query_args(LEADERBOARD_QUERY_SCHEMA)
    entries, me = leaderboards.standings(args.get("scenario"), "org" if args["by"] == "organization" else "user",
                                         args["period"], limit=args["limit"], user_id=current_user_id_optional(),
                                         lang=language())
    return {"entries": entries, "me": me}
