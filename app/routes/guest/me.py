"""The guest's own profile (contract endpoint 14) and history."""
from flask import Blueprint, jsonify

from app.auth import current_user, current_user_id_optional, login_required
from app.routes.helpers import json_body, paginated, query_args
from app.schemas.guest.auth import OwnUserSchema
from app.schemas.guest.me import (
    CertificateSummarySchema,
    ExportSchema,
    FootprintSummarySchema,
    PageQuerySchema,
    ProfileSchema,
    ProfileUpdateSchema,
)
from app.services.guest import me, privacy

bp = Blueprint("me", __name__, url_prefix="/api/v1/me")

PROFILE_UPDATE_SCHEMA = ProfileUpdateSchema()
PROFILE_SCHEMA = ProfileSchema()
USER_SCHEMA = OwnUserSchema()
PAGE_QUERY_SCHEMA = PageQuerySchema()
FOOTPRINTS_SCHEMA = FootprintSummarySchema(many=True)
CERTIFICATES_SCHEMA = CertificateSummarySchema(many=True)
EXPORT_SCHEMA = ExportSchema()


@bp.get("")
@login_required
def get():
    """The guest's profile with their totals (kilograms neutralised, certificates, footprints)."""
    return PROFILE_SCHEMA.dump(me.profile(current_user()))


@bp.patch("")
@login_required
def update():
    """Change nickname (1 to 32 characters, control characters removed), avatar URL, leaderboard visibility or
    whether the verify page names places."""
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


@bp.get("/export")
@login_required
def export():
    """Everything held about the guest, as JSON (PIPL): profile, footprints, scans, orders, payments,
    refunds, certificates, leaderboard rows."""
    response = jsonify(EXPORT_SCHEMA.dump(privacy.export(current_user())))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = 'attachment; filename="diandian-export.json"'
    return response


@bp.delete("")
@login_required
def delete():
    """Erase the guest's personal data and end their tokens; certificates stay, pseudonymous (PIPL)."""
    privacy.erase(current_user_id_optional())
    return "", 204
