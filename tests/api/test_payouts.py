"""Project owners' money: sales, balances, payouts and statements, on ledgers written by real paid journeys."""
from __future__ import annotations

import csv
import io
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.domain.money import yuan
from app.extensions import db
from app.models import LedgerEntry, Order, Organization, Payout
from app.services.console import staff
from app.services.offsetting import payments
from tests.conftest import STAFF_PASSWORD, on_postgres, staff_headers
from tests.journey import Guest, confirm

FOR_OWNER = "成都龙泉山生态林业有限公司（演示）"  # owns CDCER-FOR (owner@dd.test)
PV_OWNER = "成都天府光伏能源有限公司（演示）"  # owns CDCER-PV (pv@dd.test, created below)
CHINA = timezone(timedelta(hours=8))
FORBIDDEN = ("unauthorized", "forbidden")


@pytest.fixture
def owners(app, accounts):
    """The `accounts` roles plus the owner of another project (CDCER-PV)."""
    with app.app_context():
        staff.create_staff(email="pv@dd.test", name="PV", password=STAFF_PASSWORD, role="project_owner",
                           organization=PV_OWNER)


def pay(client, name: str, project: str = "CDCER-FOR") -> dict:
    """A guest's whole journey: footprint, order, payment through the sandbox; the fulfilled order."""
    guest = Guest(client, name)
    order = guest.order(guest.footprint()["id"], project=project)
    confirm(client, order)
    done = guest.get_order(order["order"]["id"])
    assert done["status"] == "fulfilled", done
    return done


def org_id(app, name: str) -> int:
    with app.app_context():
        return db.session.execute(select(Organization.id).filter_by(name=name)).scalar_one()


def owner_ledger(app, name: str, project_code: str | None = None) -> int:
    """The sum of the organisation's owner ledger entries, read straight from the table."""
    with app.app_context():
        stmt = select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
            LedgerEntry.account == "owner", LedgerEntry.organization_id == org_id(app, name))
        return int(db.session.execute(stmt).scalar_one())


def payout_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Payout.id))).scalar_one()


def this_month() -> str:
    return datetime.now(CHINA).strftime("%Y-%m")


def today() -> date:
    return datetime.now(CHINA).date()


def parse_csv(rv) -> list[dict]:
    text = rv.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    keys = [cell.split()[-1] for cell in rows[0]]  # "日期 date" -> "date"
    return [dict(zip(keys, row)) for row in rows[1:]]


def record(client, headers, **body):
    body = {"organization": FOR_OWNER, "bank_reference": "ICBC-0001", "paid_on": today().isoformat(), **body}
    return client.post("/api/v1/staff/payouts", json=body, headers=headers)


# -- what an owner sees ---------------------------------------------------------------------------------

def test_owner_sees_their_sales_and_owed_amount_equal_to_the_ledger(app, client, owners):
    first, second = pay(client, "alice"), pay(client, "bob")
    pay(client, "carol", project="CDCER-PV")  # another owner's sale
    owner = staff_headers(client, "owner@dd.test")

    rv = client.get("/api/v1/staff/projects", headers=owner)
    assert rv.status_code == 200
    [project] = rv.json["data"]
    owed = owner_ledger(app, FOR_OWNER)
    assert project == {"code": "CDCER-FOR", "name": project["name"], "owner": FOR_OWNER, "active": True,
                       "kg_sold": first["kg"] + second["kg"], "orders": 2,
                       "gross_fen": first["amount_fen"] + second["amount_fen"], "owner_fen": owed}
    assert 0 < owed < project["gross_fen"]

    balance = client.get("/api/v1/staff/payouts", headers=owner).json
    assert balance["organization"]["name"] == FOR_OWNER
    assert balance["balance"] == {"owed_fen": owed, "paid_out_fen": 0, "outstanding_fen": owed}
    assert balance["data"] == []

    sales = client.get("/api/v1/staff/projects/CDCER-FOR/sales", headers=owner).json
    assert sales["total"] == 2 and sales["pagination"] == {"offset": 0, "limit": 20, "total": 2}
    assert {s["out_trade_no"] for s in sales["data"]} == {first["out_trade_no"], second["out_trade_no"]}
    by_no = {s["out_trade_no"]: s for s in sales["data"]}
    sale = by_no[first["out_trade_no"]]
    # Nothing personal: no guest, openid, nickname, beneficiary or company.
    assert set(sale) == {"paid_at", "out_trade_no", "kg", "amount_fen", "owner_fen", "status", "refunded_at",
                         "certificate"}
    assert sale["status"] == "fulfilled" and sale["certificate"] == first["certificate"]["serial"]
    assert sale["kg"] == first["kg"] and sale["amount_fen"] == first["amount_fen"]
    assert sum(s["owner_fen"] for s in sales["data"]) == owed
    page = client.get("/api/v1/staff/projects/CDCER-FOR/sales?offset=1&limit=1", headers=owner).json
    assert page["total"] == 2 and len(page["data"]) == 1 and page["data"][0] == sales["data"][1]

    admin = staff_headers(client, "admin@dd.test")
    every = client.get("/api/v1/staff/projects", headers=admin).json["data"]
    assert [p["code"] for p in every] == ["CDCER-EV", "CDCER-FOR", "CDCER-PV"]
    pv = next(p for p in every if p["code"] == "CDCER-PV")
    assert pv["orders"] == 1 and pv["owner_fen"] == owner_ledger(app, PV_OWNER)
    ev = next(p for p in every if p["code"] == "CDCER-EV")
    assert (ev["orders"], ev["kg_sold"], ev["gross_fen"], ev["owner_fen"]) == (0, 0, 0, 0)


