"""The machine-readable API: GET /api/v1/openapi.json (OpenAPI 3.1, from app.url_map and the schemas) and /docs.

The document must be valid OpenAPI, cover every route with its methods (a route added without its line in
app/openapi/registry.py fails here, by name), list only error codes that have messages, and describe what
the service really answers: a walk through the guest journey and the staff console checks every response
against the document's schema for its status.
"""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from app.i18n import MESSAGES
from app.openapi import document, documented_rules, error_statuses, listed_error_codes, missing_entries
from app.openapi.registry import ENDPOINTS
from tests.conftest import staff_headers
from tests.journey import CONFERENCE, Guest, confirm

METHODS = ("get", "post", "put", "patch", "delete")

# MESSAGES codes no operation answers, each with why (every other code must appear in the document).
UNDOCUMENTED_CODES = {
    "method_not_allowed": "routing's answer to a method a path does not have: described once in info, no operation "
                          "has it",
    "project_exists": "only `flask projects add` (command line)",
    "credit_import_invalid": "only `flask credits import` (command line)",
    "order_not_refundable": "only the refund use case behind the command line and reconcile",
}


@pytest.fixture
def doc(client):
    rv = client.get("/api/v1/openapi.json")
    assert rv.status_code == 200 and rv.mimetype == "application/json"
    return rv.json


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_the_document_is_valid_openapi_3_1_and_built_once_per_process(app, client, doc):
    validate(doc)  # openapi-spec-validator: raises on any violation of the OpenAPI 3.1 schema
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": app.config["PUBLIC_BASE_URL"]}]
    assert document(app) is document(app), "built once, then served from the process cache"
    again = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en", "Authorization": "Bearer x"})
    assert again.json == doc, "the document does not depend on the request"
    ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    assert all(op["summary"] for _, _, op in _operations(doc)), "every operation has a summary (docstring or entry)"


def test_every_route_is_in_the_document_with_its_methods(app, doc):
    missing = missing_entries(app)
    assert not missing, (
        "routes without an entry in app/openapi/registry.py ENDPOINTS (add one line each, e.g. "
        "'auth.logout': Op(auth=GUEST, status=204)):\n  " + "\n  ".join(missing))
    stale = sorted(set(ENDPOINTS) - {r.endpoint for r in app.url_map.iter_rules()})
    assert not stale, f"ENDPOINTS entries for routes that do not exist: {stale}"
    documented = {(op["operationId"], method) for _, method, op in _operations(doc)}
    expected = set()
    for rule in documented_rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            expected.add((rule.endpoint, method.lower()))
    assert expected - documented == set(), f"routes missing from the document: {sorted(expected - documented)}"
    assert len(documented) == len(expected)
    paths = {op["operationId"]: path for path, _, op in _operations(doc)}
    assert paths["assignments.unassign"] == "/api/v1/staff/scenarios/{code}/assignments/{staff_id}"
    assert paths["posters.get"] == "/api/v1/staff/scenarios/{code}/posters/{door}.{filetype}"


def test_path_parameters_come_from_the_rule_converters(doc):
    unassign = doc["paths"]["/api/v1/staff/scenarios/{code}/assignments/{staff_id}"]["delete"]
    params = {p["name"]: p for p in unassign["parameters"]}
    assert params["staff_id"]["schema"]["type"] == "integer" and params["staff_id"]["required"]
    assert params["code"]["schema"]["type"] == "string" and params["code"]["in"] == "path"
    for path, _, op in _operations(doc):
        named = set(re.findall(r"{(\w+)}", path))
        assert named == {p["name"] for p in op.get("parameters", ()) if p["in"] == "path"}, path


