"""A project's stock, kept on a few counter rows (stock shards) so the door rush has no hot row.

Before, every hold and every claim of a project locked the project's row: one project served about 27
fulfilments a second whatever the cores. Now its kilograms are split over SHARDS rows; an order holds its
kilograms on one of them with one conditional UPDATE (`held + claimed + kg <= credited`, re-checked by a
CHECK constraint), picking a row no other transaction has locked (`FOR UPDATE SKIP LOCKED`), and its
fulfilment moves them from held to claimed on that same row. Rows are fungible: a refund or a released
hold gives the kilograms back to the order's row, and an order larger than any row's free kilograms
first moves credit between the project's rows (all of them locked, in shard order: the rare slow path).

The books stay exact: over a project's rows, credited = what was imported, and held + claimed never
exceed it on any row. Which serialised units a certificate claims is credits.claim's business.

A hold lapses with its order (expires_at plus HOLD_GRACE) but stays on its row until released: by
reconcile's schedule, or by the next order that finds the project short (expire_lapsed). Reads count
lapsed holds as available. SQLite has no row locks: the database write lock taken by the use cases
(services.locks) serialises these statements there, and the same SQL runs without the FOR UPDATE.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update

from app.extensions import db
from app.models import Order, StockShard
from app.models.base import utcnow

SHARDS = 8
# A payment may still be confirmed shortly after the order's expiry (the guest paid at the last
# second, the notification is late): keep the kilograms held a little longer than WeChat's time_expire.
HOLD_GRACE = timedelta(minutes=10)


class InsufficientStock(Exception):
    """Fewer free kilograms than asked: the caller refunds or refuses."""


@dataclass(frozen=True)
class Stock:
    credited_kg: int
    held_kg: int  # by holds that can still be paid
    claimed_kg: int

    @property
    def available_kg(self) -> int:
        return max(0, self.credited_kg - self.held_kg - self.claimed_kg)


# The statements of the guest's path are Core, built once, their parameters bound at execution: building a
# locked UPDATE with its subquery, and its cache key, cost more than PostgreSQL takes to run it, and the
# ORM's UPDATE would compare every stock row in the session with it. (An UPDATE's parameters may not be
# named after its table's columns.)
_rows = StockShard.__table__.c
_ROW = (_rows.project_id == bindparam("project")) & (_rows.shard == bindparam("row"))
_RELEASE = update(StockShard.__table__).where(_ROW).values(held_kg=_rows.held_kg - bindparam("kg"))
_HELD_TO_CLAIMED = update(StockShard.__table__).where(_ROW).values(held_kg=_rows.held_kg - bindparam("kg"),
                                                                   claimed_kg=_rows.claimed_kg + bindparam("kg"))


def _take_statement(column: str):
    """Add :kg to `column` of one row with that many free kilograms that no one else has locked."""
    free = _rows.credited_kg - _rows.held_kg - _rows.claimed_kg >= bindparam("kg")  # (the CHECK constraint agrees)
    pick = (select(_rows.shard).where(_rows.project_id == bindparam("project"), free)
            .order_by(func.random()).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    return (update(StockShard.__table__).where(_rows.project_id == bindparam("project"), _rows.shard == pick, free)
            .values({column: _rows[column] + bindparam("kg")}).returning(_rows.shard))


_TAKE = {column: _take_statement(column) for column in ("held_kg", "claimed_kg")}


def credit(project_id: int, kg: int) -> None:
    """Spread imported kilograms over the project's rows (created on its first import)."""
    existing = set(db.session.execute(select(StockShard.shard).where(StockShard.project_id == project_id)).scalars())
    share, rest = divmod(kg, SHARDS)
    for shard in range(SHARDS):
        add = share + (rest if shard == 0 else 0)
        if shard in existing:
            db.session.execute(update(StockShard).where(StockShard.project_id == project_id, StockShard.shard == shard)
                               .values(credited_kg=StockShard.credited_kg + add))
        else:
            db.session.add(StockShard(project_id=project_id, shard=shard, credited_kg=add, held_kg=0, claimed_kg=0))
    db.session.flush()


def hold(order: Order) -> None:
    """Hold the order's kilograms on one of its project's rows (order.stock_shard). Flushes, never commits.

    Tries the rows nobody has locked first; then releases the project's lapsed holds and tries again;
    then gathers credit from every row into one. :raise InsufficientStock:
    """
    shard = _take(order.project_id, order.kg, column="held_kg")
    if shard is None and expire_lapsed(order.project_id):
        shard = _take(order.project_id, order.kg, column="held_kg")
    if shard is None:
        shard = _gather(order.project_id, order.kg, column="held_kg")
    order.stock_shard = shard


def release_hold(order: Order) -> None:
    """Give a pending order's held kilograms back (closed, replaced, lapsed). Idempotent."""
    if order.stock_shard is None or order.status in ("fulfilled", "refunded"):
        return  # nothing held, or stock_shard names the row its kilograms were claimed from
    db.session.execute(_RELEASE, {"project": order.project_id, "row": order.stock_shard, "kg": order.kg})
    order.stock_shard = None


def claim(order: Order, *, lapsed: bool) -> None:
    """The paid order's kilograms become claimed: its hold moves from held to claimed on its row; a
    lapsed order (or one whose hold was released) is filled only from free kilograms, never from
    another guest's live hold. :raise InsufficientStock:
    """
    if lapsed:
        release_hold(order)
    if order.stock_shard is not None:
        db.session.execute(_HELD_TO_CLAIMED, {"project": order.project_id, "row": order.stock_shard,
                                              "kg": order.kg})
        return
    shard = _take(order.project_id, order.kg, column="claimed_kg")
    if shard is None:
        shard = _gather(order.project_id, order.kg, column="claimed_kg")
    order.stock_shard = shard


