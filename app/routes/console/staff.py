"""Staff sign-in (API tokens and the console's session) and accounts, which platform admins manage."""
from flask import Blueprint

from app.auth import (
    console_csrf_token,
    console_session_id,
    current_staff,
    end_console_session,
    staff_required,
    start_console_session,
)
from app.limits import client_address
from app.routes.helpers import json_body, paginated, query_args
from app.schemas.console.staff import (
    SignInSchema,
    StaffAccountSchema,
    StaffCreateSchema,
    StaffListQuerySchema,
    StaffSchema,
    StaffUpdateSchema,
)
from app.services.console import staff

bp = Blueprint("staff", __name__, url_prefix="/api/v1/staff")

SIGN_IN_SCHEMA = SignInSchema()
STAFF_SCHEMA = StaffSchema()
STAFF_CREATE_SCHEMA = StaffCreateSchema()
STAFF_ACCOUNTS_SCHEMA = StaffAccountSchema(many=True)
STAFF_ACCOUNT_SCHEMA = StaffAccountSchema()
STAFF_LIST_QUERY_SCHEMA = StaffListQuerySchema()
STAFF_UPDATE_SCHEMA = StaffUpdateSchema()


@bp.post("/sign-in")
def sign_in():
    """Email and password to a staff bearer token (12 hours)."""
    data = json_body(SIGN_IN_SCHEMA)
    account, token, expires_in = staff.sign_in(data["email"], data["password"], client=client_address())
    return {"token": token, "expires_in": expires_in, "staff": STAFF_SCHEMA.dump(account)}


@bp.post("/session")
def open_session():
    """The console's sign-in: sets the session cookie and returns the CSRF token to echo."""
    data = json_body(SIGN_IN_SCHEMA)
    account, _, expires_in = staff.sign_in(data["email"], data["password"], client=client_address())
    csrf = start_console_session(account, staff.open_console_session(account))
    return {"csrf_token": csrf, "expires_in": expires_in, "staff": STAFF_SCHEMA.dump(account)}


@bp.get("/session")
@staff_required()
def read_session():
    """Who the console is signed in as, with the CSRF token (401 when signed out)."""
    return {"csrf_token": console_csrf_token(), "staff": STAFF_SCHEMA.dump(current_staff())}


@bp.delete("/session")
@staff_required()
def close_session():
    """Sign the console out: the session ends on the server (needs the CSRF token, like every write)."""
    staff.end_console_session(console_session_id())
    end_console_session()
    return "", 204


@bp.get("/me")
@staff_required()
def me():
    """The signed-in staff member."""
    return STAFF_SCHEMA.dump(current_staff())


@bp.post("/accounts")
@staff_required("manage_accounts")
def create_account():
    """A platform admin creates an organiser, venue staff, project owner or admin account."""
    data = json_body(STAFF_CREATE_SCHEMA)
    return STAFF_ACCOUNT_SCHEMA.dump(staff.create_staff(**data)), 201


@bp.get("/accounts")
@staff_required("manage_accounts")
def list_accounts():
    """A platform admin lists the staff accounts (?role=, offset, limit)."""
    args = query_args(STAFF_LIST_QUERY_SCHEMA)
    rows, total = staff.list_accounts(**args)
    # `total` at the top as well: the first console read it there.
    return {**paginated(STAFF_ACCOUNTS_SCHEMA.dump(rows), args, total), "total": total}


@bp.patch("/accounts/<int:staff_id>")
@staff_required("manage_accounts")
def update_account(staff_id: int):
    """A platform admin renames, disables, re-enables an account or sets a new password."""
    changes = json_body(STAFF_UPDATE_SCHEMA)
    return STAFF_ACCOUNT_SCHEMA.dump(staff.update_account(current_staff(), staff_id, changes))
