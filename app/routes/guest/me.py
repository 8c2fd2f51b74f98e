"""The guest's own profile (contract endpoint 14) and history."""
from flask import Blueprint

from app.auth import current_user, current_user_id_optional, login_required
from app.routes.helpers import json_body, paginated, query_args
from app.schemas.guest.auth import UserSchema
from app.schemas.guest.me import (
    CertificateSummarySchema,
    FootprintSummarySchema,
    PageQuerySchema,
    ProfileSchema,
    ProfileUpdateSchema,
)
from app.services.guest import me

bp = Blueprint("me", __name__, url_prefix="/api/v1/me")

PROFILE_UPDATE_SCHEMA = ProfileUpdateSchema()
PROFILE_SCHEMA = ProfileSchema()
USER_SCHEMA = UserSchema()
PAGE_QUERY_SCHEMA = PageQuerySchema()
FOOTPRINTS_SCHEMA = FootprintSummarySchema(many=True)
CERTIFICATES_SCHEMA = CertificateSummarySchema(many=True)


@bp.get("")
@login_required
def get():
    """The guest's profile with their totals (kilograms neutralised, certificates, footprints)."""
    return PROFILE_SCHEMA.dump(me.profile(current_user()))


@bp.patch("")
@login_required
def update():
    """Change nickname (1 to 32 characters, control characters removed), avatar URL or leaderboard visibility."""
    changes = json_body(PROFILE_UPDATE_SCHEMA)
    return USER_SCHEMA.dump(me.update_profile(current_user(), changes))


@bp.get("/footprints")
@login_required
def footprints():
    """The guest's footprints, newest first."""
    args = query_args(PAGE_QUERY_SCHEMA)
    rows, total = me.footprints(current_user_id_optional(), **args)
    return paginated(FOOTPRINTS_SCHEMA.dump(rows), args, total)


@bp.get("/certificates")
@login_required
def certificates():
    """The guest's certificates, newest first (revoked ones included, marked)."""
    args = query_args(PAGE_QUERY_SCHEMA)
    rows, total = me.certificates(current_user_id_optional(), **args)
    return paginated(CERTIFICATES_SCHEMA.dump(rows), args, total)
