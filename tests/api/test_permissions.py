"""Every role against every staff endpoint: who is allowed, who is refused, and that none is missed.

Roles: admin; org = organiser of CDF2021 (中国互联网发展基金会); other = organiser of another
organisation; venue = venue staff assigned to CDF2021; free = unassigned venue staff; owner = owner of
the CDCER-FOR project; anon = no credentials. A refused call must also change nothing (it is checked
where the endpoint writes).
"""
from __future__ import annotations

import re

import pytest

from app import auth
from app.extensions import db
from app.models import Scenario, ScenarioDoor, StaffAccount, StaffAssignment
from app.services.console import staff

ROLES = ("admin", "org", "other", "venue", "free", "owner", "anon")
EMAILS = {"admin": "admin@dd.test", "org": "org@dd.test", "other": "other@dd.test", "venue": "venue@dd.test",
          "free": "free@dd.test", "owner": "owner@dd.test"}
OWNER_ORG = "成都龙泉山生态林业有限公司（演示）"
S = "/api/v1/staff"
SC = f"{S}/scenarios/CDF2021"


def allow(ok: int, *roles: str) -> dict[str, int]:
    """`ok` for `roles`, 401 for anon, 403 for every other role."""
    return {role: ok if role in roles else (401 if role == "anon" else 403) for role in ROLES}


ANY_STAFF = ("admin", "org", "other", "venue", "free", "owner")
ORGANIZERS = ("admin", "org")
PRINTERS = ("admin", "org", "venue")
MONEY = ("admin", "owner")

# (method, path, json body or a function of the role giving one, expected status per role)
MATRIX = [
    ("GET", f"{S}/me", None, allow(200, *ANY_STAFF)),
    ("GET", f"{S}/session", None, allow(200, *ANY_STAFF)),  # a bearer shows who it is (csrf_token null)
    ("POST", f"{S}/accounts", lambda r: {"email": f"new-{r}@dd.test", "name": "N", "password": "x" * 12,
                                         "role": "venue_staff"}, allow(201, "admin")),
    ("GET", f"{S}/accounts?role=venue_staff", None, allow(200, "admin")),
    ("PATCH", f"{S}/accounts/{{free_id}}", {"name": "改名"}, allow(200, "admin")),
    ("GET", f"{S}/scenarios", None, allow(200, "admin", "org", "other", "venue", "free")),
    ("POST", f"{S}/scenarios", lambda r: {"code": f"P{r}", "kind": "conference", "title": "T"},
     allow(201, "admin", "org", "other")),
    ("PATCH", SC, {"title": "改名"}, allow(200, *ORGANIZERS)),
    ("GET", f"{SC}/posters/door1.pdf?paper=a5", None, allow(200, *PRINTERS)),
    ("GET", f"{SC}/doors", None, allow(200, *PRINTERS)),
    ("POST", f"{SC}/doors", lambda r: {"tag": f"d{r}", "label": "门"}, allow(201, *ORGANIZERS)),
    ("DELETE", f"{SC}/doors/gone", None, allow(204, *ORGANIZERS)),
    ("GET", f"{SC}/assignments", None, allow(200, *ORGANIZERS)),
    # The second allowed call finds the assignment made: idempotent 200.
    ("POST", f"{SC}/assignments", {"email": "free@dd.test"}, {**allow(201, *ORGANIZERS), "org": 200}),
    ("DELETE", f"{SC}/assignments/{{venue_id}}", None, allow(204, *ORGANIZERS)),
    ("GET", f"{SC}/dashboard", None, allow(200, *ORGANIZERS)),
    ("GET", f"{SC}/orders.csv", None, allow(200, *ORGANIZERS)),
    ("GET", f"{SC}/certificates.csv", None, allow(200, *ORGANIZERS)),
    ("GET", f"{SC}/event", None, allow(200, *ORGANIZERS)),
    ("POST", f"{SC}/event/footprint", {"electricity_kwh": 100}, allow(201, *ORGANIZERS)),
    ("POST", f"{SC}/event/topups", {"footprint_id": "ef_none", "project": "CDCER-FOR"}, allow(404, *ORGANIZERS)),
    ("GET", f"{SC}/event/topups/od_none", None, allow(404, *ORGANIZERS)),
    ("GET", f"{SC}/event/topups/od_none/qr.png", None, allow(404, *ORGANIZERS)),
    ("GET", f"{S}/projects", None, allow(200, *MONEY)),
    ("GET", f"{S}/projects/CDCER-FOR/sales", None, allow(200, *MONEY)),
    ("GET", f"{S}/payouts?organization={OWNER_ORG}", None, allow(200, *MONEY)),
    ("POST", f"{S}/payouts", {"organization": OWNER_ORG, "amount_fen": 100, "bank_reference": "B1",
                              "paid_on": "2026-11-20"}, allow(409, "admin")),  # allowed, but nothing is owed yet
    ("GET", f"{S}/statements?organization={OWNER_ORG}&month=2026-11", None, allow(200, *MONEY)),
    ("GET", f"{S}/statements.csv?organization={OWNER_ORG}&month=2026-11", None, allow(200, *MONEY)),
]
# Open to anyone by design (they are how one gets credentials).
PUBLIC = {("POST", f"{S}/sign-in"), ("POST", f"{S}/session"), ("DELETE", f"{S}/session")}


