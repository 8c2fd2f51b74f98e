"""Leaderboards (contract 13): per scenario and overall, guests and organisations, all time and this month.

The database rows (models/leaderboard.py) are the truth, updated inside the fulfilment and refund
transactions. With REDIS_URL, sorted sets mirror them (written after each commit, rebuildable with
`flask leaderboard rebuild`) and serve the reads; without it, the SQL index does. Both rank the same
way: most kilograms, then who got there first (to the second), then the member key, descending. The
score packs the first two: kg x 2^30 + (2^30 - 1 - seconds since 2024), exact in a Redis double up to
8,388,607 kg per board member. Rows keep the same score, and both order by (score, member) descending.

Privacy: a guest who chose not to show (show_on_leaderboard false, or erased) ranks on guest boards under
the generic name (read time), and the organisation names they typed count on no organisation board: their
kilograms are left out of those rows when written (record, _recount, the rebuild's SQL), and changing the
choice recomputes the organisation rows that guest touched (refresh_guest), so reads stay one indexed
range (or one ZREVRANGE) with no join.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import and_, bindparam, delete, func, or_, select

from app.domain.china_time import to_china
from app.domain.privacy import masked_name
from app.errors import InvalidInput
from app.extensions import db, upsert_once
from app.i18n import N_, translate
from app.models import Certificate, LeaderboardEntry, Order, ScenarioTotal, User
from app.services.guest.scenarios import get_scenario

log = logging.getLogger("diandian.leaderboard")

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
TIME_BITS = 30
MAX_SCORE_KG = (1 << 23) - 1
REDIS_PREFIX = "diandian:lb:"


@dataclass(frozen=True)
class Board:
    scope: str  # "s<scenario id>" or "all"
    kind: str  # "user" or "org"
    period: str  # "all" or "YYYY-MM"

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.kind}:{self.period}"


def month_of(moment: datetime) -> str:
    return to_china(moment).strftime("%Y-%m")


def user_member(user_id: int) -> str:
    return f"u{user_id:010d}"


def org_member(name: str) -> str:
    return f"o:{name}"


def score(kg: int, reached_at: datetime) -> int:
    seconds = int((reached_at - EPOCH).total_seconds())
    seconds = min(max(seconds, 0), (1 << TIME_BITS) - 1)
    return (min(kg, MAX_SCORE_KG) << TIME_BITS) + ((1 << TIME_BITS) - 1 - seconds)


def _boards(scenario_id: int, issued_at: datetime, kind: str) -> list[Board]:
    return [Board(scope, kind, period) for scope in (f"s{scenario_id}", "all")
            for period in ("all", month_of(issued_at))]


def _targets(certificate: Certificate, organization: str | None) -> list[tuple[Board, str, int | None]]:
    if certificate.kind == "event":
        return []  # an organiser's event certificate is not a participant: it ranks on no board
    targets = [(b, user_member(certificate.user_id), certificate.user_id)
               for b in _boards(certificate.scenario_id, certificate.issued_at, "user")]
    if organization:
        targets += [(b, org_member(organization), None)
                    for b in _boards(certificate.scenario_id, certificate.issued_at, "org")]
    return targets


# -- writes (inside the caller's transaction: flush, never commit) ------------------------------------
def record(certificate: Certificate, organization: str | None) -> None:
    """Add a new certificate's kilograms to every board it counts on: one multi-row upsert.

    The organisation named by a guest who chose not to show counts on no board. The guest's row is read
    under its lock (after the order and stock locks of fulfilment), so a concurrent change of the choice
    (refresh_guest, which takes the same lock first) sees this certificate or is seen by it.
    """
    if organization and certificate.kind != "event" and not _shows(certificate.user_id):
        organization = None
    reached = certificate.issued_at.replace(microsecond=0)
    written = _add(sorted(((board.key, member, user_id, certificate.kg, reached)
                           for board, member, user_id in _targets(certificate, organization)),
                          key=lambda row: _write_key(row[:2])))
    if certificate.kind != "event":  # a participant: their board row holds only this certificate when new
        new = written[(_guest_board(certificate.scenario_id), user_member(certificate.user_id))] == certificate.kg
        _count(certificate.scenario_id, certificate.user_id, int(new), certificate.kg)


def _add(rows: list[tuple[str, str, int | None, int, datetime]]) -> dict[tuple[str, str], int]:
    """Add (board, member, user_id, kg, reached_at) rows: inserted, or added to the row there, in one
    statement, the score computed by the database as score() does (kg clamped, shifted, plus the time
    part of the later of the two reached_at). Rows come in _write_key order: writers lock rows alike.
    Returns each row's kilograms after the write, by (board, member)."""
    if not rows:
        return {}
    # One upsert built once, sent with every row's parameters: SQLAlchemy writes them as one multi-row
    # INSERT (its "insertmanyvalues"), so this is still one statement, and one whose compiled form is cached
    # (an upsert written with .values([...]) is compiled anew each time).
    written = db.session.execute(_add_rows(), [
        {"board": key, "member": member, "user_id": user_id, "kg": kg, "reached_at": at, "score": score(kg, at)}
        for key, member, user_id, kg, at in rows])
    return {(board, member): kg for board, member, kg in written}


