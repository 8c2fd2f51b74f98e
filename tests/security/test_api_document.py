"""Abuse of what the OpenAPI document exposes: what schemathesis found (scripts/fuzz_api.py), kept as tests.

- A path integer longer than a BIGINT (`/assignments/9999999999999999999`) overflowed SQLite's INTEGER in the
  query and answered 500; `<int:...>` now stops at 2**63 - 1, so a longer number is no route (404).
- The document describes the service, not the caller: a request cannot make it say something else.
"""
from __future__ import annotations

import pytest

from tests.conftest import staff_headers

HUGE = [2**63, 9999999999999999999, 10**30, int("9" * 400)]


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


def test_the_largest_bigint_still_routes(client, accounts):
    admin = staff_headers(client, "admin@dd.test")
    rv = client.delete(f"/api/v1/staff/scenarios/CDF2021/assignments/{2**63 - 1}", headers=admin)
    assert rv.status_code == 404 and rv.json["error"]["code"] == "assignment_not_found", "2**63 - 1 reaches the service"


def test_the_document_does_not_echo_the_request(client):
    plain = client.get("/api/v1/openapi.json").get_data()
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {"Accept-Language": "en"}):
        rv = client.get("/api/v1/openapi.json?servers=https://evil.example", headers=headers)
        assert rv.get_data() == plain, f"{headers}: the document must depend on nothing in the request"
        assert b"evil.example" not in rv.get_data()
    doc = client.get("/api/v1/openapi.json").json
    schema = doc["paths"]["/api/v1/staff/accounts/{staff_id}"]["patch"]["parameters"][0]["schema"]
    assert schema == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}, "the bound is in the document"