def test_every_listed_error_code_has_a_message_and_every_message_is_documented(doc):
    listed = listed_error_codes(doc)
    assert listed - set(MESSAGES) == set(), "error codes in the document without a message in app/i18n.py MESSAGES"
    unlisted = set(MESSAGES) - listed - set(UNDOCUMENTED_CODES)
    assert not unlisted, f"MESSAGES codes no operation lists (add them to their routes in app/openapi/registry.py, " \
                         f"or to UNDOCUMENTED_CODES with the reason): {sorted(unlisted)}"
    assert not set(UNDOCUMENTED_CODES) & listed, "listed as undocumented but documented"
    statuses = error_statuses()
    for _, _, op in _operations(doc):
        for status, response in op["responses"].items():
            for code in response.get("x-error-codes", ()):
                assert statuses[code] == int(status), (op["operationId"], code, status)


def test_errors_point_at_the_shared_envelope_and_the_notify_endpoint_answers_wechats_shape(doc):
    create = doc["paths"]["/api/v1/orders"]["post"]["responses"]
    assert create["409"]["x-error-codes"] == ["insufficient_credits", "too_many_open_orders", "hold_limit_reached"]
    envelope = create["409"]["content"]["application/json"]["schema"]["allOf"]
    assert envelope[0] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert envelope[1]["properties"]["error"]["properties"]["code"]["enum"] == [
        "insufficient_credits", "too_many_open_orders", "hold_limit_reached"]
    assert set(create["401"]["x-error-codes"]) == {"unauthorized", "token_invalid", "token_expired"}
    notify = doc["paths"]["/api/v1/pay/wechat/notify"]["post"]["responses"]
    assert "204" in notify and "content" not in notify["204"]
    failure = notify["401"]["content"]["application/json"]["schema"]["allOf"]
    assert failure[0] == {"$ref": "#/components/schemas/WeChatNotifyFailure"}
    assert failure[1]["properties"]["message"]["enum"] == ["invalid_notification"]
    assert doc["components"]["schemas"]["WeChatNotifyFailure"]["properties"]["code"]["enum"] == ["FAIL"]


def test_security_says_who_may_call(doc):
    ops = {op["operationId"]: (method, op) for _, method, op in _operations(doc)}
    assert ops["orders.create"][1]["security"] == [{"GuestBearer": []}]
    assert ops["footprints.create"][1]["security"] == [{"GuestBearer": []}, {}]  # login optional
    assert "security" not in ops["certificates.get"][1] and "security" not in ops["auth.login"][1]
    assert ops["doors.list"][1]["security"] == [{"StaffBearer": []}, {"ConsoleSession": []}]
    assert ops["doors.add"][1]["security"] == [{"StaffBearer": []}, {"ConsoleSession": [], "ConsoleCsrf": []}]
    assert "csrf_failed" in ops["doors.add"][1]["responses"]["403"]["x-error-codes"]
    for operation_id, (method, op) in ops.items():
        if operation_id.split(".")[0] in ("doors", "assignments", "dashboard", "events", "payouts", "posters",
                                          "console_scenarios"):
            assert op["security"][0] == {"StaffBearer": []}, operation_id
            assert ("ConsoleCsrf" in op["security"][1]) == (method != "get"), operation_id
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ConsoleSession"] == {**schemes["ConsoleSession"], "type": "apiKey", "in": "cookie",
                                         "name": "dd_console"}
    assert schemes["ConsoleCsrf"]["name"] == "X-CSRF-Token" and schemes["GuestBearer"]["scheme"] == "bearer"


def test_binary_and_page_responses_have_their_media_types(doc):
    def media(path, method="get", status="200"):
        return set(doc["paths"][path][method]["responses"][status].get("content", {}))

    assert media("/api/v1/certificates/{serial}/image.png") == {"image/png"}
    assert media("/api/v1/staff/scenarios/{code}/posters/{door}.{filetype}") == {"image/png", "application/pdf"}
    assert media("/api/v1/staff/scenarios/{code}/event/topups/{order_id}/qr.png") == {"image/png"}
    assert media("/api/v1/registry.csv") == media("/api/v1/staff/statements.csv") == {"text/csv"}
    assert media("/verify/{serial}") == {"text/html"} and "text/html" in media("/verify/{serial}", status="404")
    assert media("/api/v1/docs") == {"text/html"}
    assert media("/api/v1/staff/scenarios/{code}/doors/{tag}", "delete", "204") == set()