@upsert_once
def _add_rows(insert):
    e = LeaderboardEntry.__table__.c
    stmt = insert(LeaderboardEntry.__table__)
    new = stmt.excluded
    total = e.kg + new.kg
    later = new.reached_at > e.reached_at
    return stmt.on_conflict_do_update(index_elements=["board", "member"], set_={
        "kg": total,
        "reached_at": sa.case((later, new.reached_at), else_=e.reached_at),
        "score": sa.case((total > MAX_SCORE_KG, MAX_SCORE_KG), else_=total) * (1 << TIME_BITS)
        + sa.case((later, new.score % (1 << TIME_BITS)), else_=e.score % (1 << TIME_BITS)),
    }).returning(e.board, e.member, e.kg)


def _guest_board(scenario_id: int) -> str:
    """The scenario's all-time guest board: one row per participant, the one the totals follow."""
    return Board(f"s{scenario_id}", "user", "all").key


def _count(scenario_id: int, user_id: int, participants: int, kg: int) -> None:
    """Add to the scenario's totals, on the guest's counter row (ScenarioTotal): last in the transaction,
    after the board rows, by every writer alike."""
    db.session.execute(_add_to_totals(), {"scenario_id": scenario_id, "shard": user_id % ScenarioTotal.SHARDS,
                                          "participants": participants, "kg": kg})


@upsert_once
def _add_to_totals(insert):
    t = ScenarioTotal.__table__.c
    stmt = insert(ScenarioTotal.__table__)
    return stmt.on_conflict_do_update(index_elements=["scenario_id", "shard"], set_={
        "participants": t.participants + stmt.excluded.participants, "kg": t.kg + stmt.excluded.kg})


def unrecord(certificate: Certificate, organization: str | None) -> None:
    """After a revocation: recompute the member's rows from their remaining valid certificates (and the
    scenario's totals from the guest's row, before and after)."""
    guest_board, change = _guest_board(certificate.scenario_id), None
    for board, member, user_id in _targets(certificate, organization):
        before = None
        if board.key == guest_board:
            # Locked before the recount: a fulfilment of the same guest either committed before (counted)
            # or waits for this transaction and adds its kilograms to the result.
            before = db.session.execute(select(LeaderboardEntry.kg).where(
                LeaderboardEntry.board == board.key, LeaderboardEntry.member == member)
                .with_for_update()).scalar_one_or_none() or 0
        kg, reached = _recount(board, user_id, organization)
        if before is not None:
            change = (-int(before > 0 and not kg), kg - before)
        if kg:
            reached = reached.replace(microsecond=0)
            db.session.execute(sa.update(LeaderboardEntry).where(
                LeaderboardEntry.board == board.key, LeaderboardEntry.member == member
            ).values(kg=kg, reached_at=reached, score=score(kg, reached)))
        else:
            db.session.execute(delete(LeaderboardEntry).where(
                LeaderboardEntry.board == board.key, LeaderboardEntry.member == member))
    if change is not None and change != (0, 0):
        _count(certificate.scenario_id, certificate.user_id, *change)