def test_a_refund_shows_as_a_negative_line(app, client, owners):
    kept, refunded = pay(client, "alice"), pay(client, "bob")
    owner = staff_headers(client, "owner@dd.test")
    owed_before = owner_ledger(app, FOR_OWNER)
    with app.app_context():
        payments.refund_order(refunded["out_trade_no"], reason="guest asked")
    owed = owner_ledger(app, FOR_OWNER)
    assert 0 < owed < owed_before

    [project] = client.get("/api/v1/staff/projects", headers=owner).json["data"]
    assert (project["orders"], project["kg_sold"], project["gross_fen"], project["owner_fen"]) == (
        1, kept["kg"], kept["amount_fen"], owed)
    sales = {s["out_trade_no"]: s for s in client.get("/api/v1/staff/projects/CDCER-FOR/sales",
                                                       headers=owner).json["data"]}
    assert sales[refunded["out_trade_no"]]["status"] == "refunded"
    assert sales[refunded["out_trade_no"]]["refunded_at"] is not None
    assert sales[kept["out_trade_no"]]["status"] == "fulfilled"

    st = client.get(f"/api/v1/staff/statements?month={this_month()}", headers=owner).json
    kinds = [(line["kind"], line["reference"]) for line in st["lines"]]
    assert kinds.count(("sale", refunded["out_trade_no"])) == 1
    [refund] = [line for line in st["lines"] if line["kind"] == "refund"]
    sale = next(line for line in st["lines"] if line["kind"] == "sale" and line["reference"] == refund["reference"])
    assert refund["amount_fen"] == -sale["amount_fen"] < 0 and refund["kg"] == -refunded["kg"]
    assert refund["project"] == "CDCER-FOR"
    assert st["totals"]["refunds_fen"] == refund["amount_fen"]
    assert st["opening_balance_fen"] == 0 and st["closing_balance_fen"] == owed
    assert client.get("/api/v1/staff/payouts", headers=owner).json["balance"]["owed_fen"] == owed


# -- payouts and statements -----------------------------------------------------------------------------

