"""Fixtures: one app per test session (SQLite in memory, or TEST_DATABASE_URL), rows wiped after each test.

TEST_DATABASE_URL=postgresql://... runs the same suite on PostgreSQL; TEST_REDIS_URL=redis://... adds Redis.
"""
from __future__ import annotations

import contextvars
import os
import traceback

import pytest
from marshmallow import Schema
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import create_app
from app.config import TestConfig
from app.extensions import db

# Exhaustive sweeps, each seconds in all: every role against every endpoint, every route with the database
# away, every field of every body with hostile values. `make test-fast` leaves them to `make test` and CI.
SLOW_SWEEPS = {
    "test_permission_matrix", "test_every_role_against",
    "test_every_route_answers_503_while_the_database_is_away_then_recovers",
    "test_hostile_values_in_every_field_of_every_body_never_give_a_5xx",
    "test_hostile_paths_and_query_strings_never_give_a_5xx",
    "test_the_document_is_valid_openapi_3_1_and_built_once_per_process",
    "test_bad_payout_input_is_a_422_that_changes_nothing",
    # renders of every variant and language (others of each renderer stay in the fast run)
    "test_png_size_and_qr", "test_empty_or_unsupported_holder_uses_the_fallback",
    "test_different_names_draw_different_pixels_in_the_name_box",
    "test_qr_of_a_revoked_certificate_and_of_a_long_url_decode",
}


def pytest_collection_modifyitems(config, items):
    """Browser and gunicorn tests take seconds each, and so do the sweeps above: slow, like the heavy
    renders marked in place."""
    for item in items:
        if {"browser", "e2e"} & set(item.path.parts) or item.originalname in SLOW_SWEEPS:
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    """CI asks for the PostgreSQL/Redis run explicitly; silently falling back to SQLite would hide it."""
    if os.environ.get("REQUIRE_POSTGRES") and not on_postgres():
        pytest.exit("REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not a PostgreSQL URL", returncode=2)
    if os.environ.get("REQUIRE_REDIS") and not os.environ.get("TEST_REDIS_URL"):
        pytest.exit("REQUIRE_REDIS is set but TEST_REDIS_URL is empty", returncode=2)


# Schemas only shape what a service handed them: a query while dumping (a lazy load, a service call) is a
# layering defect. Every dump in every test is watched; a statement run inside one fails that test.
_dumping = contextvars.ContextVar("dumping", default=False)
_queries_while_dumping: list[str] = []
_plain_dump = Schema.dump


def _watched_dump(self, obj, *, many=None):
    token = _dumping.set(True)
    try:
        return _plain_dump(self, obj, many=many)
    finally:
        _dumping.reset(token)


@event.listens_for(Engine, "before_cursor_execute")
def _no_query_while_dumping(conn, cursor, statement, parameters, context, executemany):
    if _dumping.get():
        where = "".join(traceback.format_list([f for f in traceback.extract_stack() if "/app/" in f.filename][-3:]))
        _queries_while_dumping.append(f"{type(conn.dialect).__name__}: {statement.splitlines()[0][:120]}\n{where}")


Schema.dump = _watched_dump


@pytest.fixture(autouse=True)
def _schemas_do_not_query():
    _queries_while_dumping.clear()
    yield
    found = list(_queries_while_dumping)
    _queries_while_dumping.clear()
    assert not found, "SQL ran while a schema was dumping:\n" + "\n".join(found)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    # A file, not ":memory:": the sandbox simulators run nested requests with their own sessions and
    # connections, as in production, and SQLite's locking must behave as it does there.
    overrides = {"CERTIFICATE_STORAGE_DIR": str(tmp_path_factory.mktemp("certificates"))}
    if not on_postgres():
        overrides["DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    app = create_app(TestConfig(overrides))
    with app.app_context():
        db.drop_all()
        db.create_all()
        redis = app.extensions.get("redis")
        if redis is not None:
            redis.flushdb()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from app.auth import _versions
    from app.services.guest.scenarios import forget_scenario_refs

    _versions.clear()  # row ids are reused once the tables are wiped
    forget_scenario_refs()
    with app.app_context():
        app.extensions["limiter"].reset()  # every test starts with fresh rate-limit counts
    if app.extensions.get("redis") is not None:
        app.extensions["redis"].flushdb()
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_seed_rows: dict[str, list[dict]] | None = None


@pytest.fixture
def seeded(app):
    """The demo data. `seed-demo` runs once per session (it imports 3,700 credit units, ~0.15 s); every
    other test gets the same rows back with one bulk insert per table (ids kept: the wiped tables' id
    sequences are past them)."""
    global _seed_rows
    from app.services.ops.seed import seed_demo

    with app.app_context():
        if _seed_rows is None:
            seed_demo()
            _seed_rows = {t.name: [dict(r._mapping) for r in db.session.execute(t.select())]
                          for t in db.metadata.sorted_tables}
            db.session.remove()
            return
        with db.engine.begin() as conn:
            for table in db.metadata.sorted_tables:
                if _seed_rows[table.name]:
                    conn.execute(table.insert(), _seed_rows[table.name])


class AuthActions:
    """Logs guests in through the real sandbox path (wechatpy -> in-process WeChat simulator)."""

    def __init__(self, client):
        self._client = client

    def login(self, name: str = "alice") -> dict:
        rv = self._client.post("/api/v1/auth/login", json={"code": f"sandbox-{name}"})
        assert rv.status_code == 200, rv.json
        return {"Authorization": f"Bearer {rv.json['token']}"}


@pytest.fixture
def auth(client):
    return AuthActions(client)


STAFF_PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(app, seeded):
    """One staff account per role (emails admin@, org@, other@, venue@, owner@ dd.test); organisers of
    the demo's CDF2021 (org@) and DJY (other@), and the owner of the demo's CDCER-FOR project (owner@)."""
    from app.services.console import staff

    with app.app_context():
        staff.create_staff(email="admin@dd.test", name="Admin", password=STAFF_PASSWORD, role="admin")
        staff.create_staff(email="org@dd.test", name="Org", password=STAFF_PASSWORD, role="organizer",
                           organization="中国互联网发展基金会")
        staff.create_staff(email="other@dd.test", name="Other", password=STAFF_PASSWORD, role="organizer",
                           organization="都江堰景区管理局（演示）")
        staff.create_staff(email="venue@dd.test", name="Venue", password=STAFF_PASSWORD, role="venue_staff")
        staff.create_staff(email="owner@dd.test", name="Owner", password=STAFF_PASSWORD, role="project_owner",
                           organization="成都龙泉山生态林业有限公司（演示）")


def staff_headers(client, email: str) -> dict:
    """Sign a staff member in through the API; returns the bearer header."""
    rv = client.post("/api/v1/staff/sign-in", json={"email": email, "password": STAFF_PASSWORD})
    assert rv.status_code == 200, rv.json
    return {"Authorization": f"Bearer {rv.json['token']}"}


def on_postgres() -> bool:
    return (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
