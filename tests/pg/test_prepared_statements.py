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
