"""Abuse of what the OpenAPI document exposes: what schemathesis found (scripts/fuzz_api.py), kept as tests.

- A path integer past the ids' INTEGER column (`/assignments/9999999999999999999`) overflowed it in the query
  (SQLite: past 2**63 - 1; PostgreSQL: past 2**31 - 1) and answered 500; `<int:...>` now stops at 2**31 - 1
  (app.routes.RowIdConverter), so a larger number is no route (404).
- The document describes the service, not the caller: a request cannot make it say something else.
"""
from __future__ import annotations

import pytest

from tests.conftest import staff_headers

HUGE = [2**31, 2**63, 9999999999999999999, 10**30, int("9" * 400)]


@pytest.mark.parametrize("number", HUGE)
def test_path_integers_past_a_bigint_are_no_route_not_a_500(client, accounts, number):
    admin = staff_headers(client, "admin@dd.test")
    for method, url, body in (
        ("delete", f"/api/v1/staff/scenarios/CDF2021/assignments/{number}", None),
        ("patch", f"/api/v1/staff/accounts/{number}", {"name": "x"}),
    ):
        rv = client.open(url, method=method.upper(), headers=admin, json=body)
        assert rv.status_code == 404 and rv.json["error"]["code"] == "not_found", \
            f"{method.upper()} with {len(str(number))} digits: {rv.status_code} (was 500 before the bound)"


def test_the_largest_integer_id_still_routes(client, accounts):
    admin = staff_headers(client, "admin@dd.test")
    rv = client.delete(f"/api/v1/staff/scenarios/CDF2021/assignments/{2**31 - 1}", headers=admin)
    assert rv.status_code == 404 and rv.json["error"]["code"] == "assignment_not_found", "2**31 - 1 reaches the service"
    rv = client.patch(f"/api/v1/staff/accounts/{2**31 - 1}", headers=admin, json={"name": "x"})
    assert rv.status_code == 404 and rv.json["error"]["code"] == "staff_not_found"


def test_the_document_does_not_echo_the_request(client):
    plain = client.get("/api/v1/openapi.json").get_data()
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {"Accept-Language": "en"}):
        rv = client.get("/api/v1/openapi.json?servers=https://evil.example", headers=headers)
        assert rv.get_data() == plain, f"{headers}: the document must depend on nothing in the request"
        assert b"evil.example" not in rv.get_data()
    doc = client.get("/api/v1/openapi.json").json
    schema = doc["paths"]["/api/v1/staff/accounts/{staff_id}"]["patch"]["parameters"][0]["schema"]
    assert schema == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, "the bound is in the document"


@pytest.mark.parametrize("ref", [str(10**30), "9" * 150, "²", "٣٣٣٣٣٣٣٣٣٣٣٣٣٣"])
def test_organisations_named_by_impossible_ids_are_not_found_not_a_500(client, accounts, ref):
    """schemathesis: ?organization=<30 digits> (and {"organization": 10**30}) overflowed the id column (500);
    '²' passed isdigit() and then int() refused it (500). Each is now a 404 organization_not_found; in a body,
    an id beyond the column is a 422 naming the field."""
    admin = staff_headers(client, "admin@dd.test")
    for url in ("/api/v1/staff/payouts", "/api/v1/staff/statements"):
        rv = client.get(url, query_string={"organization": ref, "month": "2026-11"}, headers=admin)
        assert rv.status_code == 404 and rv.json["error"]["code"] == "organization_not_found", (url, ref, rv.status_code)
    rv = client.post("/api/v1/staff/payouts", headers=admin, json={
        "organization": 10**30, "amount_fen": 100, "bank_reference": "X-1", "paid_on": "2026-11-30"})
    assert rv.status_code == 422 and "organization" in rv.json["error"]["fields"], rv.status_code
