"""The staff API: sign-in, accounts, and scenario management (bearer tokens of staff accounts)."""
from flask import Blueprint, Response, request

from app.routes.helpers import json_body, query_args
from app.schemas.staff import (
    ManagedScenarioSchema, ScenarioCreateSchema, ScenarioUpdateSchema, SignInSchema, StaffAccountSchema,
    StaffCreateSchema, StaffListQuerySchema, StaffSchema, StaffUpdateSchema,
)
from app.services import posters, scenario_admin, staff

bp = Blueprint("staff", __name__, url_prefix="/api/v1/staff")

SIGN_IN_SCHEMA = SignInSchema()
STAFF_SCHEMA = StaffSchema()
STAFF_CREATE_SCHEMA = StaffCreateSchema()
STAFF_ACCOUNTS_SCHEMA = StaffAccountSchema(many=True)
STAFF_ACCOUNT_SCHEMA = StaffAccountSchema()
STAFF_LIST_QUERY_SCHEMA = StaffListQuerySchema()
STAFF_UPDATE_SCHEMA = StaffUpdateSchema()
SCENARIO_CREATE_SCHEMA = ScenarioCreateSchema()
SCENARIO_UPDATE_SCHEMA = ScenarioUpdateSchema()
MANAGED_SCENARIO_SCHEMA = ManagedScenarioSchema()
MANAGED_SCENARIOS_SCHEMA = ManagedScenarioSchema(many=True)


@bp.post("/sign-in")
def sign_in():
    """Email and password to a staff bearer token (12 hours)."""
    data = json_body(SIGN_IN_SCHEMA)
    account, token, expires_in = staff.sign_in(data["email"], data["password"])
    return {"token": token, "expires_in": expires_in, "staff": STAFF_SCHEMA.dump(account)}


@bp.post("/session")
def open_session():
    """The console's sign-in: sets the session cookie and returns the CSRF token to echo."""
    data = json_body(SIGN_IN_SCHEMA)
    account, _, expires_in = staff.sign_in(data["email"], data["password"])
    csrf = staff.start_session(account)
    return {"csrf_token": csrf, "expires_in": expires_in, "staff": STAFF_SCHEMA.dump(account)}


@bp.get("/session")
def read_session():
    """Who the console is signed in as, with the CSRF token (401 when signed out)."""
    account = staff.current_staff()
    return {"csrf_token": staff.session_csrf_token(), "staff": STAFF_SCHEMA.dump(account)}


@bp.delete("/session")
def close_session():
    """Sign the console out."""
    staff.end_session()
    return "", 204


@bp.get("/me")
def me():
    """The signed-in staff member."""
    return STAFF_SCHEMA.dump(staff.current_staff())


@bp.post("/accounts")
def create_account():
    """A platform admin creates an organiser, venue staff, project owner or admin account."""
    staff.require("admin")
    data = json_body(STAFF_CREATE_SCHEMA)
    return STAFF_ACCOUNT_SCHEMA.dump(staff.create_staff(**data)), 201


@bp.get("/accounts")
def list_accounts():
    """A platform admin lists the staff accounts (?role=, offset, limit)."""
    staff.require("admin")
    args = query_args(STAFF_LIST_QUERY_SCHEMA)
    rows, total = staff.list_accounts(**args)
    return {"data": STAFF_ACCOUNTS_SCHEMA.dump(rows), "total": total}


@bp.patch("/accounts/<int:staff_id>")
def update_account(staff_id: int):
    """A platform admin renames, disables, re-enables an account or sets a new password."""
    actor = staff.require("admin")
    changes = json_body(STAFF_UPDATE_SCHEMA)
    return STAFF_ACCOUNT_SCHEMA.dump(staff.update_account(actor, staff_id, changes))


@bp.get("/scenarios")
def list_scenarios():
    """Scenarios the staff member manages (an organiser: their organisation's; an admin: all)."""
    return {"data": MANAGED_SCENARIOS_SCHEMA.dump(scenario_admin.list_managed(staff.current_staff()))}


@bp.post("/scenarios")
def create_scenario():
    """Create a scenario of any kind (a draft unless status says otherwise)."""
    actor = staff.current_staff()
    data = json_body(SCENARIO_CREATE_SCHEMA)
    return MANAGED_SCENARIO_SCHEMA.dump(scenario_admin.create(actor, data)), 201


@bp.patch("/scenarios/<code>")
def update_scenario(code: str):
    """Edit a scenario, or open (status active) or close (status closed) it."""
    actor = staff.current_staff()
    changes = json_body(SCENARIO_UPDATE_SCHEMA)
    return MANAGED_SCENARIO_SCHEMA.dump(scenario_admin.update(actor, code, changes))


@bp.get("/scenarios/<code>/posters/<door>.<filetype>")
def poster(code: str, door: str, filetype: str):
    """A door's printable QR poster, PNG or PDF at 300 dpi (?paper=a4, a5 or tent)."""
    actor = staff.current_staff()
    paper = request.args.get("paper", "a4")
    data = posters.poster(actor, code, door, paper=paper, filetype=filetype)
    return Response(data, mimetype=posters.FILETYPES[filetype], headers={
        "Content-Disposition": f'attachment; filename="{code}-{door}-{paper}.{filetype}"'})