@pytest.fixture
def tokens(app, accounts):
    """Bearer headers per role, minted directly (sign-in itself is tested in test_staff.py)."""
    with app.app_context():
        staff.create_staff(email=EMAILS["free"], name="Free", password="x" * 12, role="venue_staff")
        ids = {role: db.session.execute(db.select(StaffAccount.id).filter_by(email=email)).scalar_one()
               for role, email in EMAILS.items()}
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        db.session.add(StaffAssignment(staff_id=ids["venue"], scenario_id=scenario.id))
        db.session.commit()
        with app.test_request_context():
            made = {role: {"Authorization": "Bearer " + auth._staff_serializer().dumps({"s": i, "v": 1})}
                    for role, i in ids.items()}
    made["anon"] = {}
    made["ids"] = ids
    return made


def _prepare(app, path: str, ids: dict) -> str:
    """Recreate what a DELETE removes, so every allowed role finds something to delete."""
    with app.app_context():
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        if path.endswith("/doors/gone") and not db.session.execute(
                db.select(ScenarioDoor).filter_by(scenario_id=scenario.id, tag="gone")).first():
            db.session.add(ScenarioDoor(scenario_id=scenario.id, tag="gone"))
        if "{venue_id}" in path and not db.session.get(StaffAssignment, (ids["venue"], scenario.id)):
            db.session.add(StaffAssignment(staff_id=ids["venue"], scenario_id=scenario.id))
        db.session.commit()
    return path.replace("{venue_id}", str(ids["venue"])).replace("{free_id}", str(ids["free"]))


@pytest.mark.parametrize("method, path, body, expected", MATRIX, ids=[f"{m} {p}" for m, p, _b, _e in MATRIX])
def test_every_role_against(app, client, tokens, method, path, body, expected):
    # Refused roles first: a refusal must leave the data as an allowed call will then find it.
    for role in sorted(ROLES, key=lambda r: expected[r] < 400):
        url = _prepare(app, path, tokens["ids"])
        payload = body(role) if callable(body) else body
        rv = client.open(url, method=method, json=payload, headers=tokens[role])
        rv.get_data()  # consume streamed bodies (CSV) before the next request
        rv.close()
        assert rv.status_code == expected[role], (role, rv.status_code, rv.get_json(silent=True))
        if rv.status_code >= 400:
            assert rv.get_json()["error"]["code"] in (
                "unauthorized", "forbidden", "token_invalid", "event_footprint_not_found", "topup_not_found",
                "payout_exceeds_balance"), rv.get_json()


def test_the_matrix_covers_every_staff_endpoint(app):
    covered = {(m, p.split("?")[0]) for m, p, _b, _e in MATRIX} | PUBLIC
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(S):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not any(m == method and _matches(rule.rule, p) for m, p in covered):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"staff endpoints missing from the permission matrix: {missing}"


def _matches(pattern: str, path: str) -> bool:
    parts = re.split(r"<(?:\w+:)?\w+>", pattern)
    regex = "[^/]+".join(re.escape(part) for part in parts)
    return re.fullmatch(regex, path.replace("{venue_id}", "1").replace("{free_id}", "1")) is not None