def unclaim(order: Order, kg: int) -> None:
    """A refund gives `kg` claimed kilograms back to the row they were claimed from."""
    if kg <= 0 or order.stock_shard is None:
        return
    db.session.execute(update(StockShard).where(
        StockShard.project_id == order.project_id, StockShard.shard == order.stock_shard
    ).values(claimed_kg=StockShard.claimed_kg - kg))


def expire_lapsed(project_id: int | None = None, now: datetime | None = None) -> int:
    """Release the holds of pending orders past their expiry and grace (of one project, or all).

    Orders being settled right now are skipped (SKIP LOCKED): their settlement decides. Returns how many
    holds were released. Flushes, never commits.
    """
    now = now or utcnow()
    stmt = (select(Order).where(Order.status == "pending", Order.stock_shard.isnot(None),
                                Order.expires_at <= now - HOLD_GRACE)
            .order_by(Order.id).with_for_update(of=Order, skip_locked=True))
    if project_id is not None:
        stmt = stmt.where(Order.project_id == project_id)
    lapsed = db.session.execute(stmt.execution_options(populate_existing=True)).scalars().all()
    for order in lapsed:
        release_hold(order)
    db.session.flush()
    return len(lapsed)


# A hold that lapsed (its order expired before the parameter `lapsed_before`, see lapsed_before()) but is
# still on its stock row: counted as available by every read of the books.
_LAPSED_HOLD = (Order.status == "pending", Order.stock_shard.isnot(None),
                Order.expires_at <= bindparam("lapsed_before", type_=Order.expires_at.type))


def _stocks_statement():
    ids = bindparam("ids", expanding=True)
    lapsed = (select(Order.project_id, func.sum(Order.kg).label("kg")).where(Order.project_id.in_(ids), *_LAPSED_HOLD)
              .group_by(Order.project_id).subquery())
    sums = (select(StockShard.project_id, func.sum(StockShard.credited_kg).label("credited"),
                   func.sum(StockShard.held_kg).label("held"), func.sum(StockShard.claimed_kg).label("claimed"))
            .where(StockShard.project_id.in_(ids)).group_by(StockShard.project_id).subquery())
    return (select(sums, func.coalesce(lapsed.c.kg, 0).label("lapsed"))
            .outerjoin(lapsed, lapsed.c.project_id == sums.c.project_id))


_STOCKS = _stocks_statement()


def available_kg_column(project_id):
    """A project's available kilograms (Stock.available_kg, lapsed holds counted as available) as an SQL
    column beside its row, for the lists that read projects: `project_id` the column or value naming it,
    the parameter `lapsed_before` (now - HOLD_GRACE) bound at execution. Never below 0: each row's CHECK
    keeps held + claimed within credited, so the rows' free kilograms and the lapsed holds are both >= 0."""
    free = (select(func.coalesce(func.sum(StockShard.credited_kg - StockShard.held_kg - StockShard.claimed_kg), 0))
            .where(StockShard.project_id == project_id).scalar_subquery())
    lapsed = (select(func.coalesce(func.sum(Order.kg), 0)).where(Order.project_id == project_id, *_LAPSED_HOLD)
              .scalar_subquery())
    return (free + lapsed).label("available_kg")


def lapsed_before(now: datetime | None = None) -> datetime:
    """The `lapsed_before` of available_kg_column: holds of orders that expired before it are free."""
    return (now or utcnow()) - HOLD_GRACE


def stocks(project_ids, now: datetime | None = None) -> dict[int, Stock]:
    """Each project's books (one statement), lapsed holds counted as available."""
    ids = list(project_ids)
    if not ids:
        return {}
    rows = db.session.execute(_STOCKS, {"ids": ids, "lapsed_before": lapsed_before(now)}).all()
    out = {pid: Stock(0, 0, 0) for pid in ids}
    for row in rows:
        out[row.project_id] = Stock(credited_kg=int(row.credited), held_kg=int(row.held) - int(row.lapsed),
                                    claimed_kg=int(row.claimed))
    return out


def stock_of(project_id: int) -> Stock:
    return stocks([project_id])[project_id]


def _take(project_id: int, kg: int, *, column: str) -> int | None:
    """Add `kg` to `column` of one row with that many free kilograms that no one else has locked; its
    shard, or None. One statement; the conditional WHERE and the CHECK constraint keep it exact."""
    return db.session.execute(_TAKE[column], {"project": project_id, "kg": kg}).scalar_one_or_none()


def _gather(project_id: int, kg: int, *, column: str) -> int:
    """The slow path: lock every row of the project (in shard order, so two gatherers cannot deadlock),
    move free credit into the row with the most, then take `kg` there. :raise InsufficientStock:"""
    rows = db.session.execute(
        select(StockShard).where(StockShard.project_id == project_id).order_by(StockShard.shard)
        .with_for_update().execution_options(populate_existing=True)).scalars().all()
    free = {r.shard: r.credited_kg - r.held_kg - r.claimed_kg for r in rows}
    if sum(free.values()) < kg:
        raise InsufficientStock(f"{kg} kg asked, {sum(free.values())} kg free")
    target = max(rows, key=lambda r: free[r.shard])
    needed = kg - free[target.shard]
    for row in sorted(rows, key=lambda r: -free[r.shard]):
        if needed <= 0:
            break
        if row is target or free[row.shard] <= 0:
            continue
        moved = min(free[row.shard], needed)
        row.credited_kg -= moved
        target.credited_kg += moved
        needed -= moved
    setattr(target, column, getattr(target, column) + kg)
    db.session.flush()
    return target.shard