_GUEST_CHOICE = (select(User.show_on_leaderboard, User.erased_at).where(User.id == bindparam("user_id"))
                 .with_for_update())


def _shows(user_id: int | None) -> bool:
    """Does this guest show on boards? Read under the guest's row lock (see record and refresh_guest)."""
    if user_id is None:
        return False
    row = db.session.execute(_GUEST_CHOICE, {"user_id": user_id}).one_or_none()
    return bool(row and row.show_on_leaderboard and row.erased_at is None)


def _recount(board: Board, user_id: int | None, organization: str | None):
    stmt = select(func.coalesce(func.sum(Certificate.kg), 0), func.max(Certificate.issued_at)).where(
        Certificate.status == "valid", Certificate.kind == "personal")
    if board.scope != "all":
        stmt = stmt.where(Certificate.scenario_id == int(board.scope[1:]))
    if board.kind == "user":
        stmt = stmt.where(Certificate.user_id == user_id)
    else:
        # Only the kilograms of guests who show: an opted-out guest's organisation stays off the boards.
        stmt = (stmt.join(Order, Order.id == Certificate.order_id).join(User, User.id == Certificate.user_id)
                .where(Order.organization_name == organization, User.show_on_leaderboard.is_(True),
                       User.erased_at.is_(None)))
    rows = db.session.execute(stmt).one()
    if board.period == "all":
        return rows
    # A month board counts certificates issued that month (China time); filter in Python, few rows.
    certs = db.session.execute(stmt.with_only_columns(Certificate.kg, Certificate.issued_at)).all()
    month = [(kg, at) for kg, at in certs if month_of(at) == board.period]
    return sum(kg for kg, _ in month), max((at for _, at in month), default=None)


# -- Redis mirror (after commit) -----------------------------------------------------------------------
def _redis():
    return current_app.extensions.get("redis")


def sync(certificate: Certificate, organization: str | None) -> None:
    """Copy the committed rows a certificate touched to Redis (one read of them all). Failures are
    logged: rebuild repairs."""
    sync_rows([(board.key, member) for board, member, _user_id in _targets(certificate, organization)])


