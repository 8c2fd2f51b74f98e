"""The organiser's live dashboard of a scenario and its CSV exports: read-only queries, aggregated in SQL.

Every number is a GROUP BY over the scenario's rows (a handful of queries whatever the size of the event);
Python only stitches the grouped rows together. Guests count as participants through their valid personal
certificates; an organiser's event certificate (kind "event") is theirs, not a participant's. A purchase is
credited to the door its footprint was computed after: Order.footprint_id -> Footprint.scan_id -> Scan.tag.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import case, func, literal_column, select

from app import caching
from app.csv_export import CHUNK_ROWS, stream_csv
from app.domain.china_time import china_text, to_china
from app.domain.privacy import public_holder
from app.errors import InvalidInput
from app.extensions import db
from app.i18n import translate
from app.models import Certificate, Footprint, Order, Project, Scan, Scenario, ScenarioDoor, StaffAccount, User
from app.models.base import as_utc, utcnow
from app.services.console.scenarios import get_managed
from app.services.offsetting import leaderboards
from app.urls import verify_url

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
KEY_FORMATS = {  # the bucket of a moment, as text, in China time: the same string in SQL and Python
    "hour": ("%Y-%m-%d %H", "YYYY-MM-DD HH24"),
    "day": ("%Y-%m-%d", "YYYY-MM-DD"),
}
AUTO_HOURLY_POINTS = 7 * 24  # without ?bucket=, hourly up to a week of points, then daily
MAX_POINTS = 2000
LEADERBOARD_SIZE = 10


#: The figures of recent dashboards, each kept DASHBOARD_CACHE_SECONDS: every open console tab polls every
#: 10 s, so one computation serves all of a scenario's tabs on a worker for that long. Who may read is
#: checked on every request; only the figures are shared.
_recent = caching.cache(256, caching.ExpiringCache)


def dashboard(actor: StaffAccount, code: str, *, bucket: str | None = None, lang: str = "zh") -> dict:
    """Totals, per-door numbers, the funnel, the cumulative series and the top 10 of one scenario; the
    figures at most DASHBOARD_CACHE_SECONDS old (`generated_at` says when they were computed).

    :raise ScenarioNotFound: :raise Forbidden: :raise InvalidInput: more than MAX_POINTS hourly points.
    """
    scenario = get_managed(actor, code)
    ttl = current_app.config["DASHBOARD_CACHE_SECONDS"]
    key = (scenario.id, bucket, lang)
    figures = _recent.get(key) if ttl else None
    if figures is None:
        figures = _figures(scenario, bucket, lang)
        if ttl:
            _recent.put(key, figures, ttl)
    return {"scenario": scenario, **figures}


def _figures(scenario: Scenario, bucket: str | None, lang: str) -> dict:
    sid, now = scenario.id, utcnow()
    scans, guests = db.session.execute(
        select(func.count(), func.count(Scan.user_id.distinct())).where(Scan.scenario_id == sid)).one()
    sold = db.session.execute(
        select(func.count(Certificate.id), func.count(Certificate.user_id.distinct()),
               func.coalesce(func.sum(Certificate.kg), 0), func.coalesce(func.sum(Order.amount_fen), 0),
               func.min(Certificate.issued_at), func.max(Certificate.issued_at))
        .join(Order, Order.id == Certificate.order_id).where(*_counted(sid))).one()
    event_kg = db.session.execute(select(func.coalesce(func.sum(Certificate.kg), 0)).where(
        Certificate.scenario_id == sid, Certificate.status == "valid", Certificate.kind == "event")).scalar_one()
    certificate_count, participants, kg, amount_fen, first_at, last_at = sold
    return {
        "totals": {"scans": scans, "guests": guests, "participants": participants, "neutralized_kg": int(kg),
                   "certificates": certificate_count, "amount_fen": int(amount_fen), "event_kg": int(event_kg)},
        "doors": _doors(sid),
        "funnel": _funnel(_stages(sid)),
        **_series(scenario, bucket, first_at, last_at, now),
        "leaderboard": leaderboards.top(leaderboards.Board(f"s{sid}", "user", "all"), LEADERBOARD_SIZE, None,
                                        lang=lang)[0],
        "generated_at": now,
    }


def _counted(scenario_id: int) -> tuple:
    """The certificates that make a guest a participant."""
    return (Certificate.scenario_id == scenario_id, Certificate.status == "valid", Certificate.kind == "personal")


STAGES = ("scanned", "computed", "ordered", "paid")


def _stages(sid: int, *, through_scans: bool = False):
    """Each guest's steps in the scenario, one row per step: (guest, door tag, stage 1-4, attributed).

    A guest's steps: a scan they were logged in for (1); a footprint (2), an order (3) and a valid personal
    certificate (4), attributed to the door of the scan the footprint cites. A scan made before logging in
    has no guest, but the footprint that cites it (computed after login, or ordered after it) names one: that
    guest scanned, so a guest who scans first and logs in after counts once at every step. The furthest stage
    implies the ones before it (an order needs a footprint, which needs a scan), so each funnel stage is a
    subset of the previous one.

    through_scans: only the attributed steps (footprints that cite a scan: an inner join to the scan), every
    row attributed. The same rows as filtering the whole union on `attributed = 1`, but PostgreSQL cannot
    estimate that filter once it is pushed into the branches (a CASE = 1: it guessed 150 of 27,000 rows at
    100,000 scans and chose nested loops); the door funnels read these.
    """
    attributed = sa.literal(1) if through_scans else case((Footprint.scan_id.is_not(None), 1), else_=0)
    outer = not through_scans
    steps = sa.union_all(
        select(Scan.user_id.label("user_id"), Scan.tag.label("tag"), sa.literal(1).label("stage"),
               sa.literal(1).label("attributed"))
        .where(Scan.scenario_id == sid, Scan.user_id.is_not(None)),
        select(Footprint.user_id, Scan.tag, sa.literal(2), attributed)
        .join(Scan, Scan.id == Footprint.scan_id, isouter=outer)
        .where(Footprint.scenario_id == sid, Footprint.user_id.is_not(None)),
        select(Order.user_id, Scan.tag, sa.literal(3), attributed)
        .join(Footprint, Footprint.id == Order.footprint_id).join(Scan, Scan.id == Footprint.scan_id, isouter=outer)
        .where(Order.scenario_id == sid, Order.kind == "guest"),
        select(Certificate.user_id, Scan.tag, sa.literal(4), attributed)
        .join(Order, Order.id == Certificate.order_id).join(Footprint, Footprint.id == Order.footprint_id)
        .join(Scan, Scan.id == Footprint.scan_id, isouter=outer).where(*_counted(sid)),
    ).subquery("steps")
    return steps


def _stage_counts(furthest) -> list:
    return [func.coalesce(func.sum(case((furthest.c.stage >= n, 1), else_=0)), 0) for n in range(1, 5)]


def _funnel(steps) -> dict:
    """The scenario's funnel: guests who scanned (directly or through the footprint that cites the scan),
    and of those, who computed, ordered and paid (through any footprint of the scenario)."""
    furthest = (select(func.max(steps.c.stage).label("stage")).group_by(steps.c.user_id)
                .having(func.max(steps.c.attributed) == 1).subquery())
    counts = db.session.execute(select(*_stage_counts(furthest))).one()
    return {name: int(n) for name, n in zip(STAGES, counts, strict=True)}


def _doors(sid: int) -> list[dict]:
    """Defined doors in their order, then other tags seen in scans or sales, then the untagged row.

    `guests` ... `paid_guests` are the door's funnel (guests who reached each stage through a scan of that
    door); `kg` counts every purchase, those with no scan behind them in the untagged row.
    """
    defined = db.session.execute(select(ScenarioDoor.tag, ScenarioDoor.label)
                                 .where(ScenarioDoor.scenario_id == sid).order_by(ScenarioDoor.id)).all()
    scanned = {row[0]: row[1:] for row in db.session.execute(
        select(Scan.tag, func.count(), func.coalesce(func.sum(case((Scan.source == "wxacode", 1), else_=0)), 0))
        .where(Scan.scenario_id == sid).group_by(Scan.tag))}
    sold = {row[0]: row[1] for row in db.session.execute(
        select(Scan.tag, func.coalesce(func.sum(Certificate.kg), 0))
        .select_from(Certificate).join(Order, Order.id == Certificate.order_id)
        .outerjoin(Footprint, Footprint.id == Order.footprint_id).outerjoin(Scan, Scan.id == Footprint.scan_id)
        .where(*_counted(sid)).group_by(Scan.tag))}
    steps = _stages(sid, through_scans=True)
    furthest = (select(steps.c.tag, func.max(steps.c.stage).label("stage"))
                .group_by(steps.c.tag, steps.c.user_id).subquery())
    funnels = {row[0]: [int(n) for n in row[1:]] for row in db.session.execute(
        select(furthest.c.tag, *_stage_counts(furthest)).group_by(furthest.c.tag))}
    labels = dict(defined)
    seen = sorted((set(scanned) | set(sold) | set(funnels)) - set(labels) - {None})
    rows = []
    for tag in [t for t, _ in defined] + seen + [None]:
        scans, wxacode = scanned.get(tag, (0, 0))
        guests, computed, ordered, paid = funnels.get(tag, (0, 0, 0, 0))
        rows.append({"tag": tag, "label": labels.get(tag), "defined": tag in labels, "scans": scans,
                     "scans_wxacode": int(wxacode), "scans_link": scans - int(wxacode), "guests": guests,
                     "computed": computed, "ordered": ordered, "paid_guests": paid, "kg": int(sold.get(tag, 0))})
    return rows


def _bucket_key(column, bucket: str):
    """SQL for the bucket of a timestamp as text. Constants are literal so GROUP BY matches the SELECT."""
    py_format, pg_format = KEY_FORMATS[bucket]
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(literal_column("'Asia/Shanghai'"), column),
                            literal_column(f"'{pg_format}'"))
    # SQLite holds UTC text; the offset moves it to China time.
    return func.strftime(literal_column(f"'{py_format}'"), column, literal_column("'+8 hours'"))


def _series(scenario: Scenario, bucket: str | None, first_at: datetime | None, last_at: datetime | None,
            now: datetime) -> dict:
    """Cumulative participants and kg per bucket, from the first certificate's bucket to the end's.

    The end is now while the scenario is open; after that its open_until (or ends_at), though never
    before the last certificate.
    """
    if first_at is None:
        return {"bucket": bucket or "hour", "series": []}
    if scenario.is_open(now):
        end = now
    else:
        stop = as_utc(scenario.open_until or scenario.ends_at)
        end = max(last_at, min(now, stop)) if stop else last_at
    points = {b: _points(first_at, end, b) for b in STEPS}
    if bucket is None:
        bucket = "hour" if points["hour"] <= AUTO_HOURLY_POINTS else "day"
    if points[bucket] > MAX_POINTS:
        raise InvalidInput(fields={"bucket": [f"{points[bucket]} points (at most {MAX_POINTS}); use bucket=day."]})
    sid = scenario.id
    key = _bucket_key(Certificate.issued_at, bucket)
    kg_by = dict(db.session.execute(
        select(key, func.sum(Certificate.kg)).where(*_counted(sid)).group_by(key)).all())
    # A guest joins the participants in the bucket of their first counted certificate.
    first = (select(Certificate.user_id, func.min(Certificate.issued_at).label("first_at"))
             .where(*_counted(sid)).group_by(Certificate.user_id).subquery())
    first_key = _bucket_key(first.c.first_at, bucket)
    joined_by = dict(db.session.execute(select(first_key, func.count()).group_by(first_key)).all())
    series, participants, kg = [], 0, 0
    start = _floor(first_at, bucket)
    for i in range(points[bucket]):
        t = start + i * STEPS[bucket]
        k = t.strftime(KEY_FORMATS[bucket][0])
        participants += joined_by.get(k, 0)
        kg += int(kg_by.get(k, 0))
        series.append({"t": t, "participants": participants, "kg": kg})
    return {"bucket": bucket, "series": series}


def _floor(moment: datetime, bucket: str) -> datetime:
    local = to_china(moment).replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0) if bucket == "day" else local


def _points(start: datetime, end: datetime, bucket: str) -> int:
    return int((_floor(end, bucket) - _floor(start, bucket)) / STEPS[bucket]) + 1


# -- CSV exports ------------------------------------------------------------------------------------------
ORDER_COLUMNS = ("order_id", "created_at_utc8", "paid_at_utc8", "status", "kind", "project", "kg", "amount_fen",
                 "door")
CERTIFICATE_COLUMNS = ("serial", "issued_at_utc8", "status", "kind", "holder", "kg", "project", "verify_url")


def orders_csv(actor: StaffAccount, code: str) -> Iterator[str]:
    """The scenario's orders, every kind and status, as CSV chunks (nothing that identifies a guest).

    The permission check runs now; the rows are read as the response streams.
    :raise ScenarioNotFound: :raise Forbidden:
    """
    scenario = get_managed(actor, code)
    stmt = (select(Order.id, Order.created_at, Order.paid_at, Order.status, Order.kind, Project.code, Order.kg,
                   Order.amount_fen, Scan.tag)
            .join(Project, Project.id == Order.project_id)
            .outerjoin(Footprint, Footprint.id == Order.footprint_id).outerjoin(Scan, Scan.id == Footprint.scan_id)
            .where(Order.scenario_id == scenario.id).order_by(Order.created_at, Order.id))
    rows = ((oid, china_text(created), china_text(paid), status, kind, project, kg, amount, tag)
            for oid, created, paid, status, kind, project, kg, amount, tag in _stream(stmt))
    return stream_csv(ORDER_COLUMNS, rows)


def certificates_csv(actor: StaffAccount, code: str, *, lang: str = "zh") -> Iterator[str]:
    """The scenario's certificates (valid and revoked, personal and event) as on their public pages: a holder
    who chose not to show (or was erased) is the mask, as there.

    :raise ScenarioNotFound: :raise Forbidden:
    """
    scenario = get_managed(actor, code)
    shown = sa.or_(Certificate.kind == "event",
                   sa.and_(User.show_on_leaderboard.is_(True), User.erased_at.is_(None)))
    stmt = (select(Certificate.serial, Certificate.issued_at, Certificate.status, Certificate.kind,
                   Certificate.holder, Certificate.kg, Project.code, sa.case((shown, True), else_=False))
            .join(Project, Project.id == Certificate.project_id)
            .outerjoin(User, User.id == Certificate.user_id)
            .where(Certificate.scenario_id == scenario.id).order_by(Certificate.issued_at, Certificate.id))
    rows = ((serial, china_text(issued), status, kind, public_holder(holder, bool(holder_shown), lang, translate), kg,
             project, verify_url(serial))
            for serial, issued, status, kind, holder, kg, project, holder_shown in _stream(stmt))
    return stream_csv(CERTIFICATE_COLUMNS, rows)


def _stream(stmt) -> Iterator:
    """Rows in batches (a server-side cursor on PostgreSQL), never the whole result in memory."""
    yield from db.session.execute(stmt.execution_options(yield_per=CHUNK_ROWS))
