"""The organiser's dashboard and CSV exports, from real guest journeys through the sandbox."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.models import Certificate, Order, User
from app.services.console import staff
from app.services.offsetting import payments
from tests.conftest import STAFF_PASSWORD
from tests.conftest import staff_headers as headers
from tests.journey import Guest, confirm

URL = "/api/v1/staff/scenarios/CDF2021"
CST = timezone(timedelta(hours=8))
MEAL = {"scenario": "CDF2021", "meals": {"standard": 1}}  # a few kg: each order then names its kg
SMALL_EVENT = {"electricity_kwh": 1000, "attendees": {"room_nights": 1}}


def scan(client, guest: Guest | None, **query) -> int:
    rv = client.get("/api/v1/deeplinks/resolve", query_string=query, headers=guest.headers if guest else {})
    assert rv.status_code == 200, rv.json
    return rv.json["entry"]["scan_id"]


def compute(guest: Guest, scan_id: int | None = None) -> dict:
    return guest.footprint({**MEAL, "scan_id": scan_id} if scan_id else MEAL)


def buy(client, guest: Guest, kg: int, scan_id: int | None = None, **extra) -> dict:
    """Footprint (after the scan, if any), order and sandbox payment; the fulfilled order."""
    order = guest.order(compute(guest, scan_id)["id"], kg=kg, **extra)
    confirm(client, order)
    done = guest.get_order(order["order"]["id"])
    assert done["status"] == "fulfilled", done
    return done


@pytest.fixture
def event(app, client, accounts):
    """CDF2021 with three doors and a day of guests, one refunded, and the organiser's own top-up.

    Door by door: door1 gets alice's first purchase (100 kg) and carol's unpaid order; door2 alice's second
    (50) and bob's (200), both from the printed link; door3 nothing; `lobby` (no door defined) erin's (70);
    no door: dave (computes only) and frank (no scan, pays 30, refunded).
    """
    org = headers(client, "org@dd.test")
    for tag, label in (("door1", "东门"), ("door2", "南门"), ("door3", "北门")):
        assert client.post(f"{URL}/doors", json={"tag": tag, "label": label}, headers=org).status_code == 201
    link = "https://dd.example.test/s/CDF2021?d=door2"
    alice, bob, carol, dave, erin, frank = (Guest(client, n) for n in ("alice", "bob", "carol", "dave", "erin",
                                                                        "frank"))
    client.patch("/api/v1/me", json={"nickname": "Alice"}, headers=alice.headers)
    client.patch("/api/v1/me", json={"nickname": "Bob"}, headers=bob.headers)
    scan(client, None, scene="CDF2021.door1")  # before logging in: a scan, not a guest
    orders = [buy(client, alice, 100, scan(client, alice, scene="CDF2021.door1"), beneficiary="=1+1",
                  organization="Alice Holdings"),
              buy(client, alice, 50, scan(client, alice, q=link)),
              buy(client, bob, 200, scan(client, bob, q=link)),
              buy(client, erin, 70, scan(client, erin, scene="CDF2021.lobby"))]
    carol.order(compute(carol, scan(client, carol, scene="CDF2021.door1"))["id"], kg=10)
    scan(client, dave, scene="CDF2021")
    compute(dave)
    refunded = buy(client, frank, 30)
    with app.app_context():
        payments.refund_order(refunded["out_trade_no"], reason="guest asked")
    footprint = client.post(f"{URL}/event/footprint", json=SMALL_EVENT, headers=org).json
    topup = client.post(f"{URL}/event/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"},
                        headers=org).json
    paid = client.post("/sandbox/wechatpay/confirm", json={"code_url": topup["order"]["code_url"]})
    assert paid.status_code == 200, paid.json
    return {"org": org, "orders": orders, "refunded": refunded, "topup": topup,
            "guests": {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin, "frank": frank}}


def test_dashboard_counts_the_day_door_by_door(client, event):
    rv = client.get(f"{URL}/dashboard?bucket=hour", headers=event["org"])
    assert rv.status_code == 200, rv.json
    body = rv.json
    assert body["scenario"]["code"] == "CDF2021" and body["scenario"]["status"] == "active"
    assert body["totals"] == {
        "scans": 7, "guests": 5, "participants": 3, "neutralized_kg": 420, "certificates": 4,
        "amount_fen": sum(o["amount_fen"] for o in event["orders"]), "event_kg": event["topup"]["topup_kg"]}
    assert body["totals"]["amount_fen"] == 420 * 6  # CDCER-FOR: 6,000 fen a tonne
    # Each stage a subset of the one before: frank (no scan) is in no stage; dave computed after his scan.
    assert body["funnel"] == {"scanned": 5, "computed": 5, "ordered": 4, "paid": 3}
    doors = [(d["tag"], d["label"], d["defined"], d["scans"], d["scans_wxacode"], d["scans_link"], d["guests"],
              d["computed"], d["ordered"], d["paid_guests"], d["kg"]) for d in body["doors"]]
    assert doors == [
        ("door1", "东门", True, 3, 3, 0, 2, 2, 2, 1, 100),
        ("door2", "南门", True, 2, 0, 2, 2, 2, 2, 2, 250),
        ("door3", "北门", True, 0, 0, 0, 0, 0, 0, 0, 0),
        ("lobby", None, False, 1, 1, 0, 1, 1, 1, 1, 70),
        (None, None, False, 1, 1, 0, 1, 0, 0, 0, 0),
    ]
    assert sum(d["kg"] for d in body["doors"]) == body["totals"]["neutralized_kg"]
    # The same rows as the public leaderboard; the organiser's event certificate ranks nowhere.
    public = client.get("/api/v1/leaderboards", query_string={"scenario": "CDF2021", "limit": 10}).json
    assert body["leaderboard"] == public["entries"]
    assert [(e["name"], e["kg"]) for e in body["leaderboard"]][:2] == [("Bob", 200), ("Alice", 150)]
    # Everything was bought this hour (the hour may have turned while the test ran).
    assert body["bucket"] == "hour" and 1 <= len(body["series"]) <= 2
    assert body["series"][-1]["participants"] == 3 and body["series"][-1]["kg"] == 420
    first = datetime.fromisoformat(body["series"][0]["t"])
    assert body["series"][0]["t"].endswith(":00:00+08:00") and first <= datetime.now(CST)
    assert datetime.fromisoformat(body["generated_at"]) <= datetime.now(UTC)
    # A scan after a deleted door's poster still counts, now as a tag seen without a door.
    assert client.delete(f"{URL}/doors/door1", headers=event["org"]).status_code == 204
    again = client.get(f"{URL}/dashboard", headers=event["org"]).json
    assert [(d["tag"], d["defined"], d["scans"]) for d in again["doors"]][-3:] == [
        ("door1", False, 3), ("lobby", False, 1), (None, False, 1)]


@pytest.mark.parametrize("computed_before_login", [False, True])
def test_a_guest_who_scans_before_logging_in_counts_once_at_every_stage(client, accounts, computed_before_login):
    """What the guest preview does: the scan comes before the login, so the scan has no guest; the footprint
    that cites it (computed after logging in, or before and then ordered) names them."""
    org = headers(client, "org@dd.test")
    assert client.post(f"{URL}/doors", json={"tag": "door1", "label": "东门"}, headers=org).status_code == 201
    scan_id = scan(client, None, scene="CDF2021.door1")
    if computed_before_login:
        rv = client.post("/api/v1/footprints", json={**MEAL, "scan_id": scan_id})
        assert rv.status_code == 201, rv.json
        footprint_id, guest = rv.json["id"], Guest(client, "late-login")
    else:
        guest = Guest(client, "late-login")
        footprint_id = compute(guest, scan_id)["id"]
    before_paying = client.get(f"{URL}/dashboard", headers=org).json
    if computed_before_login:  # nobody known yet: the footprint has no guest until the order
        assert before_paying["funnel"] == {"scanned": 0, "computed": 0, "ordered": 0, "paid": 0}
    else:
        assert before_paying["funnel"] == {"scanned": 1, "computed": 1, "ordered": 0, "paid": 0}
    confirm(client, guest.order(footprint_id, kg=5))
    guest.footprint(MEAL)  # a second footprint, no scan: still one guest at each stage
    body = client.get(f"{URL}/dashboard", headers=org).json
    assert body["funnel"] == {"scanned": 1, "computed": 1, "ordered": 1, "paid": 1}
    door1 = next(d for d in body["doors"] if d["tag"] == "door1")
    assert (door1["scans"], door1["guests"], door1["computed"], door1["ordered"], door1["paid_guests"],
            door1["kg"]) == (1, 1, 1, 1, 1, 5)
    assert body["totals"]["participants"] == 1


def test_series_buckets_are_china_days_and_hours(app, client, event):
    """Certificates moved to known moments around midnight in China (16:00 UTC), the scenario closed after."""
    moments = [datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC),  # 23:59:59 on 1 March in China
               datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC),  # midnight: 2 March
               datetime(2026, 3, 1, 18, 30, tzinfo=UTC),
               datetime(2026, 3, 2, 3, 0, tzinfo=UTC)]  # 11:00 on 2 March
    with app.app_context():
        for order, moment in zip(event["orders"], moments):  # alice 100, alice 50, bob 200, erin 70
            db.session.execute(db.update(Certificate).where(Certificate.order_id == order["id"])
                               .values(issued_at=moment))
        db.session.commit()
    closed = client.patch(URL, headers=event["org"], json={"status": "closed", "ends_at": "2026-03-02T12:00:00+08:00"})
    assert closed.status_code == 200
    day = client.get(f"{URL}/dashboard?bucket=day", headers=event["org"]).json
    assert day["series"] == [
        {"t": "2026-03-01T00:00:00+08:00", "participants": 1, "kg": 100},
        {"t": "2026-03-02T00:00:00+08:00", "participants": 3, "kg": 420},
    ]
    hour = client.get(f"{URL}/dashboard?bucket=hour", headers=event["org"]).json["series"]
    assert hour[0] == {"t": "2026-03-01T23:00:00+08:00", "participants": 1, "kg": 100}
    assert hour[1] == {"t": "2026-03-02T00:00:00+08:00", "participants": 1, "kg": 150}  # alice again: still one
    assert hour[2] == {"t": "2026-03-02T01:00:00+08:00", "participants": 1, "kg": 150}
    assert hour[3] == {"t": "2026-03-02T02:00:00+08:00", "participants": 2, "kg": 350}
    assert hour[-2] == {"t": "2026-03-02T11:00:00+08:00", "participants": 3, "kg": 420}
    assert hour[-1]["t"] == "2026-03-02T12:00:00+08:00" and len(hour) == 14  # to the scenario's end
    assert client.get(f"{URL}/dashboard", headers=event["org"]).json["bucket"] == "hour"  # 14 points: hourly
    # Reopened (no end): the series runs to now, daily by default, and an hourly one is too long.
    client.patch(URL, headers=event["org"], json={"status": "active", "ends_at": None})
    auto = client.get(f"{URL}/dashboard", headers=event["org"]).json
    assert auto["bucket"] == "day" and auto["series"][-1]["t"] == datetime.now(CST).strftime("%Y-%m-%dT00:00:00+08:00")
    too_many = client.get(f"{URL}/dashboard?bucket=hour", headers=event["org"])
    assert too_many.status_code == 422 and "bucket" in too_many.json["error"]["fields"]


def test_an_empty_scenario_and_bad_queries(client, accounts):
    org = headers(client, "org@dd.test")
    client.post("/api/v1/staff/scenarios", json={"code": "EXPO2026", "kind": "conference", "title": "新展会",
                                                 "doors": [{"tag": "east"}]}, headers=org)
    body = client.get("/api/v1/staff/scenarios/EXPO2026/dashboard", headers=org).json  # a draft
    assert body["totals"] == {"scans": 0, "guests": 0, "participants": 0, "neutralized_kg": 0,
                              "certificates": 0, "amount_fen": 0, "event_kg": 0}
    assert body["series"] == [] and body["leaderboard"] == []
    assert [(d["tag"], d["scans"]) for d in body["doors"]] == [("east", 0), (None, 0)]
    bad = client.get(f"{URL}/dashboard?bucket=week", headers=org)
    assert bad.status_code == 422 and "bucket" in bad.json["error"]["fields"]
    for path in ("dashboard", "orders.csv", "certificates.csv"):
        rv = client.get(f"/api/v1/staff/scenarios/NOPE/{path}", headers=org)
        assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"


def read_csv(rv) -> list[dict]:
    assert rv.status_code == 200
    assert rv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert rv.data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(rv.data.decode("utf-8-sig"))))


def test_orders_csv(app, client, event):
    rv = client.get(f"{URL}/orders.csv", headers=event["org"])
    assert rv.is_streamed
    assert rv.headers["Content-Disposition"] == 'attachment; filename="CDF2021-orders.csv"'
    rows = read_csv(rv)
    assert list(rows[0]) == ["order_id", "created_at_utc8", "paid_at_utc8", "status", "kind", "project", "kg",
                             "amount_fen", "door"]
    by_id = {r["order_id"]: r for r in rows}
    assert len(rows) == 7  # 4 fulfilled, carol's pending, frank's refunded, the organiser's top-up
    first = by_id[event["orders"][0]["id"]]
    assert (first["status"], first["kind"], first["project"], first["kg"], first["door"]) == (
        "fulfilled", "guest", "CDCER-FOR", "100", "door1")
    assert first["amount_fen"] == str(event["orders"][0]["amount_fen"])
    created = datetime.fromisoformat(event["orders"][0]["created_at"]).astimezone(CST)
    assert first["created_at_utc8"] == created.strftime("%Y-%m-%d %H:%M:%S")
    assert [by_id[o["id"]]["door"] for o in event["orders"]] == ["door1", "door2", "door2", "lobby"]
    assert by_id[event["refunded"]["id"]]["status"] == "refunded" and by_id[event["refunded"]["id"]]["door"] == ""
    topup = by_id[event["topup"]["order"]["id"]]
    assert (topup["kind"], topup["status"], topup["door"]) == ("event", "fulfilled", "")
    pending = [r for r in rows if r["status"] == "pending"]
    assert len(pending) == 1 and pending[0]["paid_at_utc8"] == "" and pending[0]["door"] == "door1"
    assert [r["created_at_utc8"] for r in rows] == sorted(r["created_at_utc8"] for r in rows)
    _no_guest_identities(app, rv.data.decode("utf-8-sig"), holders_allowed=False)


def test_certificates_csv(app, client, event):
    rv = client.get(f"{URL}/certificates.csv", headers=event["org"])
    assert rv.headers["Content-Disposition"] == 'attachment; filename="CDF2021-certificates.csv"'
    rows = read_csv(rv)
    assert list(rows[0]) == ["serial", "issued_at_utc8", "status", "kind", "holder", "kg", "project", "verify_url"]
    assert len(rows) == 6  # 4 valid, frank's revoked, the event certificate
    for row in rows:
        public = client.get(f"/api/v1/certificates/{row['serial']}").json
        assert (row["status"], row["kg"], row["verify_url"]) == (public["status"], str(public["kg"]),
                                                                 public["verify_url"])
        holder = "'" + public["holder"] if public["holder"].startswith("=") else public["holder"]
        assert row["holder"] == holder  # as printed; a formula-like one is quoted for spreadsheets
        issued = datetime.fromisoformat(public["issued_at"]).astimezone(CST)
        assert row["issued_at_utc8"] == issued.strftime("%Y-%m-%d %H:%M:%S")
    assert [r["holder"] for r in rows][:4] == ["'=1+1", "Alice", "Bob", rows[3]["holder"]]
    assert sorted((r["kind"], r["status"]) for r in rows) == [
        ("event", "valid"), ("personal", "revoked"), ("personal", "valid"), ("personal", "valid"),
        ("personal", "valid"), ("personal", "valid")]
    assert next(r for r in rows if r["kind"] == "event")["holder"] == "中国互联网发展基金会"
    _no_guest_identities(app, rv.data.decode("utf-8-sig"), holders_allowed=True)


def _no_guest_identities(app, text: str, *, holders_allowed: bool) -> None:
    with app.app_context():
        users = db.session.execute(db.select(User)).scalars().all()
        typed = [o for o in db.session.execute(db.select(Order.organization_name)).scalars() if o]
        assert typed == ["Alice Holdings"]
        for user in users:
            assert user.openid not in text
            if not holders_allowed:
                assert user.nickname not in text
        assert "Alice Holdings" not in text


def test_a_big_export_is_streamed_in_chunks(app, client, accounts, monkeypatch):
    """Rows leave in chunks as they are read, not as one string built in memory."""
    from app import csv_export

    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 2)
    guest = Guest(client, "alice")
    for kg in (10, 20, 30, 40, 50):
        buy(client, guest, kg)
    rv = client.get(f"{URL}/certificates.csv", headers=headers(client, "org@dd.test"), buffered=False)
    chunks = [chunk for chunk in rv.response if chunk]
    assert len(chunks) == 3  # header + 2 rows, 2 rows, 1 row
    assert len(list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))) == 6


ROLES = {"admin": "admin@dd.test", "organiser": "org@dd.test", "other organiser": "other@dd.test",
         "assigned venue staff": "venue@dd.test", "unassigned venue staff": "free@dd.test",
         "project owner": "owner@dd.test", "no auth": None}
ALLOWED = {"admin": 200, "organiser": 200, "other organiser": 403, "assigned venue staff": 403,
           "unassigned venue staff": 403, "project owner": 403, "no auth": 401}


@pytest.fixture
def crew(app, client, accounts):
    with app.app_context():
        staff.create_staff(email="free@dd.test", name="Free", password=STAFF_PASSWORD, role="venue_staff")
    admin = headers(client, "admin@dd.test")
    assert client.post(f"{URL}/assignments", json={"email": "venue@dd.test"}, headers=admin).status_code == 201


@pytest.mark.parametrize("path", ["dashboard", "orders.csv", "certificates.csv"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, client, crew, path, role):
    h = headers(client, ROLES[role]) if ROLES[role] else {}
    rv = client.get(f"{URL}/{path}", headers=h)
    assert rv.status_code == ALLOWED[role], rv.data[:200]
    if rv.status_code >= 400:
        assert rv.json["error"]["code"] == ("unauthorized" if rv.status_code == 401 else "forbidden")
    if role == "assigned venue staff":  # refused for the role, though assigned (they may read the doors)
        assert client.get(f"{URL}/doors", headers=h).status_code == 200


def test_polls_share_recent_figures_but_not_the_right_to_read_them(app, client, accounts, monkeypatch):
    """With DASHBOARD_CACHE_SECONDS, polls within that time get the same figures (one computation for every
    open tab of a worker), a purchase shows once they expire, and who may read is checked every time."""
    from app import caching

    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 5)
    now = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    org = headers(client, "org@dd.test")
    first = client.get(f"{URL}/dashboard", headers=org).json
    buy(client, Guest(client, "late"), 40)
    cached = client.get(f"{URL}/dashboard", headers=org).json
    assert cached == first  # the same figures, the same generated_at
    assert client.get(f"{URL}/dashboard?bucket=day", headers=org).json["totals"]["certificates"] == \
        first["totals"]["certificates"] + 1  # another bucket is another entry
    other = headers(client, "other@dd.test")  # DJY's organiser: not CDF2021's
    assert client.get(f"{URL}/dashboard", headers=other).status_code == 403
    now[0] += 5.1
    fresh = client.get(f"{URL}/dashboard", headers=org).json
    assert fresh["totals"]["certificates"] == first["totals"]["certificates"] + 1
    assert fresh["generated_at"] != first["generated_at"]