def refresh_guest(user_id: int) -> list[tuple[str, str]]:
    """After a guest's show_on_leaderboard changed (or before they are erased): recompute every
    organisation row their valid certificates count on, from the certificates of guests who show.

    In the caller's transaction (flush, never commit); the caller has locked the guest's row first.
    Guest rows need nothing: their name is chosen when read. Returns the (board, member) pairs to mirror
    to Redis after the commit (sync_rows).

    Other guests' fulfilments and refunds write the same rows meanwhile. So the rows that exist are
    locked first, in the order those write a certificate's rows (_write_order: no deadlock), and only then
    recounted (one read per organisation): a writer that committed before is counted, one that comes after
    waits and adds to the result. A row that does not exist had no guest who shows: it gets only this
    guest's kilograms (when they now show), added on conflict, so a fulfilment inserting the same row at
    the same instant keeps its own.
    """
    boards: dict[str, set[Board]] = {}
    for name, scenario_id, issued_at in db.session.execute(
            select(Order.organization_name, Certificate.scenario_id, Certificate.issued_at)
            .join(Order, Order.id == Certificate.order_id)
            .where(Certificate.user_id == user_id, Certificate.status == "valid", Certificate.kind == "personal",
                   Order.organization_name.is_not(None))).all():
        boards.setdefault(name, set()).update(_boards(scenario_id, issued_at, "org"))
    if not boards:
        return []
    e = LeaderboardEntry
    wanted = sorted(((b.key, org_member(name)) for name, bs in boards.items() for b in bs), key=_write_key)
    existing = {(key, member) for key, member in db.session.execute(
        select(e.board, e.member).where(_pairs(wanted)).order_by(*_write_order()).with_for_update())}
    for name in sorted(boards):
        member = org_member(name)
        certs = [(uid, sid, kg, at, month_of(at)) for uid, sid, kg, at in db.session.execute(
            select(Certificate.user_id, Certificate.scenario_id, Certificate.kg, Certificate.issued_at)
            .join(Order, Order.id == Certificate.order_id).join(User, User.id == Certificate.user_id)
            .where(Order.organization_name == name, Certificate.status == "valid", Certificate.kind == "personal",
                   User.show_on_leaderboard.is_(True), User.erased_at.is_(None))).all()]
        for board in sorted(boards[name], key=lambda b: _write_key((b.key, member))):
            mine = (board.key, member) not in existing  # absent: only this guest's kilograms go in
            counted = [(kg, at) for uid, sid, kg, at, month in certs
                       if board.scope in ("all", f"s{sid}") and board.period in ("all", month)
                       and (uid == user_id or not mine)]
            kg = sum(k for k, _ in counted)
            reached = max((at for _, at in counted), default=None)
            where = (e.board == board.key, e.member == member)
            if not mine:
                if kg:
                    reached = reached.replace(microsecond=0)
                    db.session.execute(sa.update(e).where(*where).values(kg=kg, reached_at=reached,
                                                                        score=score(kg, reached)))
                else:
                    db.session.execute(delete(e).where(*where))
            elif kg:
                _add([(board.key, member, None, kg, reached.replace(microsecond=0))])
    return wanted


def _pairs(pairs: list[tuple[str, str]]):
    e = LeaderboardEntry
    return or_(*(and_(e.board == key, e.member == member) for key, member in pairs))


def _write_order():
    """The order in which record() and unrecord() write one certificate's rows, as SQL: per member,
    scenario boards before the overall ones, all time before the month."""
    e = LeaderboardEntry
    return (e.member, sa.case((e.board.like("all:%"), 1), else_=0), sa.case((e.board.like("%:all"), 0), else_=1),
            e.board)


def _write_key(pair: tuple[str, str]) -> tuple:
    key, member = pair
    return member, 1 if key.startswith("all:") else 0, 0 if key.endswith(":all") else 1, key


def sync_rows(pairs: list[tuple[str, str]]) -> None:
    """Mirror these committed (board, member) rows to Redis: ZADD their score, or ZREM when gone."""
    redis = _redis()
    if redis is None or not pairs:
        return
    try:
        e = LeaderboardEntry
        scores = {(key, member): row_score for key, member, row_score in db.session.execute(
            select(e.board, e.member, e.score).where(_pairs(pairs)))}
        pipe = redis.pipeline(transaction=False)
        for key, member in pairs:
            if (key, member) in scores:
                pipe.zadd(REDIS_PREFIX + key, {member: scores[key, member]})
            else:
                pipe.zrem(REDIS_PREFIX + key, member)
        pipe.execute()
    except Exception as exc:  # Redis is a cache of the database here, never the truth
        log.error("leaderboard: Redis update failed (%s); run `flask leaderboard rebuild`", type(exc).__name__)


