"""Leaderboards (SQL and Redis give the same ranks) and the guest's profile."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Certificate, LeaderboardEntry
from tests.journey import Guest, confirm

SMALL = {"scenario": "CDF2021", "meals": {"standard": 1}}
SCENIC = {"scenario": "DJY", "meals": {"standard": 1}}


def neutralise(client, guest: Guest, kg: int, body=SMALL, organization=None, project="CDCER-FOR"):
    fp = guest.footprint(body)
    extra = {"organization": organization} if organization else {}
    order = guest.order(fp["id"], project, kg=kg, **extra)
    confirm(client, order)
    return order["order"]


def board(client, headers=None, **params):
    rv = client.get("/api/v1/leaderboards", query_string=params, headers=headers or {})
    assert rv.status_code == 200, rv.json
    return rv.json


def test_ranks_names_me_and_opt_out(client, seeded):
    alice, bob, carol = Guest(client, "alice"), Guest(client, "bob"), Guest(client, "carol")
    client.patch("/api/v1/me", json={"nickname": "Alice"}, headers=alice.headers)
    client.patch("/api/v1/me", json={"nickname": "Bob"}, headers=bob.headers)
    neutralise(client, alice, 300)
    neutralise(client, bob, 500)
    neutralise(client, alice, 250, SCENIC)
    got = board(client, alice.headers)
    assert got["entries"] == [{"rank": 1, "name": "Alice", "kg": 550}, {"rank": 2, "name": "Bob", "kg": 500}]
    assert got["me"] == {"rank": 1, "kg": 550}
    scenario = board(client, alice.headers, scenario="CDF2021")
    assert [(e["name"], e["kg"]) for e in scenario["entries"]] == [("Bob", 500), ("Alice", 300)]
    assert scenario["me"] == {"rank": 2, "kg": 300}
    assert board(client, carol.headers)["me"] is None
    assert board(client)["me"] is None
    assert board(client, limit=1)["entries"] == [{"rank": 1, "name": "Alice", "kg": 550}]
    client.patch("/api/v1/me", json={"show_on_leaderboard": False}, headers=bob.headers)
    names = [e["name"] for e in board(client, scenario="CDF2021")["entries"]]
    assert names == ["匿名用户", "Alice"]
    en = client.get("/api/v1/leaderboards?scenario=CDF2021", headers={"Accept-Language": "en"}).json
    assert en["entries"][0]["name"] == "Anonymous guest"


def test_ties_go_to_who_got_there_first(app, client, runner, seeded):
    first, second = Guest(client, "first"), Guest(client, "second")
    neutralise(client, first, 400)
    neutralise(client, second, 400)
    with app.app_context():  # "second" reached 400 kg an hour later, whatever the test's clock did
        cert = db.session.execute(db.select(Certificate).filter_by(user_id=second.user_id)).scalar_one()
        cert.issued_at = cert.issued_at + timedelta(hours=1)
        db.session.commit()
    assert runner.invoke(args=["leaderboard", "rebuild"]).exit_code == 0
    got = board(client, second.headers)
    assert [e["kg"] for e in got["entries"]] == [400, 400]
    assert got["me"] == {"rank": 2, "kg": 400}
    assert board(client, first.headers)["me"] == {"rank": 1, "kg": 400}


def test_organizations_and_month(client, seeded):
    a, b, c = Guest(client, "a"), Guest(client, "b"), Guest(client, "c")
    neutralise(client, a, 100, organization="四川大学")
    neutralise(client, b, 150, organization="四川大学")
    neutralise(client, c, 200, organization="电子科技大学")
    orgs = board(client, a.headers, by="organization")
    assert orgs["entries"] == [{"rank": 1, "name": "四川大学", "kg": 250}, {"rank": 2, "name": "电子科技大学", "kg": 200}]
    assert orgs["me"] == {"rank": 1, "kg": 250}
    assert board(client, period="month")["entries"][0] == {"rank": 1, "name": board(client)["entries"][0]["name"],
                                                            "kg": 200}
    assert board(client, by="organization", period="month", scenario="DJY")["entries"] == []


def test_refund_takes_kilograms_off(client, runner, seeded):
    a, b = Guest(client, "a"), Guest(client, "b")
    order = neutralise(client, a, 300)
    neutralise(client, b, 200)
    neutralise(client, a, 50)
    assert board(client, a.headers)["me"] == {"rank": 1, "kg": 350}
    assert runner.invoke(args=["orders", "refund", order["out_trade_no"], "--reason", "test"]).exit_code == 0
    got = board(client, a.headers)
    assert got["entries"][0]["kg"] == 200 and got["me"] == {"rank": 2, "kg": 50}


def test_bad_queries(client, seeded):
    assert client.get("/api/v1/leaderboards?scenario=NOPE").status_code == 404
    rv = client.get("/api/v1/leaderboards?by=planet&period=year&limit=0")
    assert rv.status_code == 422 and set(rv.json["error"]["fields"]) == {"by", "period", "limit"}


def all_views(app, client, guests):
    """Every board's top 20 and every guest's 'me', as the API serves them now."""
    out = {}
    for scenario in (None, "CDF2021", "DJY"):
        for by in ("user", "organization"):
            for period in ("all", "month"):
                params = {"by": by, "period": period, "limit": 20, **({"scenario": scenario} if scenario else {})}
                out[(scenario, by, period)] = [board(client, g.headers, **params) for g in guests]
    return out


def test_sql_and_redis_give_identical_results(app, client, runner, seeded):
    redis = app.extensions["redis"]
    if redis is None:
        pytest.skip("TEST_REDIS_URL not set")
    guests = [Guest(client, f"g{i}") for i in range(8)]
    plan = [(0, 120, SMALL, "A大学"), (1, 120, SMALL, "B公司"), (2, 300, SCENIC, "A大学"), (3, 90, SMALL, None),
            (4, 120, SCENIC, "B公司"), (0, 60, SCENIC, None), (5, 500, SMALL, "C中学"), (6, 120, SMALL, "A大学"),
            (7, 30, SCENIC, None), (3, 30, SMALL, "C中学")]
    for i, kg, body, org in plan:
        neutralise(client, guests[i], kg, body, org)
    client.patch("/api/v1/me", json={"show_on_leaderboard": False}, headers=guests[2].headers)
    from_redis = all_views(app, client, guests)  # kept in step by each fulfilment
    app.extensions["redis"] = None
    try:
        from_sql = all_views(app, client, guests)
    finally:
        app.extensions["redis"] = redis
    assert from_redis == from_sql
    assert runner.invoke(args=["leaderboard", "rebuild"]).exit_code == 0
    assert all_views(app, client, guests) == from_sql
    overall = from_sql[(None, "user", "all")][0]["entries"]
    assert [e["kg"] for e in overall] == [500, 300, 180, 120, 120, 120, 120, 30]


def test_rebuild_matches_incremental_rows(app, client, runner, seeded):
    for i, kg in enumerate((100, 200, 100)):
        neutralise(client, Guest(client, f"r{i}"), kg, organization="X" if i else None)
    with app.app_context():
        before = sorted((r.board, r.member, r.kg, r.reached_at) for r in
                        db.session.execute(db.select(LeaderboardEntry)).scalars())
    out = runner.invoke(args=["leaderboard", "rebuild"])
    assert out.exit_code == 0 and "from 3 certificates" in out.output
    with app.app_context():
        after = sorted((r.board, r.member, r.kg, r.reached_at) for r in
                       db.session.execute(db.select(LeaderboardEntry)).scalars())
    assert before == after and len(after) == 3 * 4 + 1 * 4  # 3 guests and 1 organisation, 4 boards each


def test_scenario_totals_follow_the_board(app, client, runner, seeded):
    """A scenario's participants and kilograms are counter rows written beside the guest board (so no read
    counts the board): a first certificate adds a participant, a second one only kilograms, a refund takes
    back what it gave, and the rebuild gives the same totals from the boards."""
    from app.models import ScenarioTotal

    def stats(code):
        return client.get(f"/api/v1/scenarios/{code}").json["stats"]

    def from_board(code):
        with app.app_context():
            sid = db.session.execute(db.text("SELECT id FROM scenarios WHERE code = :c"), {"c": code}).scalar_one()
            n, kg = db.session.execute(db.select(db.func.count(), db.func.coalesce(db.func.sum(LeaderboardEntry.kg), 0))
                                       .where(LeaderboardEntry.board == f"s{sid}:user:all")).one()
        return {"participants": n, "neutralized_kg": int(kg)}

    start = stats("CDF2021")
    ann, ben, cat = Guest(client, "t-ann"), Guest(client, "t-ben"), Guest(client, "t-cat")
    neutralise(client, ann, 300)
    neutralise(client, ann, 200)  # the same guest again: kilograms, no new participant
    refunded = neutralise(client, ben, 150, organization="X")
    neutralise(client, cat, 400, SCENIC)  # another scenario
    assert stats("CDF2021") == {"participants": start["participants"] + 2,
                                "neutralized_kg": start["neutralized_kg"] + 650} == from_board("CDF2021")
    out = runner.invoke(args=["orders", "refund", refunded["out_trade_no"], "--reason", "guest asked"])
    assert out.exit_code == 0, out.output
    assert stats("CDF2021") == {"participants": start["participants"] + 1,
                                "neutralized_kg": start["neutralized_kg"] + 500} == from_board("CDF2021")
    assert stats("DJY") == {"participants": 1, "neutralized_kg": 400} == from_board("DJY")
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ScenarioTotal)).scalar_one() >= 2
    before = {code: stats(code) for code in ("CDF2021", "DJY")}
    assert runner.invoke(args=["leaderboard", "rebuild"]).exit_code == 0
    assert {code: stats(code) for code in ("CDF2021", "DJY")} == before
    with app.app_context():  # one row per scenario after a rebuild; later writes go to their guests' rows
        assert set(db.session.execute(db.select(ScenarioTotal.shard)).scalars()) == {0}
    neutralise(client, ben, 100)
    assert stats("CDF2021") == {"participants": before["CDF2021"]["participants"] + 1,
                                "neutralized_kg": before["CDF2021"]["neutralized_kg"] + 100} == from_board("CDF2021")


def test_profile_update_and_history(client, seeded):
    guest = Guest(client, "alice")
    rv = client.patch("/api/v1/me", json={"nickname": "  小\u0000明\u202e  ", "avatar_url": "https://x.example/a.png",
                                          "show_on_leaderboard": False}, headers=guest.headers)
    assert rv.status_code == 200
    assert rv.json == {"id": guest.user_id, "nickname": "小明", "avatar_url": "https://x.example/a.png",
                       "show_on_leaderboard": False, "show_places": False}
    for body, field in (({"nickname": "x" * 33}, "nickname"), ({"nickname": "\u0001 "}, "nickname"),
                        ({"avatar_url": "http://x"}, "avatar_url"), ({"show_on_leaderboard": "yes"}, "show_on_leaderboard"),
                        ({"openid": "x"}, "openid")):
        bad = client.patch("/api/v1/me", json=body, headers=guest.headers)
        assert bad.status_code == 422 and field in bad.json["error"]["fields"], body
    assert client.patch("/api/v1/me", json={"nickname": "x"}).status_code == 401
    neutralise(client, guest, 200)
    me = client.get("/api/v1/me", headers=guest.headers).json
    assert me["nickname"] == "小明" and me["neutralized_kg"] == 200 and me["certificates"] == 1 and me["footprints"] == 1
    fps = client.get("/api/v1/me/footprints", headers=guest.headers).json
    assert fps["pagination"]["total"] == 1 and fps["data"][0]["scenario"] == "CDF2021"
    certs = client.get("/api/v1/me/certificates", headers=guest.headers).json
    assert certs["data"][0]["kg"] == 200 and certs["data"][0]["holder"] == "小明"
