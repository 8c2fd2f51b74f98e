"""The guests' hot paths made lean (issue 10): cached pages with ETags, orjson output, the token cache."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.jsonutil import JSONProvider
from tests.conftest import staff_headers


def _second_instance(app):
    """Another app on the same database: what a second worker or host is (its own pools and sessions)."""
    return create_app(TestConfig({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                                  "CERTIFICATE_STORAGE_DIR": app.config["CERTIFICATE_STORAGE_DIR"]}))


def test_scenario_page_has_an_etag_and_answers_304_while_unchanged(client, seeded):
    first = client.get("/api/v1/scenarios/CDF2021")
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    assert "max-age=" in first.headers["Cache-Control"] and first.headers["Vary"] == "Accept-Language"
    again = client.get("/api/v1/scenarios/CDF2021")
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    not_modified = client.get("/api/v1/scenarios/CDF2021", headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"]
    # The calculator's labels follow the language: another page, another ETag.
    english = client.get("/api/v1/scenarios/CDF2021", headers={"Accept-Language": "en"})
    assert english.status_code == 200 and english.headers["ETag"] != first.headers["ETag"]
    assert client.get("/api/v1/scenarios/NOPE").status_code == 404


def test_an_edit_on_another_instance_is_seen_at_once(app, client, accounts):
    """Figure: instance A serves CDF2021 from its cache; the organiser edits the venue through instance B
    (same database, another process's view); A's very next read shows the new venue and a new ETag, and
    A's old ETag no longer gets a 304."""
    before = client.get("/api/v1/scenarios/CDF2021")
    assert client.get("/api/v1/scenarios/CDF2021").headers["ETag"] == before.headers["ETag"]  # cached
    other = _second_instance(app)
    try:
        other_client = other.test_client()
        rv = other_client.patch("/api/v1/staff/scenarios/CDF2021", json={"venue": "三号厅"},
                                headers=staff_headers(other_client, "org@dd.test"))
        assert rv.status_code == 200, rv.json
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    after = client.get("/api/v1/scenarios/CDF2021", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["venue"] == "三号厅"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_running_totals_and_closing_change_the_page(app, client, seeded):
    from sqlalchemy import update

    from app.models import Scenario
    from tests.journey import SMALL, Guest, confirm

    before = client.get("/api/v1/scenarios/CDF2021")
    guest = Guest(client, "totals")  # a new participant, written by a real fulfilment (the guest board)
    confirm(client, guest.order(guest.footprint(SMALL)["id"], "CDCER-EV"))
    after = client.get("/api/v1/scenarios/CDF2021")
    assert after.json["stats"]["participants"] == before.json["stats"]["participants"] + 1
    with app.app_context():
        db.session.execute(update(Scenario).where(Scenario.code == "CDF2021").values(status="closed"))
        db.session.commit()
    assert client.get("/api/v1/scenarios/CDF2021").json["status"] == "closed"


def _statements(app, call):
    """The SQL statements `call()` sent (the service's engine)."""
    from sqlalchemy import event

    sent: list[str] = []

    def listen(conn, cursor, statement, *args):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return sent


def test_scenario_totals_are_read_from_counter_rows_only_where_they_are_shown(app, client, seeded):
    """The totals were a count of every participant's board row (~14 ms on PostgreSQL at 10,000): now no
    guest read touches the board for them; the resolve answer and the scenario page read the scenario's
    counter rows in one statement with the scenario, and the project list (every journey) not at all."""
    from tests.journey import SMALL, Guest, confirm

    guest = Guest(client, "counted-once")
    confirm(client, guest.order(guest.footprint(SMALL)["id"], "CDCER-EV"))
    listed = _statements(app, lambda: client.get("/api/v1/projects", query_string={"scenario": "CDF2021"}))
    assert listed and not any("leaderboard_entries" in s or "scenario_totals" in s for s in listed)

    answers = []
    resolved = _statements(app, lambda: answers.append(
        client.get("/api/v1/deeplinks/resolve", query_string={"scene": "CDF2021.door3"}, headers=guest.headers)))
    assert answers[0].status_code == 200 and answers[0].json["scenario"]["stats"]["participants"] >= 1
    assert not any("leaderboard_entries" in s for s in resolved)
    totals_reads = [s for s in resolved if "scenario_totals" in s]
    assert len(totals_reads) == 1 and "FROM scenarios" in totals_reads[0]  # with the scenario, not lazily after
    page = client.get("/api/v1/scenarios/CDF2021")
    assert page.json["stats"] == answers[0].json["scenario"]["stats"]
    rows = client.get("/api/v1/scenarios").json["data"]
    assert any(r["code"] == "CDF2021" and r["stats"] == page.json["stats"] for r in rows)


def test_factor_set_etag(client):
    first = client.get("/api/v1/factor-sets/diandian-2025.1")
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    assert client.get("/api/v1/factor-sets/diandian-2025.1").get_data() == first.get_data()
    rv = client.get("/api/v1/factor-sets/diandian-2025.1", headers={"If-None-Match": first.headers["ETag"]})
    assert rv.status_code == 304
    assert client.get("/api/v1/factor-sets/nope").status_code == 404


def test_orjson_responses_are_the_bytes_the_standard_encoder_wrote(app):
    """Decimals (as their float text), datetimes (ISO with offset, naive as UTC), dates, text, big integers
    and non-string keys: byte for byte what json.dumps with the provider's default gave."""
    samples = [
        {"kg": Decimal("475.4"), "tiny": Decimal("0.0000150"), "whole": Decimal("12.000"), "neg": Decimal("-0.5"),
         "at": datetime(2026, 11, 2, 3, 4, 5, 6, tzinfo=UTC), "naive": datetime(2026, 1, 1),
         "day": datetime(2026, 1, 2).date(), "text": "中文 → \u2028 \x01 \"q\" /", "n": [1, None, True, 1.5]},
        {1: "int key"}, {"big": 2**80}, [],
    ]
    with app.app_context():
        for obj in samples:
            old = json.dumps(obj, default=JSONProvider.default, ensure_ascii=False, separators=(",", ":")) + "\n"
            assert app.json.response(obj).get_data() == old.encode(), obj


def test_a_cached_token_still_expires_and_is_still_revoked(app, client, seeded):
    from app.auth import forget_token_version
    from app.models import User

    login = client.post("/api/v1/auth/login", json={"code": "sandbox-cache"}).json
    headers = {"Authorization": f"Bearer {login['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # verified once, now cached
    app.config["TOKEN_TTL_SECONDS"] = -1
    try:
        rv = client.get("/api/v1/me", headers=headers)
        assert rv.status_code == 401 and rv.json["error"]["code"] == "token_expired"
    finally:
        app.config["TOKEN_TTL_SECONDS"] = TestConfig().TOKEN_TTL_SECONDS
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        user = db.session.get(User, login["user"]["id"]) if "user" in login else None
        user = user or db.session.query(User).order_by(User.id.desc()).first()
        user.token_version += 1
        db.session.commit()
        forget_token_version(user.id, user.token_version)
    rv = client.get("/api/v1/me", headers=headers)
    assert rv.status_code == 401 and rv.json["error"]["code"] == "token_invalid"


def test_each_journey_step_reads_what_it_needs_once(app, client, seeded):
    """Issue 10's statement cuts, each named: the scan check is the footprint INSERT's own condition; the
    project list looks its scenario up inside its one read; the order reads the guest once (the row it
    locks), and its footprint with the project and "is it offered here" in one read; the settlement reads
    the guest with the order it locks."""
    from tests.journey import CONFERENCE, Guest, confirm

    guest = Guest(client, "lean-steps")
    scan_id = client.get("/api/v1/deeplinks/resolve", query_string={"scene": "CDF2021.door3"},
                         headers=guest.headers).json["entry"]["scan_id"]
    answers = []
    sent = _statements(app, lambda: answers.append(guest.footprint({**CONFERENCE, "scan_id": scan_id})))
    assert not any("FROM scans" in s and "INSERT" not in s for s in sent), sent
    with app.app_context():
        from app.models import Footprint

        assert db.session.get(Footprint, answers[0]["id"]).scan_id == scan_id

    listed = _statements(app, lambda: answers.append(
        client.get("/api/v1/projects", query_string={"scenario": "CDF2021"})))
    assert answers[-1].status_code == 200 and answers[-1].json["data"]
    # The projects, their owners, their available kilograms and the scenario: one statement.
    assert len(listed) == 1 and "FROM scenarios" in listed[0] and "stock_shards" in listed[0], listed

    ordered = _statements(app, lambda: answers.append(guest.order(answers[0]["id"], "CDCER-EV", key="lean-1")))
    # A new Idempotency-Key is looked up inside the footprint's read, not by a statement of its own.
    key_reads = [s for s in ordered if "orders.idempotency_key =" in s]
    assert len(key_reads) == 1 and key_reads[0].lstrip().startswith("SELECT footprints."), key_reads
    user_reads = [s for s in ordered if "FROM users" in s]
    assert len(user_reads) == 1, user_reads  # (FOR UPDATE on PostgreSQL)
    assert not any(s.lstrip().startswith("SELECT scenario_projects") for s in ordered)
    # The footprint and the project, with "offered here" for the footprint's scenario, in one read.
    footprint_reads = [s for s in ordered if "FROM footprints" in s]
    assert len(footprint_reads) == 1 and "JOIN projects" in footprint_reads[0], footprint_reads
    assert not any("FROM projects" in s for s in ordered), ordered

    paid = _statements(app, lambda: confirm(client, answers[-1]))
    service_user_reads = [s for s in paid if "FROM users" in s and "FROM orders" not in s
                          and "sandbox" not in s]
    assert service_user_reads == [], service_user_reads
    assert guest.get_order(answers[-1]["order"]["id"])["status"] == "fulfilled"


def test_the_project_list_counts_holds_and_lapsed_holds_as_the_stock_books_do(app, client, seeded):
    """The list's available kilograms (one column of its one statement) are the stock books' (stock.stocks):
    a live hold is taken off, a hold past its grace is counted as available again before reconcile frees it."""
    from datetime import timedelta

    from app.models import Order
    from app.services.offsetting import stock
    from tests.journey import Guest

    def listed():
        return {p["code"]: p["available_kg"] for p in client.get("/api/v1/projects").json["data"]}

    def books(codes):
        with app.app_context():
            from app.models import Project

            ids = dict(db.session.execute(db.select(Project.code, Project.id).where(Project.code.in_(codes))).all())
            found = stock.stocks(ids.values())
            return {code: found[pid].available_kg for code, pid in ids.items()}

    before = listed()
    assert before == books(before)
    guest = Guest(client, "lean-list-held")
    held = guest.order(guest.footprint()["id"])
    now = listed()
    assert now == books(now) and now["CDCER-FOR"] == before["CDCER-FOR"] - held["order"]["kg"]
    with app.app_context():
        order = db.session.get(Order, held["order"]["id"])
        order.expires_at = order.expires_at - timedelta(days=1) - stock.HOLD_GRACE
        db.session.commit()
    now = listed()
    assert now == books(now) == before


def test_the_certificate_page_is_one_statement(app, client, seeded):
    from tests.journey import Guest, confirm

    guest = Guest(client, "lean-certificate-one")
    paid = guest.order(guest.footprint()["id"])
    confirm(client, paid)
    serial = guest.get_order(paid["order"]["id"])["certificate"]["serial"]
    pages = []
    sent = _statements(app, lambda: pages.append(client.get(f"/api/v1/certificates/{serial}")))
    assert pages[0].status_code == 200 and pages[0].json["covers"], pages[0].json
    assert len(sent) == 1 and "footprints.items" in sent[0], sent


def test_the_verify_page_reads_the_order_once_and_the_certificate_once(app, client, seeded):
    """The public verify page (every QR scan of a certificate) reads what it shows of the order (paid, kg,
    price) in one narrow statement: before, the order came with its project and owner and then its
    certificate and the certificate's claims again (selectin), two statements the page had already run."""
    from app.domain.money import yuan
    from tests.journey import Guest, confirm

    guest = Guest(client, "lean-verify")
    paid = guest.order(guest.footprint()["id"])
    confirm(client, paid)
    serial = guest.get_order(paid["order"]["id"])["certificate"]["serial"]
    pages = []
    sent = [" ".join(s.split()) for s in _statements(app, lambda: pages.append(client.get(f"/verify/{serial}")))]
    assert pages[0].status_code == 200
    assert f"¥{yuan(paid['order']['amount_fen'], grouping=True)}" in pages[0].get_data(as_text=True)  # paid, shown
    assert sum(" FROM certificates" in s for s in sent) == 1, sent
    assert sum(" FROM credit_claims" in s for s in sent) == 0, sent  # joined into the certificate's read
    orders = [s for s in sent if " FROM orders" in s]
    assert len(orders) == 1 and "JOIN projects" not in orders[0], orders
    assert len(sent) == 6, sent  # certificate, order, footprint, who shows, their places, the ledger


def test_a_refused_scan_id_writes_nothing(app, client, seeded):
    from app.models import Footprint
    from tests.journey import CONFERENCE

    other = client.get("/api/v1/deeplinks/resolve?scene=DJY").json["entry"]["scan_id"]
    with app.app_context():
        before = db.session.query(Footprint).count()
    for scan_id in (other, 2_000_000_000):
        rv = client.post("/api/v1/footprints", json={**CONFERENCE, "scan_id": scan_id})
        assert rv.status_code == 422 and list(rv.json["error"]["fields"]) == ["scan_id"]
    with app.app_context():
        assert db.session.query(Footprint).count() == before


def test_projects_of_a_draft_or_unknown_scenario_are_404_and_none_offered_is_empty(app, client, seeded):
    from app.models import Project, Scenario

    with app.app_context():
        db.session.execute(db.update(Scenario).where(Scenario.code == "DJY").values(status="draft"))
        db.session.commit()
    assert client.get("/api/v1/projects?scenario=DJY").status_code == 404
    assert client.get("/api/v1/projects?scenario=NOPE").json["error"]["code"] == "scenario_not_found"
    with app.app_context():
        db.session.execute(db.update(Project).values(active=False))
        db.session.commit()
    rv = client.get("/api/v1/projects?scenario=CDF2021")
    assert rv.status_code == 200 and rv.json["data"] == []


def test_a_second_journey_compiles_no_statement_again(app, client, seeded):
    """Every statement of a guest's journey (the service's and the simulators') is served from SQLAlchemy's
    compiled cache the second time: no statement is built in a form that cannot be cached (an upsert
    written with .values([...]) was compiled anew in every fulfilment)."""
    from sqlalchemy import event
    from sqlalchemy.engine.default import CacheStats

    from tests.journey import CONFERENCE, Guest, confirm

    def journey(name: str) -> None:
        guest = Guest(client, name)
        rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": "CDF2021.door3"}, headers=guest.headers)
        assert rv.status_code == 200, rv.json
        footprint = guest.footprint({**CONFERENCE, "scan_id": rv.json["entry"]["scan_id"]})
        assert client.get("/api/v1/projects", query_string={"scenario": "CDF2021"}).status_code == 200
        order = guest.order(footprint["id"], "CDCER-EV", organization="成都环交所")
        confirm(client, order, deliveries=2)
        paid = guest.get_order(order["order"]["id"])
        assert paid["status"] == "fulfilled"
        assert client.get(f"/api/v1/certificates/{paid['certificate']['serial']}").status_code == 200

    journey("compiled-first")
    seen: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if context.compiled is not None:  # (BEGIN IMMEDIATE is the driver's own text)
            seen.append((" ".join(statement.split())[:120], context.cache_hit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", listen)
    try:
        journey("compiled-second")
    finally:
        event.remove(engine, "after_cursor_execute", listen)
    assert len(seen) >= 25, seen
    assert [s for s, hit in seen if hit is not CacheStats.CACHE_HIT] == []


def test_the_certificate_page_reads_only_what_it_shows(app, client, seeded):
    """GET /certificates/<serial> reads its columns narrowed to the page (services.offsetting.certificates.
    _BY_SERIAL_FOR_VIEW): the same answer as the full rows the models load give."""
    from tests.journey import Guest, confirm

    guest = Guest(client, "narrow-certificate")
    paid = guest.order(guest.footprint()["id"])
    confirm(client, paid)
    serial = guest.get_order(paid["order"]["id"])["certificate"]["serial"]
    page = client.get(f"/api/v1/certificates/{serial}")
    assert page.status_code == 200 and page.json["allocations"] and page.json["scenario"]["code"] == "CDF2021"
    with app.test_request_context(f"/api/v1/certificates/{serial}"):
        from app.routes.offsetting.certificates import CERTIFICATE_SCHEMA
        from app.services.offsetting import certificates

        certificate, shows = certificates.find_certificate(serial)  # every column, as the models load them
        full = certificates.CertificateView(
            certificate=certificate, event=certificates.event_claim(certificate), holder_shown=shows,
            covers=certificates.claim_sections(certificate))
        assert json.loads(json.dumps(CERTIFICATE_SCHEMA.dump(full), default=str)) == page.json
        db.session.rollback()


def test_a_certificates_pictures_read_only_what_they_draw(app, client, seeded):
    """The pictures read the certificate narrowed to what they draw (certificates.certificate_for_picture), once for
    both variants: what they draw is what the full rows give, in every language, and the GET serves it."""
    from app.i18n import LANGUAGES
    from app.services.offsetting import certificates
    from app.services.offsetting.certificate_images import certificate_data
    from tests.journey import Guest, confirm

    guest = Guest(client, "narrow-picture")
    paid = guest.order(guest.footprint()["id"])
    confirm(client, paid)
    serial = guest.get_order(paid["order"]["id"])["certificate"]["serial"]
    with app.test_request_context("/"):
        for lang in LANGUAGES:
            db.session.expunge_all()  # each read loads its own columns, not the identity map's
            certificate, shown = certificates.find_certificate(serial)  # every column, as the models load them
            full = certificate_data(certificate, lang=lang, shown=shown)
            db.session.expunge_all()
            certificate, shown, items = certificates.certificate_for_picture(serial)
            narrow = certificate_data(certificate, lang=lang, shown=shown, items=items)
            assert narrow == full and narrow.credit_serials and narrow.scenario_title and narrow.sections
        db.session.rollback()
    for variant in ("portrait", "card"):
        rv = client.get(f"/api/v1/certificates/{serial}/image.png?variant={variant}&lang=en")
        assert rv.status_code == 200 and rv.mimetype == "image/png"
    # A stored picture's GET reads what names its file in one statement (the narrow read, its footprint's
    # line items joined) and nothing after: before, the items came apart and the key was built after the
    # rollback, which loaded the certificate and its claims again (4 reads).
    sent = _statements(app, lambda: client.get(f"/api/v1/certificates/{serial}/image.png?lang=en"))
    assert len([s for s in sent if s.lstrip().upper().startswith("SELECT")]) == 1, sent


def test_the_after_payment_job_reads_the_certificate_once_for_the_boards_and_once_for_the_pictures(
        app, client, seeded, monkeypatch):
    """after_fulfilment reads what the boards and the storage key need of the certificate and its order in
    one narrow statement (not the scenario, project and claims its model loads, a second statement), and
    the pictures by the serial it read: their own narrow read, once for both variants. Neither reads the
    certificate again after its rollback (which expires it: reading it then loaded the whole row and its
    claims, two statements more each time). With Redis, the mirror reads the board rows' scores too."""
    from app.models import Certificate
    from app.tasks import jobs
    from tests.journey import Guest, confirm

    guest = Guest(client, "narrow-job")
    paid = guest.order(guest.footprint()["id"])
    confirm(client, paid)  # QUEUE_PRERENDER_LANGS is empty in the tests: nothing drawn yet
    serial = guest.get_order(paid["order"]["id"])["certificate"]["serial"]
    monkeypatch.setitem(app.config, "QUEUE_PRERENDER_LANGS", ("zh",))
    with app.app_context():
        certificate_id = db.session.execute(db.select(Certificate.id).where(Certificate.serial == serial)).scalar()
    drawn = []

    def run():
        with app.app_context():
            drawn.append(jobs.after_fulfilment(certificate_id))

    sent = _statements(app, run)
    reads = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    redis = app.extensions.get("redis") is not None
    # the boards' read and the pictures' read, their footprint's line items joined (and the board rows' scores)
    assert drawn == [2] and len(reads) == (3 if redis else 2), reads
    assert "credit_claims" not in reads[0] and "scenarios" not in reads[0]  # the boards' read: the two rows only
    assert sum("FROM certificates" in r for r in reads) == 2  # no read of the serial by the id again
    assert _statements(app, run) and drawn[-1] == 0  # stored: a second run draws nothing
    files = sorted(p.name for p in Path(app.config["CERTIFICATE_STORAGE_DIR"]).rglob(f"{serial}.*"))
    assert [f.split(".")[3:5] for f in files] == [["zh", "card"], ["zh", "portrait"]]


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set")
def test_token_versions_are_shared_between_workers_through_redis(app, client, seeded):
    """A worker that never saw a guest reads the guest's token version from Redis, not the database; a
    logout's new version reaches it there; a lapsed entry is read from the database and shared again."""
    from app.auth import SHARED_VERSION_TTL, _versions

    login = client.post("/api/v1/auth/login", json={"code": "sandbox-shared-version"}).json
    headers, key = {"Authorization": f"Bearer {login['token']}"}, f"diandian:tv:{login['user']['id']}"
    redis = app.extensions["redis"]
    assert int(redis.get(key)) == 1 and 0 < redis.ttl(key) <= SHARED_VERSION_TTL  # shared at login
    other = _second_instance(app)  # another worker: its own pools and sessions
    with other.app_context():
        engine = db.engine
    reads = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: reads.append(statement)
                 if statement.startswith("SELECT users.token_version") else None)
    try:
        _versions.clear()  # the other worker has never seen this guest
        assert other.test_client().get("/api/v1/me", headers=headers).status_code == 200
        assert reads == []

        assert client.post("/api/v1/auth/logout", headers=headers).status_code in (200, 204)
        assert int(redis.get(key)) == 2  # overwritten after the commit
        _versions.clear()  # the other worker's own 15 s have passed
        refused = other.test_client().get("/api/v1/me", headers=headers)
        assert refused.status_code == 401 and refused.json["error"]["code"] == "token_invalid" and reads == []

        redis.delete(key)  # lapsed: the database answers once and the entry is back
        _versions.clear()
        assert other.test_client().get("/api/v1/me", headers=headers).status_code == 401
        assert len(reads) == 1 and int(redis.get(key)) == 2
    finally:
        engine.dispose()


def test_a_statement_of_its_own_ends_its_transaction_and_what_follows_opens_another(app, client, seeded):
    """own_transaction on PostgreSQL: a marked statement that opens a transaction is committed with it (a
    rollback after it cannot undo it), and the use case's next statements are one transaction again (rolled
    back together). Inside a transaction already begun, a marked statement is part of it; on SQLite it is
    always an ordinary statement."""
    from sqlalchemy import select, update

    from app.extensions import own_transaction
    from app.models import User
    from tests.journey import Guest

    guest = Guest(client, "own-transaction")
    rename = own_transaction(update(User).where(User.id == guest.user_id).values(nickname="alone"))
    nickname = select(User.nickname).where(User.id == guest.user_id)
    with app.app_context():
        session = db.session()
        if session.get_bind().dialect.name != "postgresql":
            before = session.scalar(nickname)
            session.rollback()
            session.execute(rename)
            assert session.in_transaction()
            session.rollback()
            assert session.scalar(nickname) == before  # rolled back with the transaction it opened
            session.rollback()
            return
        session.execute(rename)
        assert not session.in_transaction()
        session.rollback()
        assert session.scalar(nickname) == "alone"  # committed as it ran
        session.rollback()

        assert session.execute(own_transaction(select(User.id).where(User.id == guest.user_id))).scalar_one() \
            == guest.user_id
        assert not session.in_transaction()
        session.execute(update(User).where(User.id == guest.user_id).values(nickname="first"))
        session.execute(update(User).where(User.id == guest.user_id).values(show_places=True))
        session.rollback()
        assert session.scalar(nickname) == "alone"  # both statements after it were one transaction

        session.execute(rename.values(nickname="inside"))  # opens an ordinary transaction: it is not alone
        session.execute(own_transaction(update(User).where(User.id == guest.user_id).values(nickname="joined")))
        assert session.in_transaction()
        session.rollback()
        assert session.scalar(nickname) == "alone"
        session.rollback()


@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="autocommit is PostgreSQL's (SQLite has no round trips to save)")
def test_single_statement_steps_send_no_begin_and_every_lock_is_inside_a_transaction(app, client, seeded):
    """PostgreSQL: login, the footprint, the project list, the order's prepay_id, the order's status and the
    certificate page each run their one statement in autocommit (no BEGIN and COMMIT round trips); the
    order's hold, the settlement and every other statement that locks a row run inside a transaction."""
    from tests.journey import Guest, confirm

    seen: list[tuple[str, bool]] = []

    def listen(conn, cursor, statement, *args):
        seen.append((" ".join(statement.split()), conn.connection.dbapi_connection.autocommit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        guest = Guest(client, "autocommit")
        footprint = guest.footprint()
        assert client.get("/api/v1/projects", query_string={"scenario": "CDF2021"}).status_code == 200
        ordered = guest.order(footprint["id"], "CDCER-EV")
        confirm(client, ordered, deliveries=2)
        assert guest.get_order(ordered["order"]["id"])["status"] == "fulfilled"
        serial = guest.get_order(ordered["order"]["id"])["certificate"]["serial"]
        assert client.get(f"/api/v1/certificates/{serial}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)

    def alone(prefix):
        return [autocommit for statement, autocommit in seen if statement.startswith(prefix)]

    assert alone("INSERT INTO users") == [True]
    assert alone("INSERT INTO footprints") == [True]
    assert alone("SELECT projects.") == [True]
    assert alone("UPDATE orders SET prepay_id") == [True]  # after the hold's commit and WeChat Pay's answer
    assert alone("SELECT orders.id, orders.out_trade_no, orders.user_id") == [True, True]  # the order's view
    page = [autocommit for statement, autocommit in seen
            if statement.startswith("SELECT certificates.") and "WHERE certificates.serial =" in statement]
    assert page == [True]  # the certificate page (fulfilment reads its certificate inside its transaction)
    locks = [(statement, autocommit) for statement, autocommit in seen if "FOR UPDATE" in statement]
    assert len(locks) >= 3 and not any(autocommit for _statement, autocommit in locks), locks
    writes = ("INSERT INTO orders", "UPDATE stock_shards", "INSERT INTO certificates", "UPDATE credit_units",
              "INSERT INTO ledger_entries", "INSERT INTO leaderboard_entries")
    assert all(alone(prefix) and not any(alone(prefix)) for prefix in writes)
    settled = [autocommit for statement, autocommit in seen
               if statement.startswith("UPDATE orders") and "prepay_id" not in statement]
    assert settled and not any(settled)  # the order paid and fulfilled, in the settlement's transaction