def rebuild() -> dict[str, int]:
    """Recompute every row from the valid certificates in SQL, then reload Redis from the rows.

    Eight INSERT ... SELECT ... GROUP BY statements (scope x kind x period) do the work in the
    database, so memory stays flat however many certificates there are; one more sets the scenarios'
    totals from the guest boards.
    """
    db.session.execute(delete(LeaderboardEntry))
    for statement in _rebuild_statements(db.session.get_bind().dialect.name):
        db.session.execute(sa.text(statement))
    db.session.execute(delete(ScenarioTotal))
    db.session.execute(sa.text(TOTALS_FROM_BOARDS))
    db.session.commit()
    certificates = db.session.execute(
        select(func.count(Certificate.id)).where(Certificate.status == "valid")).scalar_one()
    rows = db.session.execute(select(func.count(LeaderboardEntry.id))).scalar_one()
    redis = _redis()
    if redis is not None:
        for key in redis.scan_iter(REDIS_PREFIX + "*", count=1000):
            redis.unlink(key)  # freed in the background: a large board never stalls the other clients
        pipe = redis.pipeline(transaction=False)
        stream = db.session.execute(select(LeaderboardEntry.board, LeaderboardEntry.member, LeaderboardEntry.score)
                                    .execution_options(yield_per=5000))
        for n, (board, member, row_score) in enumerate(stream, start=1):
            pipe.zadd(REDIS_PREFIX + board, {member: row_score})
            if n % 5000 == 0:
                pipe.execute()
        pipe.execute()
    return {"certificates": certificates, "rows": rows}


# Every scenario's totals from its guest board, on shard 0 (the sum of a scenario's rows is what counts).
TOTALS_FROM_BOARDS = (
    "INSERT INTO scenario_totals (scenario_id, shard, participants, kg) "
    "SELECT s.id, 0, COUNT(e.id), SUM(e.kg) FROM scenarios s "
    "JOIN leaderboard_entries e ON e.board = 's' || CAST(s.id AS VARCHAR) || ':user:all' GROUP BY s.id")


def _rebuild_statements(dialect: str) -> list[str]:
    """The SQL of a rebuild; the expressions reproduce month_of(), user_member() and score() exactly."""
    if dialect == "postgresql":
        month = "to_char(c.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        user = "'u' || lpad(CAST(c.user_id AS TEXT), 10, '0')"
        reached = "date_trunc('second', MAX(c.issued_at))"
        seconds = "CAST(EXTRACT(EPOCH FROM date_trunc('second', MAX(c.issued_at))) AS BIGINT)"
        least, greatest = "LEAST", "GREATEST"
    else:
        month = "strftime('%Y-%m', c.issued_at, '+8 hours')"
        user = "printf('u%010d', c.user_id)"
        reached = "strftime('%Y-%m-%d %H:%M:%S', MAX(c.issued_at))"
        seconds = "CAST(strftime('%s', MAX(c.issued_at)) AS INTEGER)"
        least, greatest = "MIN", "MAX"
    top, epoch = (1 << TIME_BITS) - 1, int(EPOCH.timestamp())
    score_sql = (f"{least}(SUM(c.kg), {MAX_SCORE_KG}) * {1 << TIME_BITS} + "
                 f"({top} - {greatest}({least}({seconds} - {epoch}, {top}), 0))")
    # Organisation rows count only guests who show (as _recount): the names opted-out guests typed stay off.
    shows = "u.show_on_leaderboard = " + ("true" if dialect == "postgresql" else "1") + " AND u.erased_at IS NULL"
    statements = []
    for scope in ("'s' || CAST(c.scenario_id AS TEXT)", "'all'"):
        for kind, member, user_id, join, where in (
                ("user", user, "c.user_id", "", ""),
                ("org", "'o:' || o.organization_name", "NULL", " JOIN users u ON u.id = c.user_id",
                 f" AND o.organization_name IS NOT NULL AND {shows}")):
            for period in ("'all'", month):
                board = f"{scope} || ':{kind}:' || {period}"
                group = f"{board}, {member}" + (", c.user_id" if kind == "user" else "")
                statements.append(
                    "INSERT INTO leaderboard_entries (board, member, user_id, kg, reached_at, score) "
                    f"SELECT {board}, {member}, {user_id}, SUM(c.kg), {reached}, {score_sql} "
                    f"FROM certificates c JOIN orders o ON o.id = c.order_id{join} "
                    f"WHERE c.status = 'valid' AND c.kind = 'personal'{where} GROUP BY {group}")
    return statements


