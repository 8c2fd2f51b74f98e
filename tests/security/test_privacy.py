"""Privacy (PIPL): the attack re-run from public endpoints only, the export, the erasure and the retention.

The attack it replays: a guest who opted out of leaderboards was found by name in 22 unauthenticated
requests (registry CSV -> certificate -> footprint), with their itinerary. Each test states the figure
it measures.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, Order, Scan, User
from app.models.base import utcnow
from app.services.offsetting import certificate_images
from tests.conftest import staff_headers
from tests.journey import Guest, confirm

# An itinerary nobody else in these tests travels: Kashgar to Harbin, and back.
TRIP = {"scenario": "CDF2021", "travel": [{"mode": "flight.economy", "from": "KHG", "to": "HRB", "round_trip": True},
                                          {"mode": "rail.hsr", "from": "city-230100", "to": "city-510100"}],
        "stay": {"nights": 2}}
OPEN_TRIP = {"scenario": "CDF2021", "travel": [{"mode": "flight.economy", "from": "URC", "to": "TFU"}],
             "stay": {"nights": 1}}


def place_names(client, *queries: str) -> set[str]:
    """Every Chinese and English name (and id) of the places a query finds first."""
    names = set()
    for q in queries:
        place = client.get("/api/v1/places", query_string={"q": q, "limit": 1}).json["data"][0]
        names |= {place["name"], place["name_en"], place["id"]}
    return names


def buy(client, guest: Guest, body: dict, **extra) -> dict:
    footprint = guest.footprint(body)
    order = guest.order(footprint["id"], **extra)
    confirm(client, order)
    done = guest.get_order(order["order"]["id"])
    assert done["status"] == "fulfilled", done
    return {"footprint": footprint, "order": done, "serial": done["certificate"]["serial"]}


class Crawler:
    """An outsider with no token: follows every public link from the registry, and counts its requests."""

    def __init__(self, client):
        self.client, self.requests, self.texts = client, 0, []

    def get(self, url: str, **kwargs):
        rv = self.client.get(url, **kwargs)
        self.requests += 1
        self.texts.append(rv.get_data(as_text=True))
        return rv

    def crawl(self) -> str:
        rows = list(csv.DictReader(io.StringIO(self.get("/api/v1/registry.csv").get_data(as_text=True))))
        serials = sorted({r["certificate_serial"] for r in rows})
        self.get("/registry")
        for project in self.get("/api/v1/registry").json["projects"]:
            self.get(f"/api/v1/registry?project={project['code']}")
            self.get(f"/registry?project={project['code']}")
        for serial in serials:
            for lang in ("zh", "en"):
                cert = self.get(f"/api/v1/certificates/{serial}", headers={"Accept-Language": lang}).json
                self.get(f"/verify/{serial}?lang={lang}")
                if cert["footprint_id"]:
                    self.get(f"/api/v1/footprints/{cert['footprint_id']}", headers={"Accept-Language": lang})
        for scenario in (None, "CDF2021"):
            for by in ("user", "organization"):
                for period in ("all", "month"):
                    for lang in ("zh", "en"):
                        query = {"by": by, "period": period, "limit": 100, **({"scenario": scenario} if scenario else {})}
                        self.get("/api/v1/leaderboards", query_string=query, headers={"Accept-Language": lang})
        return "\n".join(self.texts)


@pytest.fixture
def people(client, seeded):
    """A guest who opted out (nickname, a typed beneficiary and organisation, a trip Kashgar-Harbin) and a
    guest who shows (nickname, organisation, a trip Urumqi-Chengdu)."""
    hidden = Guest(client, "hidden")
    assert client.patch("/api/v1/me", json={"nickname": "隐身的小周"}, headers=hidden.headers).status_code == 200
    hidden_named = buy(client, hidden, TRIP, beneficiary="周秘密", organization="保密研究所")
    hidden_plain = buy(client, hidden, TRIP)  # holder: the nickname
    assert client.patch("/api/v1/me", json={"show_on_leaderboard": False}, headers=hidden.headers).status_code == 200
    shown = Guest(client, "shown")
    assert client.patch("/api/v1/me", json={"nickname": "公开的小李"}, headers=shown.headers).status_code == 200
    shown_cert = buy(client, shown, OPEN_TRIP, organization="公开大学")
    secrets = {"隐身的小周", "周秘密", "保密研究所"} | place_names(client, "KHG", "HRB", "喀什", "哈尔滨")
    return {"hidden": hidden, "shown": shown, "hidden_certs": [hidden_named, hidden_plain], "shown_cert": shown_cert,
            "secrets": secrets}


def test_the_attack_from_public_endpoints_finds_nothing_of_an_opted_out_guest(client, people):
    """Figure: the number of the opted-out guest's personal strings (nickname, typed beneficiary and
    organisation, 4 places in Chinese, English and as ids) found in every public response: 0."""
    crawler = Crawler(client)
    text = crawler.crawl()
    found = sorted(s for s in people["secrets"] if s in text)
    assert found == [], f"{len(found)} personal strings found in {crawler.requests} public requests: {found}"
    assert crawler.requests >= 22, crawler.requests
    # The proof is still all there: every certificate, its kilograms and its credits.
    for cert in people["hidden_certs"]:
        public = client.get(f"/api/v1/certificates/{cert['serial']}").json
        assert public["holder"] == "匿名用户" and public["holder_masked"] is True
        assert public["kg"] == cert["order"]["kg"] and sum(a["kg"] for a in public["allocations"]) == public["kg"]
    en = client.get(f"/api/v1/certificates/{people['hidden_certs'][0]['serial']}", headers={"Accept-Language": "en"})
    assert en.json["holder"] == "Anonymous guest"


def test_a_guest_who_shows_keeps_todays_fields(client, people):
    """Figure: the public certificate of a guest who shows carries their nickname and the org board their
    organisation (today's fields, unchanged); places only once they opt in (show_places)."""
    serial = people["shown_cert"]["serial"]
    cert = client.get(f"/api/v1/certificates/{serial}").json
    assert cert["holder"] == "公开的小李" and cert["holder_masked"] is False
    assert cert["footprint_id"] == people["shown_cert"]["footprint"]["id"]
    assert "公开的小李" in client.get(f"/verify/{serial}").get_data(as_text=True)
    orgs = client.get("/api/v1/leaderboards?by=organization").json["entries"]
    assert [(e["name"], e["kg"]) for e in orgs] == [("公开大学", people["shown_cert"]["order"]["kg"])]
    users = [e["name"] for e in client.get("/api/v1/leaderboards").json["entries"]]
    assert "公开的小李" in users and "匿名用户" in users
    names = place_names(client, "URC")
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert not [n for n in names if n in page] and "places-hidden" in page
    assert client.patch("/api/v1/me", json={"show_places": True}, headers=people["shown"].headers).json[
        "show_places"] is True
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert any(n in page for n in names) and "places-hidden" not in page


def test_opting_in_to_places_does_not_unveil_an_opted_out_holder(client, people):
    """Figure: place names of an opted-out guest who set show_places on their verify page: 0."""
    client.patch("/api/v1/me", json={"show_places": True}, headers=people["hidden"].headers)
    page = client.get(f"/verify/{people['hidden_certs'][0]['serial']}").get_data(as_text=True)
    assert [s for s in people["secrets"] if s in page] == []


def test_footprint_places_only_with_the_owners_token(client, people):
    """Figure: the footprint GET names places for its owner only (owner: 4 names; no token or another
    guest's token: 0), with the same lines, factors and kilograms either way."""
    fp_id = people["hidden_certs"][0]["footprint"]["id"]
    own = client.get(f"/api/v1/footprints/{fp_id}", headers=people["hidden"].headers).json
    assert own["places_hidden"] is False and own["items"][0]["from"]["id"] == "airport-KHG"
    for headers in ({}, people["shown"].headers):
        public = client.get(f"/api/v1/footprints/{fp_id}", headers=headers)
        body = public.get_data(as_text=True)
        assert public.json["places_hidden"] is True and "inputs" not in public.json
        assert [s for s in people["secrets"] if s in body] == []
        assert [(i["category"], i["mode"], i["kg"], i["factor"]) for i in public.json["items"]] == \
               [(i["category"], i["mode"], i["kg"], i["factor"]) for i in own["items"]]
        assert public.json["items"][0]["label"] == "飞机（经济舱） 往返"


def test_anonymous_footprint_cannot_be_unlocked_by_ordering_it(client, seeded):
    """Figure: place names an attacker reads after ordering (and paying for) the public footprint_id of a
    certificate whose footprint was computed before login: 0. Before any order, its maker reads it: 4."""
    secrets = place_names(client, "KHG", "HRB", "喀什", "哈尔滨")
    anonymous = client.post("/api/v1/footprints", json=TRIP).json
    before = client.get(f"/api/v1/footprints/{anonymous['id']}").get_data(as_text=True)
    assert any(s in before for s in secrets)  # the guest who just computed it, not logged in yet
    victim = Guest(client, "victim")
    order = victim.order(anonymous["id"])
    confirm(client, order)
    serial = victim.get_order(order["order"]["id"])["certificate"]["serial"]
    fp_id = client.get(f"/api/v1/certificates/{serial}").json["footprint_id"]
    assert fp_id == anonymous["id"]
    assert client.get(f"/api/v1/footprints/{fp_id}", headers=victim.headers).json["places_hidden"] is False
    attacker = Guest(client, "attacker")
    theirs = attacker.order(fp_id)
    confirm(client, theirs)
    client.patch("/api/v1/me", json={"show_places": True}, headers=attacker.headers)
    attacker_serial = attacker.get_order(theirs["order"]["id"])["certificate"]["serial"]
    seen = (client.get(f"/api/v1/footprints/{fp_id}", headers=attacker.headers).get_data(as_text=True)
            + client.get(f"/api/v1/footprints/{fp_id}").get_data(as_text=True)
            + client.get(f"/verify/{attacker_serial}").get_data(as_text=True))
    assert [s for s in secrets if s in seen] == []


def test_organisation_boards_follow_the_choice_in_sql_redis_and_rebuild(app, client, runner, people):
    """Figure: rows naming the opted-out guest's organisation on any board, from SQL, from Redis (when
    configured) and after `flask leaderboard rebuild`: 0; back to 4 boards when they show again."""

    def org_rows():
        with app.app_context():
            sql = sorted((r.board, r.member, r.kg) for r in db.session.execute(
                sa.text("SELECT board, member, kg FROM leaderboard_entries WHERE member LIKE 'o:%'")))
            redis = app.extensions.get("redis")
            mirrored = None
            if redis is not None:
                mirrored = sorted((k.decode().removeprefix("diandian:lb:"), m.decode(), int(s) >> 30)
                                  for k in redis.scan_iter("diandian:lb:*:org:*")
                                  for m, s in redis.zrange(k, 0, -1, withscores=True))
            return sql, mirrored

    sql, mirrored = org_rows()
    assert not [r for r in sql if "保密研究所" in r[1]] and len(sql) == 4  # 公开大学 on 4 boards
    assert mirrored in (None, sql)
    assert runner.invoke(args=["leaderboard", "rebuild"]).exit_code == 0
    assert org_rows() == (sql, mirrored)
    client.patch("/api/v1/me", json={"show_on_leaderboard": True}, headers=people["hidden"].headers)
    shown_again, mirrored = org_rows()
    assert len([r for r in shown_again if r[1] == "o:保密研究所"]) == 4 and mirrored in (None, shown_again)
    assert runner.invoke(args=["leaderboard", "rebuild"]).exit_code == 0
    assert org_rows() == (shown_again, mirrored)
    client.patch("/api/v1/me", json={"show_on_leaderboard": False}, headers=people["hidden"].headers)
    assert org_rows() == (sql, mirrored if mirrored is None else sql)


def test_organiser_dashboard_and_exports_mask_the_opted_out(client, accounts, people):
    """Figure: the opted-out guest's strings in the dashboard (top 10) and both CSV exports: 0; the shown
    guest's nickname is in the top 10 and the certificates CSV."""
    org = staff_headers(client, "org@dd.test")
    url = "/api/v1/staff/scenarios/CDF2021"
    dashboard = client.get(f"{url}/dashboard", headers=org).get_data(as_text=True)
    orders = client.get(f"{url}/orders.csv", headers=org).get_data(as_text=True)  # streamed: read each at once
    certificates = client.get(f"{url}/certificates.csv", headers=org).get_data(as_text=True)
    assert [s for s in people["secrets"] if s in dashboard + orders + certificates] == []
    assert "公开的小李" in [e["name"] for e in json.loads(dashboard)["leaderboard"]]
    rows = list(csv.DictReader(io.StringIO(certificates.lstrip("\ufeff"))))
    assert sorted(r["holder"] for r in rows) == ["公开的小李", "匿名用户", "匿名用户"]


def test_certificate_image_draws_the_mask(app, client, people):
    """Figure: the holder the image is drawn from for an opted-out guest: the mask; its stored file and
    ETag change when the holder stops showing."""
    serial = people["hidden_certs"][0]["serial"]
    with app.app_context():
        cert = db.session.execute(sa.select(Certificate).filter_by(serial=serial)).scalar_one()
        assert cert.holder == "周秘密"  # kept for the guest's own history
        assert certificate_images.certificate_data(cert, lang="zh", shown=False).holder == "匿名用户"
        assert certificate_images.certificate_data(cert, lang="en", shown=False).holder == "Anonymous guest"
    url = f"/api/v1/certificates/{people['shown_cert']['serial']}/image.png"
    named = client.get(url)
    client.patch("/api/v1/me", json={"show_on_leaderboard": False}, headers=people["shown"].headers)
    masked = client.get(url)
    assert named.status_code == masked.status_code == 200 and named.headers["ETag"] != masked.headers["ETag"]
    assert named.data != masked.data


# -- export and erasure ---------------------------------------------------------------------------------
def test_export_holds_everything_and_no_secret(app, client, runner, people):
    """Figure: the export's sections (profile, 2 footprints with inputs and places, scans, 2 orders with
    their typed texts, payments, a refund, ledger, 2 certificates, leaderboard rows); secrets in it: 0."""
    hidden = people["hidden"]
    client.get("/api/v1/deeplinks/resolve?scene=CDF2021.door1", headers=hidden.headers)
    refunded = people["hidden_certs"][1]["order"]
    assert runner.invoke(args=["orders", "refund", refunded["out_trade_no"], "--reason", "test"]).exit_code == 0
    rv = client.get("/api/v1/me/export", headers=hidden.headers)
    assert rv.status_code == 200 and rv.headers["Cache-Control"] == "no-store"
    data = rv.json
    assert set(data) == {"format", "exported_at", "profile", "footprints", "scans", "orders", "payments", "refunds",
                         "ledger", "certificates", "leaderboard"}
    assert data["profile"]["nickname"] == "隐身的小周" and data["profile"]["show_on_leaderboard"] is False
    assert len(data["footprints"]) == 2 and data["footprints"][0]["inputs"]["travel"][0]["from"] == "KHG"
    assert data["footprints"][0]["items"][0]["from"]["id"] == "airport-KHG"
    assert [(s["scenario"], s["tag"]) for s in data["scans"]] == [("CDF2021", "door1")]
    assert {(o["beneficiary"], o["organization"]) for o in data["orders"]} == {("周秘密", "保密研究所"), (None, None)}
    assert {o["status"] for o in data["orders"]} == {"fulfilled", "refunded"}
    assert len(data["payments"]) == 2 and all(p["transaction_id"] for p in data["payments"])
    assert len(data["refunds"]) == 1 and data["refunds"][0]["order_id"] == refunded["id"]
    assert len(data["ledger"]) == 3 * 2 + 3  # two sales and one refund, three accounts each
    assert {c["holder"] for c in data["certificates"]} == {"周秘密", "隐身的小周"}
    assert all(c["allocations"] for c in data["certificates"])
    assert len(data["leaderboard"]) == 4 and all(":user:" in r["board"] for r in data["leaderboard"])
    with app.app_context():
        user = db.session.get(User, hidden.user_id)
        openid, version = user.openid, user.token_version
    text = rv.get_data(as_text=True)
    token = hidden.headers["Authorization"].split()[1]
    assert openid not in text and token not in text and "token_version" not in text and "session_key" not in text
    assert data["profile"]["wechat"]["openid"] == f"{openid[:4]}…{openid[-4:]}" and version
    assert client.get("/api/v1/me/export").status_code == 401


def _dump(app) -> str:
    """Every row of every table but the sandbox simulators' (they play WeChat Pay's own servers), each table's
    rows sorted: a scan without ORDER BY has no order (on PostgreSQL a table grown past the parallel-scan size
    comes back in the workers' order; the full CI run once failed on it)."""
    out = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name.startswith("sandbox_"):
                continue
            out.extend(sorted(json.dumps([str(v) for v in row], ensure_ascii=False)
                              for row in db.session.execute(sa.select(table))))
    return "\n".join(out)


def _registry(client) -> tuple:
    return (client.get("/api/v1/registry").json, client.get("/api/v1/registry.csv").get_data(as_text=True),
            [(e["rank"], e["kg"]) for e in client.get("/api/v1/leaderboards?limit=100").json["entries"]])


def test_delete_erases_the_guest_and_keeps_the_registry_whole(app, client, people):
    """Figure: the erased guest's nickname, openid, unionid, typed texts and place names in a dump of the
    whole database: 0; registry JSON, registry CSV and board totals before and after: identical."""
    hidden = people["hidden"]
    client.get("/api/v1/deeplinks/resolve?scene=CDF2021.door1", headers=hidden.headers)
    with app.app_context():
        user = db.session.get(User, hidden.user_id)
        user.unionid = "unionid-of-the-hidden-guest"  # the sandbox issues none; a live login can
        db.session.commit()
        openid = user.openid
    secrets = people["secrets"] | {openid, "unionid-of-the-hidden-guest"}
    assert [s for s in secrets if s in _dump(app)]  # there before
    before = _registry(client)
    serial = people["hidden_certs"][0]["serial"]
    assert client.get(f"/api/v1/certificates/{serial}/image.png").status_code == 200
    with app.app_context():
        store = certificate_images.storage()

    def renders():
        return sorted(p.name for p in store.root.glob(f"*/{serial}.*"))

    assert len(renders()) == 1

    rv = client.delete("/api/v1/me", headers=hidden.headers)
    assert rv.status_code == 204 and rv.data == b""
    dump = _dump(app)
    assert [s for s in secrets if s in dump] == [], "personal strings left in the database"
    assert _registry(client) == before
    assert renders() == []  # the stored picture that printed the holder is gone
    with app.app_context():
        user = db.session.get(User, hidden.user_id)
        assert user.erased_at is not None and user.openid.startswith("erased:") and user.nickname == ""
        assert db.session.execute(sa.select(sa.func.count()).select_from(Scan)
                                  .where(Scan.user_id == hidden.user_id)).scalar_one() == 0
        assert all(o.beneficiary is None and o.organization_name is None for o in db.session.execute(
            sa.select(Order).filter_by(user_id=hidden.user_id)).scalars())
    for cert in people["hidden_certs"]:
        public = client.get(f"/api/v1/certificates/{cert['serial']}").json
        assert public["status"] == "valid" and public["holder"] == "匿名用户"
        page = client.get(f"/verify/{cert['serial']}").get_data(as_text=True)
        assert "CDCER-FOR" in page and [s for s in secrets if s in page] == []

    # Tokens are revoked; a repeat is refused (the token died with the data); erasing again changes nothing.
    for method, url in (("delete", "/api/v1/me"), ("get", "/api/v1/me"), ("get", "/api/v1/me/export")):
        again = getattr(client, method)(url, headers=hidden.headers)
        assert again.status_code == 401 and again.json["error"]["code"] == "token_invalid"
    from app.services.guest import privacy

    with app.app_context():
        assert privacy.erase(hidden.user_id) is False
    assert _dump(app) == dump

    # The same WeChat code logs in a new guest, who starts with nothing.
    back = Guest(client, "hidden")
    assert back.user_id != hidden.user_id
    me = client.get("/api/v1/me", headers=back.headers).json
    assert me["certificates"] == 0 and me["footprints"] == 0 and me["nickname"] != "隐身的小周"


def test_delete_needs_a_login_and_erases_a_guest_with_nothing(client, seeded):
    """Figure: DELETE /me without a token: 401; a guest with no data: 204, then a new guest on login."""
    assert client.delete("/api/v1/me").status_code == 401
    guest = Guest(client, "empty")
    assert client.delete("/api/v1/me", headers=guest.headers).status_code == 204
    assert Guest(client, "empty").user_id != guest.user_id


# -- retention ------------------------------------------------------------------------------------------
def test_purge_unlinks_old_scans_in_batches(app, client, runner, seeded, accounts):
    """Figure: of 5 scans older than 90 days and 2 recent ones, `flask privacy purge --batch-size 2` unlinks
    5 (in 3 batches) and keeps 2; the dashboard's signed-in guests drop from 2 to 1, its scans stay 7."""
    old, recent = Guest(client, "old"), Guest(client, "recent")
    for guest, n in ((old, 5), (recent, 2)):
        for i in range(n):  # one door each (a guest's scans of one door within the window count once)
            client.get(f"/api/v1/deeplinks/resolve?scene=CDF2021.door{i}", headers=guest.headers)
    with app.app_context():
        db.session.execute(sa.update(Scan).where(Scan.user_id == old.user_id)
                           .values(created_at=utcnow() - timedelta(days=91)))
        db.session.commit()
    org = staff_headers(client, "org@dd.test")
    assert client.get("/api/v1/staff/scenarios/CDF2021/dashboard", headers=org).json["totals"]["guests"] == 2
    out = runner.invoke(args=["privacy", "purge", "--batch-size", "2"])
    assert out.exit_code == 0, out.output
    assert "5 scans older than 90 days" in out.output
    with app.app_context():
        linked = dict(db.session.execute(sa.select(Scan.user_id, sa.func.count()).group_by(Scan.user_id)).all())
    assert linked == {None: 5, recent.user_id: 2}
    totals = client.get("/api/v1/staff/scenarios/CDF2021/dashboard", headers=org).json["totals"]
    assert totals["guests"] == 1 and totals["scans"] == 7
    again = runner.invoke(args=["privacy", "purge"])
    assert again.exit_code == 0 and "0 scans" in again.output
    assert "0 scans older than 1 days" in runner.invoke(args=["privacy", "purge", "--days", "1"]).output