def test_schemas_come_from_marshmallow(doc):
    schemas = doc["components"]["schemas"]
    leg = schemas["TravelLeg"]
    assert leg["required"] == ["mode"] and leg["additionalProperties"] is False, "requests refuse unknown fields"
    assert leg["properties"]["distance_km"] == {"type": "number", "maximum": 40000, "exclusiveMinimum": 0}
    assert {"from", "to"} <= set(leg["properties"]), "data_key names, as clients send them"
    assert schemas["FootprintCreate"]["properties"]["travel"]["maxItems"] == 20
    assert "additionalProperties" not in schemas["Footprint"], "responses may gain fields"
    assert schemas["Order"]["properties"]["paid_at"] == {"type": ["string", "null"], "format": "date-time"}
    assert schemas["PayoutCreate"]["properties"]["amount_fen"]["not"] == {"enum": [0]}
    query = {p["name"]: p for p in doc["paths"]["/api/v1/places"]["get"]["parameters"]}
    assert query["q"]["required"] and query["limit"]["schema"] == {"type": "integer", "default": 20, "minimum": 1,
                                                                   "maximum": 50}


# -- what the service answers is what the document says -------------------------------------------------------
class Conformance:
    """Checks responses against the document: the status must be documented and the JSON body must match."""

    def __init__(self, doc):
        self.doc = doc
        self.templates = [(re.compile("^" + re.sub(r"{\w+}", "[^/]+", re.escape(p).replace(r"\{", "{")
                                                   .replace(r"\}", "}")) + "$"), p) for p in doc["paths"]]
        self.checked: set[tuple[str, str, str]] = set()

    def __call__(self, rv, method: str, url: str):
        path = url.split("?", 1)[0]
        matches = [t for rx, t in self.templates if rx.match(path)]
        assert matches, f"{method} {path} is not in the document"
        template = min(matches, key=lambda t: t.count("{"))  # /scenarios/{code} vs /scenarios/x: the literal wins
        op = self.doc["paths"][template][method]
        status = str(rv.status_code)
        assert status in op["responses"], f"{method.upper()} {template} answered {status}, not documented: {rv.data[:300]}"
        content = op["responses"][status].get("content", {})
        if rv.status_code in (204, 304):
            assert not rv.data
        elif rv.mimetype == "application/json":
            assert "application/json" in content, f"{method} {template} {status}: JSON not documented"
            schema = {**content["application/json"]["schema"], "components": self.doc["components"]}
            errors = sorted(Draft202012Validator(schema).iter_errors(rv.json), key=lambda e: list(e.path))
            assert not errors, f"{method.upper()} {template} {status}: " + "; ".join(
                f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:5])
        else:
            assert rv.mimetype in content, f"{method} {template} {status}: {rv.mimetype} not documented"
        self.checked.add((method, template, status))
        return rv


@pytest.fixture
def conform(doc):
    return Conformance(doc)


