"""PostgreSQL: psycopg's prepared statements outlive a rollback (app.extensions.keep_prepared_statements).

Every request that only reads ends its transaction with a rollback. Under psycopg's own rollback() that
forgot every prepared statement and its use counts, so no statement of a journey was ever prepared. These
tests fail on that behaviour and check that a rollback still undoes what it must.
"""
from __future__ import annotations

import pytest
from psycopg import pq
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Project, Scan, Scenario
from tests.conftest import on_postgres

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not on_postgres(), reason="needs TEST_DATABASE_URL=postgresql://...")]

_PREPARED = text("SELECT statement FROM pg_prepared_statements WHERE statement LIKE :pattern")


def test_a_statement_read_in_rolled_back_transactions_gets_prepared(app, seeded):
    read = select(Project.id, Project.code).where(Project.code == "CDCER-FOR").limit(1)  # a read-only request's
    with app.app_context(), db.engine.connect() as conn:
        for _ in range(7):  # psycopg prepares on the 6th run (prepare_threshold 5)
            assert conn.execute(read).first() is not None
            conn.rollback()
        prepared = conn.execute(_PREPARED, {"pattern": "SELECT projects.id, projects.code %"}).scalars().all()
        assert len(prepared) == 1, prepared
        conn.rollback()
        assert conn.execute(_PREPARED, {"pattern": "SELECT projects.id, projects.code %"}).scalars().all() == prepared


def test_the_journey_reads_stay_prepared_across_requests(app, seeded, client):
    for _ in range(8):  # GET only: each request's session ends with a rollback
        assert client.get("/api/v1/projects?scenario=CDF2021").status_code == 200
    with app.app_context():
        pooled = db.engine.pool.checkedin()
        found = 0
        for _ in range(pooled):  # whichever pooled connection served the requests holds the statement
            with db.engine.connect() as conn:
                found += len(conn.execute(_PREPARED, {"pattern": "%FROM projects%"}).scalars().all())
        assert found >= 1


def test_a_rollback_still_undoes_the_transaction_and_clears_an_error(app, seeded):
    with app.app_context():
        scenario_id = db.session.scalar(select(Scenario.id).where(Scenario.code == "CDF2021"))
        before = db.session.scalar(select(func.count()).select_from(Scan))
        db.session.add(Scan(scenario_id=scenario_id, source="link"))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Scan)) == before

        with db.engine.connect() as conn:
            with pytest.raises(Exception, match="division by zero"):
                conn.execute(text("SELECT 1 / 0"))
            conn.rollback()  # out of the aborted transaction: the connection works again
            assert conn.execute(text("SELECT 2")).scalar() == 2
            assert pq.TransactionStatus(conn.connection.dbapi_connection.pgconn.transaction_status).name == "INTRANS"
            conn.rollback()
            assert pq.TransactionStatus(conn.connection.dbapi_connection.pgconn.transaction_status).name == "IDLE"


def test_cursor_descriptions_are_built_on_use_and_describe_their_own_result(app, seeded):
    """psycopg's Column objects are built only when a description is read (app.extensions, the cursor factory);
    SQLAlchemy's results, cached metadata or not, still see the right columns."""
    import psycopg

    with app.app_context(), db.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("SELECT 1 AS one, 'x'::text AS label, now() AS at")
        first = cursor.description
        assert len(first) == 3 and first._columns is None  # counted, not yet built
        plain = psycopg.Cursor(conn.connection.dbapi_connection)
        plain.execute("SELECT 1 AS one, 'x'::text AS label, now() AS at")
        assert [tuple(c) for c in first] == [tuple(c) for c in plain.description]  # name, type, sizes, ...
        assert first[-1].name == "at" and [c.name for c in first[1:]] == ["label", "at"]
        cursor.execute("SELECT 2 AS two")  # the first description still describes the first result
        assert [c.name for c in first] == ["one", "label", "at"] and [c.name for c in cursor.description] == ["two"]
        cursor.execute("SET LOCAL statement_timeout = 1000")
        assert cursor.description is None  # no result columns: None, as psycopg says
        cursor.close()
        plain.close()
        for _ in range(3):  # the second run takes SQLAlchemy's cached metadata
            row = conn.execute(select(Project.id, Project.code).where(Project.code == "CDCER-FOR")).one()
            assert row._mapping["code"] == "CDCER-FOR" and row.code == "CDCER-FOR"
        conn.rollback()