# -- reads ------------------------------------------------------------------------------------------------
def board_for(scenario_code: str | None, kind: str, period: str) -> Board:
    """:raise ScenarioNotFound: :raise InvalidInput: unknown kind or period."""
    if kind not in ("user", "org") or period not in ("all", "month"):
        raise InvalidInput(fields={"by" if kind not in ("user", "org") else "period": [N_("Unknown value.")]})
    scope = f"s{get_scenario(scenario_code, totals=False).id}" if scenario_code else "all"
    return Board(scope, kind, month_of(datetime.now(UTC)) if period == "month" else "all")


def standings(scenario_code: str | None, kind: str, period: str, *, limit: int, user_id: int | None,
              lang: str = "zh") -> tuple[list[dict], dict | None]:
    """The board a guest asks for (GET /leaderboards). :raise ScenarioNotFound: :raise InvalidInput:"""
    return top(board_for(scenario_code, kind, period), limit, user_id, lang=lang)


def top(board: Board, limit: int, user_id: int | None, *, lang: str = "zh") -> tuple[list[dict], dict | None]:
    """(entries [{rank, name, kg}], me {rank, kg} or None), from Redis when configured, else SQL.

    Guests who opted out of leaderboards appear under a generic name in `lang`.
    """
    me_member = _me_member(board, user_id)
    redis = _redis()
    if redis is not None:
        ranked = [(m.decode() if isinstance(m, bytes) else m, int(s) >> TIME_BITS)
                  for m, s in redis.zrevrange(REDIS_PREFIX + board.key, 0, limit - 1, withscores=True)]
        me = None
        if me_member:
            rank = redis.zrevrank(REDIS_PREFIX + board.key, me_member)
            if rank is not None:
                me = {"rank": rank + 1,
                      "kg": int(redis.zscore(REDIS_PREFIX + board.key, me_member)) >> TIME_BITS}
    else:
        rows = db.session.execute(
            select(LeaderboardEntry.member, LeaderboardEntry.kg).where(LeaderboardEntry.board == board.key)
            .order_by(LeaderboardEntry.score.desc(), LeaderboardEntry.member.desc()).limit(limit)
        ).all()
        ranked = [(m, kg) for m, kg in rows]
        me = _sql_rank(board, me_member) if me_member else None
    return [{"rank": i, "name": name, "kg": kg}
            for i, ((_, kg), name) in enumerate(zip(ranked, _names([m for m, _ in ranked], lang)), start=1)], me


def _me_member(board: Board, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    if board.kind == "user":
        return user_member(user_id)
    latest = db.session.execute(
        select(Order.organization_name).where(Order.user_id == user_id, Order.status == "fulfilled",
                                              Order.organization_name.is_not(None))
        .order_by(Order.fulfilled_at.desc()).limit(1)).scalar_one_or_none()
    return org_member(latest) if latest else None


def _sql_rank(board: Board, member: str) -> dict | None:
    mine = db.session.execute(select(LeaderboardEntry.kg, LeaderboardEntry.score).where(
        LeaderboardEntry.board == board.key, LeaderboardEntry.member == member)).one_or_none()
    if mine is None:
        return None
    e = LeaderboardEntry
    # count(*), not count(id): PostgreSQL can then answer from the (board, score, member) index alone.
    ahead = db.session.execute(select(func.count()).select_from(e).where(e.board == board.key, or_(
        e.score > mine.score, and_(e.score == mine.score, e.member > member)))).scalar_one()
    return {"rank": ahead + 1, "kg": mine.kg}


def _names(members: list[str], lang: str) -> list[str]:
    """Display names; guests who opted out (or were erased) appear under a generic name."""
    ids = [int(m[1:]) for m in members if m.startswith("u")]
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()} if ids else {}
    anonymous = masked_name(lang, translate)
    names = []
    for m in members:
        if m.startswith("o:"):
            names.append(m[2:])
        else:
            user = users.get(int(m[1:]))
            names.append(user.nickname if user and user.show_on_leaderboard and user.erased_at is None
                         else anonymous)
    return names