class Caller:
    def __init__(self, client, conform, headers=None):
        self.client, self.conform, self.headers = client, conform, headers or {}

    def __call__(self, method: str, url: str, expect: int, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        rv = self.client.open(url, method=method.upper(), headers=headers, **kwargs)
        assert rv.status_code == expect, f"{method.upper()} {url}: {rv.status_code} {rv.data[:400]}"
        return self.conform(rv, method, url)


def test_the_guest_journey_answers_what_the_document_says(app, client, seeded, conform):
    guest = Guest(client, "openapi-alice")
    call = Caller(client, conform, guest.headers)
    public = Caller(client, conform)
    public("post", "/api/v1/auth/login", 200, json={"code": "sandbox-openapi-bob"})
    public("post", "/api/v1/auth/login", 422, json={})
    public("post", "/api/v1/auth/login", 400, data="{", content_type="application/json")
    public("get", "/healthz", 200)
    public("get", "/api/v1/openapi.json", 200)
    public("get", "/api/v1/docs", 200)
    entry = call("get", "/api/v1/deeplinks/resolve?scene=CDF2021.door3", 200).json
    public("get", "/api/v1/deeplinks/resolve?scene=NOPE", 404)
    public("get", "/api/v1/deeplinks/resolve", 422)
    public("get", "/api/v1/scenarios/CDF2021", 200)
    public("get", "/api/v1/scenarios/NOPE", 404)
    public("get", "/api/v1/scenarios?kind=conference", 200)
    public("get", "/api/v1/scenarios?limit=0", 422)
    public("get", "/api/v1/places?q=chengdu", 200)
    public("get", "/api/v1/factor-sets/diandian-2025.1", 200)
    public("get", "/api/v1/factor-sets/nope", 404)
    fp = call("post", "/api/v1/footprints", 201, json={**CONFERENCE, "scan_id": entry["entry"]["scan_id"]}).json
    public("post", "/api/v1/footprints", 201, json={"scenario": "LIFE", "diet": {"kind": "vegan", "days": 30},
                                                    "energy": {"electricity_kwh": 100}})
    public("post", "/api/v1/footprints", 422, json={"scenario": "CDF2021", "travel": [{"mode": "rail.hsr"}]})
    public("post", "/api/v1/footprints", 401, json=CONFERENCE, headers={"Authorization": "Bearer forged"})
    public("get", f"/api/v1/footprints/{fp['id']}", 200)
    public("get", "/api/v1/footprints/fp_nope", 404)
    public("get", "/api/v1/projects?scenario=CDF2021", 200)
    created = call("post", "/api/v1/orders", 201, json={"footprint_id": fp["id"], "project": "CDCER-FOR",
                                                         "beneficiary": "Alice"},
                   headers={"Idempotency-Key": "openapi-1"}).json
    call("post", "/api/v1/orders", 201, json={"footprint_id": fp["id"], "project": "CDCER-FOR",
                                              "beneficiary": "Alice"}, headers={"Idempotency-Key": "openapi-1"})
    public("post", "/api/v1/orders", 401, json={"footprint_id": fp["id"], "project": "CDCER-FOR"})
    call("post", "/api/v1/orders", 404, json={"footprint_id": fp["id"], "project": "NOPE"})
    call("get", f"/api/v1/orders/{created['order']['id']}", 200)  # pending, no certificate yet
    paid = confirm(client, created, deliveries=2)
    assert paid["deliveries"] == [{"status": 204}, {"status": 204}]
    public("post", "/sandbox/wechatpay/confirm", 404, json={"prepay_id": "wx-nope"})
    public("post", "/api/v1/pay/wechat/notify", 401, data=b"{}", content_type="application/json")
    order = call("get", f"/api/v1/orders/{created['order']['id']}", 200).json
    call("get", "/api/v1/orders/od_nope", 404)
    serial = order["certificate"]["serial"]
    public("get", f"/api/v1/certificates/{serial}", 200)
    public("get", "/api/v1/certificates/DD-NOPE", 404)
    image = public("get", f"/api/v1/certificates/{serial}/image.png?variant=card", 200)
    public("get", f"/api/v1/certificates/{serial}/image.png?variant=card", 304,
           headers={"If-None-Match": image.headers["ETag"]})
    public("get", f"/api/v1/certificates/{serial}/image.png?variant=poster", 422)
    public("get", f"/verify/{serial}", 200)
    public("get", "/verify/DD-NOPE", 404)
    public("get", "/s/CDF2021?d=door3", 200)
    public("get", "/s/NOPE", 404)
    public("get", "/registry", 200)
    public("get", "/api/v1/registry", 200)
    public("get", "/api/v1/registry?project=CDCER-FOR&limit=5", 200)
    public("get", "/api/v1/registry?project=NOPE", 404)
    public("get", "/api/v1/registry.csv", 200)
    call("get", "/api/v1/leaderboards?scenario=CDF2021", 200)
    public("get", "/api/v1/leaderboards?by=organization&period=month", 200)
    call("get", "/api/v1/me", 200)
    public("get", "/api/v1/me", 401)
    call("patch", "/api/v1/me", 200, json={"nickname": "Alice", "show_on_leaderboard": False})
    call("patch", "/api/v1/me", 422, json={"avatar_url": "http://not-https"})
    call("get", "/api/v1/me/orders", 200)
    call("get", "/api/v1/me/footprints", 200)
    call("get", "/api/v1/me/certificates", 200)
    public("get", "/", 200)
    assert len(conform.checked) >= 50  # distinct (method, path, status) checked


def test_the_staff_console_answers_what_the_document_says(app, client, accounts, conform):
    admin = Caller(client, conform, staff_headers(client, "admin@dd.test"))
    org = Caller(client, conform, staff_headers(client, "org@dd.test"))
    owner = Caller(client, conform, staff_headers(client, "owner@dd.test"))
    public = Caller(client, conform)
    public("post", "/api/v1/staff/sign-in", 401, json={"email": "admin@dd.test", "password": "wrong password"})
    public("get", "/api/v1/staff/me", 401)
    admin("get", "/api/v1/staff/me", 200)
    admin("get", "/api/v1/staff/session", 200)
    session = client.post("/api/v1/staff/session", json={"email": "org@dd.test", "password": "correct horse battery"})
    conform(session, "post", "/api/v1/staff/session")
    cookie = Caller(client, conform)
    cookie("get", "/api/v1/staff/session", 200)
    cookie("post", "/api/v1/staff/scenarios/CDF2021/doors", 403, json={"tag": "gate9"})  # no CSRF token
    cookie("delete", "/api/v1/staff/session", 403)  # signing out is a write: the CSRF token too
    cookie("delete", "/api/v1/staff/session", 204, headers={"X-CSRF-Token": session.json["csrf_token"]})
    created = admin("post", "/api/v1/staff/accounts", 201, json={
        "email": "new-venue@dd.test", "name": "New", "password": "a long password", "role": "venue_staff"}).json
    admin("post", "/api/v1/staff/accounts", 409, json={
        "email": "new-venue@dd.test", "name": "New", "password": "a long password", "role": "venue_staff"})
    admin("get", "/api/v1/staff/accounts?role=venue_staff", 200)
    admin("patch", f"/api/v1/staff/accounts/{created['id']}", 200, json={"name": "Renamed"})
    admin("patch", "/api/v1/staff/accounts/999999", 404, json={"name": "Nobody"})
    org("get", "/api/v1/staff/accounts", 403)
    org("get", "/api/v1/staff/scenarios", 200)
    org("post", "/api/v1/staff/scenarios", 201, json={
        "code": "OAPI1", "kind": "restaurant", "title": "Test", "doors": [{"tag": "front", "label": "Front"}]})
    org("post", "/api/v1/staff/scenarios", 409, json={"code": "OAPI1", "kind": "restaurant", "title": "Test"})
    org("patch", "/api/v1/staff/scenarios/OAPI1", 200, json={"status": "active", "city": "成都"})
    org("get", "/api/v1/staff/scenarios/CDF2021/doors", 200)
    org("post", "/api/v1/staff/scenarios/CDF2021/doors", 201, json={"tag": "gate9", "label": "Gate 9"})
    org("post", "/api/v1/staff/scenarios/CDF2021/doors", 409, json={"tag": "gate9"})
    org("get", "/api/v1/staff/scenarios/CDF2021/posters/gate9.png?paper=a5", 200)
    org("delete", "/api/v1/staff/scenarios/CDF2021/doors/gate9", 204)
    org("delete", "/api/v1/staff/scenarios/CDF2021/doors/gate9", 404)
    org("post", "/api/v1/staff/scenarios/CDF2021/assignments", 201, json={"email": "new-venue@dd.test"})
    org("post", "/api/v1/staff/scenarios/CDF2021/assignments", 200, json={"email": "new-venue@dd.test"})
    org("get", "/api/v1/staff/scenarios/CDF2021/assignments", 200)
    org("delete", f"/api/v1/staff/scenarios/CDF2021/assignments/{created['id']}", 204)
    org("get", "/api/v1/staff/scenarios/CDF2021/dashboard", 200)
    org("get", "/api/v1/staff/scenarios/CDF2021/orders.csv", 200)
    org("get", "/api/v1/staff/scenarios/CDF2021/certificates.csv", 200)
    org("get", "/api/v1/staff/scenarios/DJY/dashboard", 403)
    org("get", "/api/v1/staff/scenarios/NOPE/dashboard", 404)
    org("get", "/api/v1/staff/scenarios/CDF2021/event", 200)
    footprint = org("post", "/api/v1/staff/scenarios/CDF2021/event/footprint", 201, json={
        "electricity_kwh": 5000, "materials": [{"material": "paper", "kg": 20}],
        "staff_travel": [{"mode": "rail.hsr", "distance_km": 100, "people": 3}]}).json
    org("post", "/api/v1/staff/scenarios/CDF2021/event/footprint", 422, json={})
    topup = org("post", "/api/v1/staff/scenarios/CDF2021/event/topups", 201, json={
        "footprint_id": footprint["id"], "project": "CDCER-FOR"}).json
    org("get", "/api/v1/staff/scenarios/CDF2021/event", 200)
    org("get", f"/api/v1/staff/scenarios/CDF2021/event/topups/{topup['order']['id']}", 200)
    org("get", f"/api/v1/staff/scenarios/CDF2021/event/topups/{topup['order']['id']}/qr.png", 200)
    org("get", "/api/v1/staff/scenarios/CDF2021/event/topups/od_nope", 404)
    public("post", "/sandbox/wechatpay/confirm", 200, json={"code_url": topup["order"]["code_url"]})
    org("get", f"/api/v1/staff/scenarios/CDF2021/event/topups/{topup['order']['id']}", 200)
    owner("get", "/api/v1/staff/projects", 200)
    owner("get", "/api/v1/staff/projects/CDCER-FOR/sales", 200)
    owner("get", "/api/v1/staff/payouts", 200)
    owner("get", "/api/v1/staff/statements?month=2026-11", 200)
    owner("get", "/api/v1/staff/statements.csv?month=2026-11", 200)
    admin("get", "/api/v1/staff/payouts", 422)  # an admin names the organisation
    organization = "成都龙泉山生态林业有限公司（演示）"
    admin("get", f"/api/v1/staff/payouts?organization={organization}", 200)
    admin("post", "/api/v1/staff/payouts", 201, json={"organization": organization, "amount_fen": 100,
                                                      "bank_reference": "OAPI-1", "paid_on": "2026-11-30"})
    admin("post", "/api/v1/staff/payouts", 409, json={"organization": organization, "amount_fen": 10**11,
                                                      "bank_reference": "OAPI-2", "paid_on": "2026-11-30"})
    admin("get", f"/api/v1/staff/statements?organization={organization}&from=2026-11-01&to=2026-12-31", 200)
    admin("get", "/api/v1/staff/statements?organization=nobody", 404)
    public("get", "/console", 200)
    assert len(conform.checked) >= 50  # distinct (method, path, status) checked


def test_the_docs_page_is_served_offline_under_a_strict_policy(client):
    rv = client.get("/api/v1/docs")
    assert rv.status_code == 200 and rv.mimetype == "text/html"
    policy = rv.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "unsafe" not in policy
    assert "img-src 'self' data:" in policy, "Swagger UI's icons are data: SVG images, allowed on this page only"
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', rv.get_data(as_text=True))
    assert any("swagger-ui-bundle.js" in a for a in assets) and any("swagger-ui.css" in a for a in assets)
    for asset in assets:
        with client.get(asset) as served:
            assert served.status_code == 200, asset
    assert "http://" not in rv.get_data(as_text=True).replace(" ", "") and "https://" not in rv.get_data(as_text=True)
    with client.get("/static/vendor/swagger-ui-dist-5.35.0/LICENSE") as licence:
        assert licence.status_code == 200 and b"Apache License" in licence.data
