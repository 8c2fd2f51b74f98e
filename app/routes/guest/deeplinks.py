"""QR deep links (contract endpoint 2)."""
from flask import Blueprint, current_app, request

from app.auth import current_user_id_optional
from app.limits import client_address
from app.routes.helpers import query_args
from app.schemas.guest.deeplinks import ResolveQuerySchema, ResolveSchema
from app.services.guest import deeplinks

bp = Blueprint("deeplinks", __name__, url_prefix="/api/v1/deeplinks")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
RESOLVE_QUERY_SCHEMA = ResolveQuerySchema()
RESOLVE_SCHEMA = ResolveSchema()


@bp.get("/resolve")
def resolve():
    """Turn a mini-program scene or a printed link into its scenario, and record the scan."""
    args = query_args(RESOLVE_QUERY_SCHEMA)
    scenario, scan = deeplinks.resolve(scene=args.get("scene"), q=args.get("q"),
                                       public_base_url=current_app.config["PUBLIC_BASE_URL"],
                                       user_id=current_user_id_optional(),
                                       client=f"{client_address()} {request.user_agent.string}")
    return RESOLVE_SCHEMA.dump(
        {"scenario": scenario, "entry": {"source": scan.source, "tag": scan.tag, "scan_id": scan.id}}
    )