def test_admin_records_a_payout_the_balance_drops_and_the_statement_adds_up(app, client, owners):
    pay(client, "alice"), pay(client, "bob")
    admin, owner = staff_headers(client, "admin@dd.test"), staff_headers(client, "owner@dd.test")
    owed = owner_ledger(app, FOR_OWNER)
    last_month = today().replace(day=1) - timedelta(days=1)

    early = record(client, admin, amount_fen=1000, bank_reference="ICBC-0001", paid_on=last_month.isoformat())
    assert early.status_code == 201, early.json
    rv = record(client, admin, amount_fen=owed // 2, bank_reference=" ICBC-0002 ", note="十一月结算")
    assert rv.status_code == 201, rv.json
    assert rv.json["bank_reference"] == "ICBC-0002" and rv.json["paid_on"] == today().isoformat()
    assert rv.json["amount_fen"] == owed // 2 and rv.json["note"] == "十一月结算"
    assert rv.json["organization_id"] == org_id(app, FOR_OWNER)
    paid = 1000 + owed // 2
    assert rv.json["balance"] == {"owed_fen": owed, "paid_out_fen": paid, "outstanding_fen": owed - paid}

    listed = client.get("/api/v1/staff/payouts", headers=owner).json
    assert listed["balance"]["outstanding_fen"] == owed - paid
    assert [p["bank_reference"] for p in listed["data"]] == ["ICBC-0002", "ICBC-0001"]  # newest first
    by_admin = client.get("/api/v1/staff/payouts", query_string={"organization": FOR_OWNER}, headers=admin).json
    assert by_admin == listed
    by_id = client.get(f"/api/v1/staff/payouts?organization={org_id(app, FOR_OWNER)}", headers=admin).json
    assert by_id == listed

    month = this_month()
    csv_rv = client.get(f"/api/v1/staff/statements.csv?month={month}", headers=owner)
    assert csv_rv.status_code == 200 and csv_rv.content_type == "text/csv; charset=utf-8"
    assert csv_rv.headers["Content-Disposition"] == (
        f'attachment; filename="statement-{org_id(app, FOR_OWNER)}-{month}.csv"')
    rows = parse_csv(csv_rv)
    opening, lines, closing = rows[0], rows[1:-1], rows[-1]
    assert opening["kind"] == "opening" and closing["kind"] == "closing"
    assert int(opening["balance_fen"]) == -1000  # paid last month, before this month's sales
    assert [line["kind"] for line in lines] == ["sale", "sale", "payout"]
    running = int(opening["balance_fen"])
    for line in lines:
        running += int(line["amount_fen"])
        assert int(line["balance_fen"]) == running and line["amount_yuan"] == yuan(int(line["amount_fen"]))
    assert int(closing["balance_fen"]) == running == owed - paid
    assert lines[-1]["reference"] == "ICBC-0002" and int(lines[-1]["amount_fen"]) == -(owed // 2)
    assert lines[-1]["note"] == "十一月结算" and FOR_OWNER in opening["note"]
    assert all(line["project"] == "CDCER-FOR" and int(line["kg"]) > 0 for line in lines[:2])

    as_json = client.get(f"/api/v1/staff/statements?month={month}", headers=owner).json
    assert as_json["opening_balance_fen"] == -1000 and as_json["closing_balance_fen"] == owed - paid
    assert [line["balance_fen"] for line in as_json["lines"]] == [int(line["balance_fen"]) for line in lines]
    assert as_json["totals"] == {"sales_fen": owed, "refunds_fen": 0, "payouts_fen": -(owed // 2)}
    assert as_json["period"]["label"] == month
    admin_view = client.get("/api/v1/staff/statements.csv", headers=admin,
                            query_string={"organization": FOR_OWNER, "month": month})
    assert admin_view.data == csv_rv.data

    before = client.get(f"/api/v1/staff/statements?month={last_month.strftime('%Y-%m')}", headers=owner).json
    assert before["opening_balance_fen"] == 0 and before["closing_balance_fen"] == -1000
    assert [line["kind"] for line in before["lines"]] == ["payout"]
    day = client.get("/api/v1/staff/statements.csv", headers=owner,
                     query_string={"from": last_month.isoformat(), "to": today().isoformat()})
    assert day.headers["Content-Disposition"].endswith(
        f'-{last_month.isoformat()}_{today().isoformat()}.csv"')
    span = parse_csv(day)
    assert int(span[0]["balance_fen"]) == 0 and int(span[-1]["balance_fen"]) == owed - paid


def test_payout_larger_than_the_outstanding_balance_is_refused(app, client, owners):
    pay(client, "alice")
    admin = staff_headers(client, "admin@dd.test")
    owed = owner_ledger(app, FOR_OWNER)
    over = record(client, admin, amount_fen=owed + 1)
    assert over.status_code == 409 and over.json["error"]["code"] == "payout_exceeds_balance"
    assert payout_count(app) == 0
    assert record(client, admin, amount_fen=owed).status_code == 201
    again = record(client, admin, amount_fen=1, bank_reference="ICBC-0002")
    assert again.status_code == 409 and again.json["error"]["code"] == "payout_exceeds_balance"
    # A correction (negative) cannot take back more than was paid out; within that, it raises what is owed.
    undo = record(client, admin, amount_fen=-(owed + 1), bank_reference="ICBC-0002-FIX")
    assert undo.status_code == 409 and undo.json["error"]["code"] == "correction_exceeds_payouts"
    fix = record(client, admin, amount_fen=-100, bank_reference="ICBC-0001-FIX", note="多付更正")
    assert fix.status_code == 201 and fix.json["balance"]["outstanding_fen"] == 100
    # An organisation owed nothing (an organiser) cannot be paid out either.
    nothing = record(client, admin, amount_fen=1, organization="中国互联网发展基金会")
    assert nothing.status_code == 409 and nothing.json["error"]["code"] == "payout_exceeds_balance"
    assert payout_count(app) == 2


def test_a_duplicate_bank_reference_is_refused_per_organization(app, client, owners, monkeypatch):
    pay(client, "alice"), pay(client, "bob", project="CDCER-PV")
    admin = staff_headers(client, "admin@dd.test")
    assert record(client, admin, amount_fen=100).status_code == 201
    dup = record(client, admin, amount_fen=200)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "payout_exists"
    twice = record(client, admin, amount_fen=10**9)  # a resubmission is named as such, whatever the amount
    assert twice.status_code == 409 and twice.json["error"]["code"] == "payout_exists"
    # The same bank reference for another organisation is another payout.
    assert record(client, admin, amount_fen=100, organization=PV_OWNER).status_code == 201
    # The unique constraint is the backstop when the check is passed (a reference recorded meanwhile).
    monkeypatch.setattr("app.services.console.payouts._reference_taken", lambda *_args: False)
    raced = record(client, admin, amount_fen=300)
    assert raced.status_code == 409 and raced.json["error"]["code"] == "payout_exists"
    assert payout_count(app) == 2
    assert client.get("/api/v1/staff/payouts", headers=staff_headers(client, "owner@dd.test")
                      ).json["balance"]["paid_out_fen"] == 100


BAD_PAYOUTS = [
    ({"amount_fen": 0}, "amount_fen"),
    ({"amount_fen": "100"}, "amount_fen"),
    ({"amount_fen": 1.5}, "amount_fen"),
    ({"amount_fen": 100.0}, "amount_fen"),
    ({"amount_fen": True}, "amount_fen"),
    ({"amount_fen": 10**13}, "amount_fen"),
    ({"bank_reference": ""}, "bank_reference"),
    ({"bank_reference": "   "}, "bank_reference"),
    ({"bank_reference": "x" * 65}, "bank_reference"),
    ({"bank_reference": "ICBC\n0001"}, "bank_reference"),
    ({"paid_on": "2026-13-01"}, "paid_on"),
    ({"paid_on": "2019-12-31"}, "paid_on"),
    ({"paid_on": "tomorrow"}, "paid_on"),
    ({"note": "y" * 201}, "note"),
    ({"organization": ""}, "organization"),
    ({"organization": []}, "organization"),
    ({"organization": 0}, "organization"),
    ({"surprise": 1}, "surprise"),
]


@pytest.mark.parametrize("change, field", BAD_PAYOUTS)
def test_bad_payout_input_is_a_422_that_changes_nothing(app, client, owners, change, field):
    pay(client, "alice")
    admin = staff_headers(client, "admin@dd.test")
    rv = record(client, admin, **{"amount_fen": 100, **change})
    assert rv.status_code == 422, rv.json
    assert rv.json["error"]["code"] == "validation_error" and field in rv.json["error"]["fields"]
    assert payout_count(app) == 0


def test_more_bad_input_and_unknown_names(app, client, owners):
    pay(client, "alice")
    admin, owner = staff_headers(client, "admin@dd.test"), staff_headers(client, "owner@dd.test")
    for body in ({}, {"organization": FOR_OWNER}):
        rv = client.post("/api/v1/staff/payouts", json=body, headers=admin)
        assert rv.status_code == 422 and {"amount_fen", "bank_reference", "paid_on"} <= set(rv.json["error"]["fields"])
    future = record(client, admin, amount_fen=100, paid_on=(today() + timedelta(days=1)).isoformat())
    assert future.status_code == 422 and "paid_on" in future.json["error"]["fields"]
    not_json = client.post("/api/v1/staff/payouts", data="{", headers={**admin, "Content-Type": "application/json"})
    assert not_json.status_code == 400
    unknown = record(client, admin, amount_fen=100, organization="没有这家公司")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "organization_not_found"
    assert record(client, admin, amount_fen=100, organization=999_999).status_code == 404
    assert payout_count(app) == 0

    for url, field in [("/api/v1/staff/payouts", "organization"), ("/api/v1/staff/statements", "organization"),
                       ("/api/v1/staff/statements.csv", "organization")]:
        rv = client.get(url, headers=admin)  # an admin must say whose
        assert rv.status_code == 422 and field in rv.json["error"]["fields"]
    assert client.get("/api/v1/staff/payouts?organization=nobody", headers=admin).json["error"]["code"] == (
        "organization_not_found")
    for query, field in [("month=2026-13", "month"), ("month=26-01", "month"),
                         ("month=2026-01&from=2026-01-01&to=2026-01-31", "month"),
                         ("from=2026-01-01", "to"), ("from=2026-02-01&to=2026-01-01", "to"),
                         ("from=2024-01-01&to=2026-01-01", "to"), ("from=2026-02-30&to=2026-03-01", "from")]:
        rv = client.get(f"/api/v1/staff/statements.csv?{query}", headers=owner)
        assert rv.status_code == 422 and field in rv.json["error"]["fields"], (query, rv.json)
    for query in ("limit=0", "limit=101", "offset=-1", "limit=x"):
        rv = client.get(f"/api/v1/staff/projects/CDCER-FOR/sales?{query}", headers=owner)
        assert rv.status_code == 422, query
    missing = client.get("/api/v1/staff/projects/NOPE/sales", headers=owner)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "project_not_found"
    assert client.get("/api/v1/staff/projects/NOPE/sales", headers=admin).status_code == 404


def test_csv_cells_typed_by_people_cannot_become_formulas(app, client, owners):
    pay(client, "alice")
    admin = staff_headers(client, "admin@dd.test")
    assert record(client, admin, amount_fen=100, bank_reference="=HYPERLINK(1)", note="@SUM(A1)").status_code == 201
    rows = parse_csv(client.get("/api/v1/staff/statements.csv", headers=admin,
                                query_string={"organization": FOR_OWNER}))
    [line] = [r for r in rows if r["kind"] == "payout"]
    assert line["reference"] == "'=HYPERLINK(1)" and line["note"] == "'@SUM(A1)"
    assert int(line["amount_fen"]) == -100 and line["amount_yuan"] == "-1.00"


def test_yuan_formats_fen_without_floats():
    assert [yuan(v) for v in (0, 5, 100, 12345, -5, -12345)] == ["0.00", "0.05", "1.00", "123.45", "-0.05", "-123.45"]


# -- who may do what ----------------------------------------------------------------------------------

ROLES = {"none": None, "admin": "admin@dd.test", "organizer": "org@dd.test", "venue_staff": "venue@dd.test",
         "owner": "owner@dd.test", "other_owner": "pv@dd.test"}
ENDPOINTS = ["projects", "sales", "payouts", "record", "statement_csv", "statement"]
ALLOWED = {  # CDCER-FOR and its owner's organisation are the object of every call
    "projects": {"admin": 200, "owner": 200, "other_owner": 200},
    "sales": {"admin": 200, "owner": 200},
    "payouts": {"admin": 200, "owner": 200},
    "record": {"admin": 201},
    "statement_csv": {"admin": 200, "owner": 200},
    "statement": {"admin": 200, "owner": 200},
}
MATRIX = [(role, endpoint, ALLOWED[endpoint].get(role, 401 if role == "none" else 403))
          for endpoint in ENDPOINTS for role in ROLES]


def call(client, endpoint, headers):
    org = {"organization": FOR_OWNER}
    if endpoint == "projects":
        return client.get("/api/v1/staff/projects", headers=headers)
    if endpoint == "sales":
        return client.get("/api/v1/staff/projects/CDCER-FOR/sales", headers=headers)
    if endpoint == "payouts":
        return client.get("/api/v1/staff/payouts", query_string=org, headers=headers)
    if endpoint == "record":
        return record(client, headers, amount_fen=100)
    if endpoint == "statement_csv":
        return client.get("/api/v1/staff/statements.csv", query_string=org, headers=headers)
    return client.get("/api/v1/staff/statements", query_string=org, headers=headers)


@pytest.mark.parametrize("role, endpoint, status", MATRIX)
def test_permission_matrix(app, client, owners, role, endpoint, status):
    pay(client, "alice")
    headers = staff_headers(client, ROLES[role]) if ROLES[role] else {}
    rv = call(client, endpoint, headers)
    assert rv.status_code == status, (role, endpoint, rv.json)
    if status >= 400:
        assert rv.json["error"]["code"] == ("unauthorized" if role == "none" else "forbidden")
        assert payout_count(app) == 0
    elif endpoint == "projects":
        codes = [p["code"] for p in rv.json["data"]]
        assert codes == {"admin": ["CDCER-EV", "CDCER-FOR", "CDCER-PV"], "owner": ["CDCER-FOR"],
                         "other_owner": ["CDCER-PV"]}[role]
    elif endpoint == "sales":
        assert rv.json["total"] == 1


def test_refused_callers_learn_nothing_and_guest_tokens_do_not_open_staff_money(app, client, owners, auth):
    pay(client, "alice")
    guest = auth.login("alice")
    assert client.get("/api/v1/staff/projects", headers=guest).json["error"]["code"] == "token_invalid"
    other = staff_headers(client, "pv@dd.test")
    # Another owner cannot read CDCER-FOR's owner by name or id, and gets their own money when naming none.
    for ref in (FOR_OWNER, str(org_id(app, FOR_OWNER))):
        for url in ("/api/v1/staff/payouts", "/api/v1/staff/statements"):
            rv = client.get(url, query_string={"organization": ref}, headers=other)
            assert rv.status_code == 403 and rv.json["error"]["code"] == "forbidden"
    mine = client.get("/api/v1/staff/payouts", query_string={"organization": PV_OWNER}, headers=other).json
    assert mine["organization"]["name"] == PV_OWNER and mine["balance"]["owed_fen"] == 0
    # An owner's request for an organisation that does not exist is a 403 too (it is not theirs).
    rv = client.get("/api/v1/staff/payouts?organization=nobody", headers=other)
    assert rv.status_code == 403


def test_record_command(app, runner, client, owners):
    from app.cli import payouts_cli

    pay(client, "alice")
    args = ["record", "--organization", FOR_OWNER, "--amount-fen", "150", "--bank-reference", "CLI-1",
            "--paid-on", today().isoformat(), "--by", "admin@dd.test"]
    out = runner.invoke(payouts_cli, args=args)
    assert out.exit_code == 0, out.output
    assert "CLI-1" in out.output and "outstanding" in out.output
    again = runner.invoke(payouts_cli, args=args)
    assert again.exit_code != 0 and "payout_exists" in again.output
    not_admin = runner.invoke(payouts_cli, args=args[:-1] + ["owner@dd.test"])
    assert not_admin.exit_code != 0 and "forbidden" in not_admin.output
    bad = runner.invoke(payouts_cli, args=args[:4] + ["0"] + args[5:])
    assert bad.exit_code != 0 and "amount_fen" in bad.output
    assert payout_count(app) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://... (row locks)")
def test_two_admins_cannot_both_pay_out_the_same_balance(app, client, owners):
    pay(client, "alice")
    with app.app_context():
        staff.create_staff(email="admin2@dd.test", name="Admin 2", password=STAFF_PASSWORD, role="admin")
    heads = [staff_headers(client, "admin@dd.test"), staff_headers(client, "admin2@dd.test")]
    owed = owner_ledger(app, FOR_OWNER)
    barrier, results = threading.Barrier(2), [None, None]

    def worker(i):
        barrier.wait()
        results[i] = record(app.test_client(), heads[i], amount_fen=owed, bank_reference=f"RACE-{i}").status_code

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [201, 409]
    with app.app_context():
        assert db.session.execute(select(func.sum(Payout.amount_fen))).scalar_one() == owed
        assert db.session.execute(select(func.count(Order.id))).scalar_one() == 1
