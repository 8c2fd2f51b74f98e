"""Extension singletons, bound to the app in create_app()."""
import functools
import threading

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy import CursorResult, MetaData
from sqlalchemy.exc import DBAPIError

try:
    from limits.storage import MemoryStorage
except ImportError:  # pragma: no cover - installed with limits
    MemoryStorage = None

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


OWN_TRANSACTION = "diandian_own_transaction"


def own_transaction(statement, *, unique=None):
    """Mark a statement that is a transaction of its own whenever it opens one (a read that stands alone, or
    a write that commits alone): on PostgreSQL it runs in autocommit, see Session._alone. Inside a
    transaction already begun, and on SQLite, it runs as any other.

    `unique`: for a statement that joins a collection, the strategy its rows are made unique by (as for
    Result.unique) when they are read at once; the caller still asks for it, as for any such result."""
    return statement.execution_options(**{OWN_TRANSACTION: unique or True})


class Session(_FlaskSession):
    """Optimistic disconnect handling: no ping before each checkout (one round trip per request), but a
    statement that opens a transaction and finds its pooled connection dead is run once more.

    SQLAlchemy's "Dealing with Disconnects" (optimistic handling) and its FAQ "How Do I Retry a Statement
    Execution Automatically?": only the first statement of a transaction can be retried, since nothing
    before it was sent. The failed one has invalidated the whole pool (app.errors marks lost connections
    as disconnects), so the retry connects afresh; if the database is really away it fails again (503).
    """

    def execute(self, statement, params=None, **kw):
        if self.in_transaction() or self.new or self.dirty or self.deleted:
            return super().execute(statement, params, **kw)
        alone = statement.get_execution_options().get(OWN_TRANSACTION)
        if alone and self.get_bind().dialect.name == "postgresql":
            run = functools.partial(self._alone, alone)
        else:
            run = super().execute
        try:
            return run(statement, params, **kw)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self.rollback()
            return run(statement, params, **kw)

    # Session.scalar() and scalars() run their statement without calling execute(): through it, so a
    # statement they run has the same retry and may stand alone.
    def scalar(self, statement, params=None, **kw):
        return self.execute(statement, params, **kw).scalar()

    def scalars(self, statement, params=None, **kw):
        return self.execute(statement, params, **kw).scalars()

    def _alone(self, unique, statement, params, **kw):
        """On PostgreSQL, a statement marked `own_transaction()` that opens a transaction is the whole of it:
        it runs in autocommit, one round trip where BEGIN, the statement and COMMIT (or the session's closing
        ROLLBACK) took three (~0.1 ms of CPU on each side, bench/RESULTS.md). Its rows are read at once and
        the session's transaction ends with it, so whatever the use case runs next opens a transaction of
        its own as usual. At READ COMMITTED a statement sees its own snapshot inside a transaction or out of
        one, so it reads and writes exactly as before. On SQLite (an embedded file: no round trips to save)
        a marked statement is an ordinary one, committed by the use case with what follows it."""
        self.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        result = super().execute(statement, params, **kw)
        if unique is not True:
            result = result.unique(unique)
        rows = None if isinstance(result, CursorResult) and not result.returns_rows else result.freeze()
        self.commit()
        return rows() if rows is not None else result


@functools.cache
def _keep_prepared_connection():
    """psycopg's Connection, but a rollback keeps the statements it has prepared (see keep_prepared_statements),
    and its cursors describe their columns only when asked (see _lazy_description_cursor)."""
    import psycopg
    from psycopg import pq

    class KeepPreparedConnection(psycopg.Connection):
        @classmethod
        def connect(cls, *args, **kwargs):
            kwargs.setdefault("cursor_factory", _lazy_description_cursor())
            return super().connect(*args, **kwargs)

        def rollback(self) -> None:
            if self.pgconn.transaction_status == pq.TransactionStatus.IDLE:
                return
            with self.lock:
                result = self.pgconn.exec_(b"ROLLBACK")
            if result.status != pq.ExecStatus.COMMAND_OK:  # e.g. the connection is gone: psycopg's own path raises
                super().rollback()

    return KeepPreparedConnection


