"""Serialising the write use cases that read before they write (holds, claims, fulfilment).

PostgreSQL: the use cases take row locks (SELECT ... FOR UPDATE) on the order and the project.
SQLite has no row locks and, in pysqlite's default mode, runs reads outside any transaction, so a
read could be stale by the time of the write: take the database write lock first (BEGIN IMMEDIATE).
"""
from __future__ import annotations

from app.extensions import db


def lock_for_write() -> None:
    """Call before the first read of a serialised write use case (a no-op on PostgreSQL)."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