@functools.cache
def _lazy_description_cursor():
    """psycopg's Cursor, but `description` builds its Column objects on first use.

    psycopg builds a Column per result column (name decoded, type looked up) every time `description` is
    read, and SQLAlchemy reads it once per statement, yet once a statement's compiled form has its result
    metadata cached it only checks that the description is not None (engine/default.py, _setup_result_proxy).
    A journey's statements return ~400 columns: ~0.5 ms of CPU built for nothing. The lazy sequence keeps the
    result it describes, so it stays right after the cursor has moved on to another statement.
    """
    from collections.abc import Sequence

    import psycopg
    from psycopg import pq

    described = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)

    class _Described:  # what psycopg.Column reads from its cursor, pinned to one result
        __slots__ = ("pgresult", "_encoding", "adapters")

        def __init__(self, cursor):
            self.pgresult, self._encoding, self.adapters = cursor.pgresult, cursor._encoding, cursor.adapters

    class LazyDescription(Sequence):
        __slots__ = ("_source", "_nfields", "_columns")

        def __init__(self, cursor, nfields: int):
            self._source, self._nfields, self._columns = _Described(cursor), nfields, None

        def __len__(self) -> int:
            return self._nfields

        def __getitem__(self, index):
            if self._columns is None:
                self._columns = [psycopg.Column(self._source, i) for i in range(self._nfields)]
            return self._columns[index]

        def __repr__(self) -> str:
            return repr(list(self))

    class LazyDescriptionCursor(psycopg.Cursor):
        @property
        def description(self):
            res = self.pgresult  # psycopg's own test (_cursor_base.py): fields, or a result that has tuples
            if res and (res.nfields or res.status in described):
                return LazyDescription(self, res.nfields)
            return None

    return LazyDescriptionCursor


def keep_prepared_statements(engine) -> None:
    """PostgreSQL: let psycopg's prepared statements outlive a rollback.

    psycopg prepares a statement on a connection once it has run 5 times there, then skips PostgreSQL's
    parsing and, with a generic plan, its planning. But every rollback() clears that cache and its counts:
    a DDL statement rolled back could leave a prepared statement pointing at a table that is gone. Every
    request that only reads ends its transaction with a rollback (the session's close), so a journey's
    statements were never prepared: parse and bind (planning) were ~9 ms of PostgreSQL's ~17 ms a journey
    (bench/RESULTS.md: "PostgreSQL's prepared statements"). The service's connections run no DDL: migrations
    run in their own process, psycopg still clears its cache on a DROP or ALTER, and PostgreSQL re-plans a
    prepared statement after its table changes. So here a rollback is the plain ROLLBACK, sent on the connection's
    own libpq handle, and the cache stays.
    """
    from sqlalchemy import event

    if (engine.dialect.name, engine.dialect.driver) != ("postgresql", "psycopg"):
        return

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        return _keep_prepared_connection().connect(*cargs, **cparams)


# expire_on_commit=False: a use case commits once at its end and then serialises what it wrote;
# expiring would make every response re-read the rows it has just written.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                session_options={"expire_on_commit": False, "class_": Session})
migrate = Migrate(compare_type=True, render_as_batch=True)


def insert_on_conflict(entity, dialect: str | None = None):
    """An INSERT for the session's database (or the named dialect's) that takes `on_conflict_do_update` /
    `_do_nothing`: PostgreSQL's and SQLite's constructs have the same methods, so a use case writes its
    upsert once."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = dialect or db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(entity)


def upsert_once(build):
    """Decorate `build(insert)`, which makes an upsert from `insert(entity)` (insert_on_conflict's), so that
    the upsert is built once for each database dialect and the same object is returned after.

    The guest's path runs its statements many times a second: a statement object built once keeps its
    cache key, while building an upsert and its key costs more than the database takes to run it.
    """
    built: dict[str, object] = {}

    @functools.wraps(build)
    def statement():
        dialect = db.session.get_bind().dialect.name
        stmt = built.get(dialect)
        if stmt is None:
            stmt = built[dialect] = build(functools.partial(insert_on_conflict, dialect=dialect))
        return stmt

    return statement


if MemoryStorage is not None:

    class SweptMemoryStorage(MemoryStorage):
        """The rate limiter's in-memory counts (no REDIS_URL), with expired entries swept once a second.

        `limits`' MemoryStorage starts a new timer thread 10 ms after each count while none is alive: under
        load, a thread start every other request (a fifth of a footprint POST's CPU in the profile). Counts
        stay exact either way (each read drops an expired counter itself); the sweep only frees memory.
        """

        STORAGE_SCHEME = ["diandian-memory"]
        SWEEP_SECONDS = 1.0

        def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the parent's private hook
            if not self.timer.is_alive():
                self.timer = threading.Timer(self.SWEEP_SECONDS, self._MemoryStorage__expire_events)
                self.timer.daemon = True
                self.timer.start()
