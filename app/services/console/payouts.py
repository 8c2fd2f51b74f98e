"""Project owners' money: sales per project, what each owner is owed, payouts, and statements.

What an owner is owed is the sum of its `owner` ledger entries (sales, and refunds negated); what it has
been paid is the sum of its payouts. Both tables are append-only: nothing here edits either, and a
mistaken payout is corrected by a negative one. Dates shown are China dates (Asia/Shanghai).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from app import policy
from app.csv_export import csv_text
from app.domain.china_time import china_date, china_midnight, china_today
from app.domain.money import yuan
from app.errors import AppError, Forbidden, InvalidInput
from app.extensions import db
from app.i18n import N_
from app.models import Certificate, LedgerEntry, Order, Organization, Payout, Project, StaffAccount
from app.services import organizations
from app.services.locks import lock_for_write
from app.services.offsetting.projects import ProjectNotFound


class PayoutExceedsBalance(AppError):
    status_code, code = 409, "payout_exceeds_balance"


class CorrectionExceedsPayouts(AppError):
    status_code, code = 409, "correction_exceeds_payouts"


class PayoutExists(AppError):
    status_code, code = 409, "payout_exists"


@dataclass(frozen=True)
class Balance:
    owed_fen: int
    paid_out_fen: int

    @property
    def outstanding_fen(self) -> int:
        return self.owed_fen - self.paid_out_fen


@dataclass(frozen=True)
class ProjectSales:
    code: str
    name: str
    owner: str
    active: bool
    kg_sold: int
    orders: int
    gross_fen: int
    owner_fen: int


@dataclass(frozen=True)
class Sale:
    """One order as its project's owner sees it: no guest, beneficiary or company name."""

    paid_at: datetime | None
    out_trade_no: str
    kg: int
    amount_fen: int
    owner_fen: int
    status: str
    refunded_at: datetime | None
    certificate: str | None


@dataclass(frozen=True)
class StatementLine:
    date: date
    kind: str
    reference: str
    project: str | None
    kg: int | None
    amount_fen: int
    balance_fen: int
    note: str | None = None


@dataclass
class Statement:
    organization: Organization
    start: date
    end: date  # inclusive
    label: str  # YYYY-MM, or <from>_<to>: names the CSV file
    opening_balance_fen: int
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing_balance_fen(self) -> int:
        return self.opening_balance_fen + sum(line.amount_fen for line in self.lines)

    @property
    def totals(self) -> dict[str, int]:
        sums = {"sales_fen": 0, "refunds_fen": 0, "payouts_fen": 0}
        for line in self.lines:
            sums[{"sale": "sales_fen", "refund": "refunds_fen", "payout": "payouts_fen"}[line.kind]] += line.amount_fen
        return sums


def _int(value) -> int:
    """SUM over a BIGINT is NUMERIC on PostgreSQL (a Decimal here): money stays an exact int."""
    return int(value or 0)


# -- who may see whose money -------------------------------------------------------------------------

def organization_for(actor: StaffAccount, ref: str | int | None) -> Organization:
    """The organisation whose money `actor` asks about: a project owner only ever sees their own (a
    `ref` naming another is refused); an admin must name one.

    :raise Forbidden: another role, or another organisation. :raise InvalidInput: an admin named none.
    :raise OrganizationNotFound:
    """
    scope = policy.money_scope(actor)
    if scope is not None:
        org = actor.organization
        if ref not in (None, "") and not organizations.names(org, ref):
            raise Forbidden("not your organisation")
        return org
    if ref in (None, ""):
        raise InvalidInput(fields={"organization": [N_("Required for a platform admin.")]})
    return organizations.find(ref)


# -- sales --------------------------------------------------------------------------------------------

def projects_with_sales(actor: StaffAccount) -> list[ProjectSales]:
    """The actor's projects (an admin: every project) with what they sold, net of refunds.

    kg, orders and gross count the orders fulfilled now (a refunded order no longer is); owner_fen is
    the sum of the project's owner ledger entries, so it is what the ledger says, refunds included.
    :raise Forbidden:
    """
    scope = policy.money_scope(actor)
    sold = (select(Order.project_id, func.count(Order.id).label("orders"), func.sum(Order.kg).label("kg"),
                   func.sum(Order.amount_fen).label("gross"))
            .where(Order.status == "fulfilled").group_by(Order.project_id).subquery())
    shares = (select(LedgerEntry.project_id, func.sum(LedgerEntry.amount_fen).label("owner"))
              .where(LedgerEntry.account == "owner").group_by(LedgerEntry.project_id).subquery())
    stmt = (select(Project.code, Project.name, Organization.name, Project.active, sold.c.kg, sold.c.orders,
                   sold.c.gross, shares.c.owner)
            .join(Organization, Organization.id == Project.owner_id)
            .outerjoin(sold, sold.c.project_id == Project.id)
            .outerjoin(shares, shares.c.project_id == Project.id)
            .order_by(Project.code))
    if scope is not None:
        stmt = stmt.where(Project.owner_id == scope)
    return [ProjectSales(code=r[0], name=r[1], owner=r[2], active=r[3], kg_sold=_int(r[4]), orders=_int(r[5]),
                         gross_fen=_int(r[6]), owner_fen=_int(r[7]))
            for r in db.session.execute(stmt)]


def project_sales(actor: StaffAccount, code: str, *, offset: int, limit: int) -> tuple[list[Sale], int]:
    """A project's orders that reached the ledger, newest first: fulfilled, or refunded after.

    :raise Forbidden: not an admin or this project's owner. :raise ProjectNotFound:
    """
    policy.money_scope(actor)
    project = db.session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()
    if project is None:
        raise ProjectNotFound()
    policy.require_money_of(actor, project.owner_id, "project")
    sale = and_(LedgerEntry.order_id == Order.id, LedgerEntry.account == "owner", LedgerEntry.kind == "sale")
    base = select(Order.id).join(LedgerEntry, sale).where(Order.project_id == project.id)
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = db.session.execute(
        select(Order.paid_at, Order.out_trade_no, Order.kg, Order.amount_fen, LedgerEntry.amount_fen, Order.status,
               Order.refunded_at, Certificate.serial)
        .join(LedgerEntry, sale).outerjoin(Certificate, Certificate.order_id == Order.id)
        .where(Order.project_id == project.id)
        .order_by(Order.paid_at.desc(), Order.id.desc()).offset(offset).limit(limit))
    return [Sale(paid_at=r[0], out_trade_no=r[1], kg=r[2], amount_fen=r[3], owner_fen=_int(r[4]), status=r[5],
                 refunded_at=r[6], certificate=r[7]) for r in rows], total


# -- balance and payouts --------------------------------------------------------------------------------

def balance(organization_id: int) -> Balance:
    owed = db.session.execute(select(func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.account == "owner", LedgerEntry.organization_id == organization_id)).scalar_one()
    paid = db.session.execute(select(func.sum(Payout.amount_fen)).where(
        Payout.organization_id == organization_id)).scalar_one()
    return Balance(owed_fen=_int(owed), paid_out_fen=_int(paid))


def payouts_of(actor: StaffAccount, ref: str | int | None) -> tuple[Organization, Balance, list[Payout]]:
    """An organisation's balance and payouts, newest first. :raise Forbidden: :raise OrganizationNotFound:"""
    org = organization_for(actor, ref)
    rows = db.session.execute(select(Payout).where(Payout.organization_id == org.id)
                              .order_by(Payout.paid_on.desc(), Payout.id.desc())).scalars().all()
    return org, balance(org.id), list(rows)


def _reference_taken(organization_id: int, bank_reference: str) -> bool:
    return db.session.execute(select(Payout.id).where(
        Payout.organization_id == organization_id, Payout.bank_reference == bank_reference)).first() is not None


def record_payout(actor: StaffAccount, *, organization: str | int, amount_fen: int, bank_reference: str,
                  paid_on: date, note: str | None = None) -> tuple[Payout, Balance]:
    """A platform admin records money sent to an owner (negative: a correction). Returns it and the new balance.

    The organisation's row is locked while the balance is checked, so two admins cannot both pay out
    the same balance.
    :raise Forbidden: not an admin. :raise OrganizationNotFound: :raise InvalidInput: paid_on in the future.
    :raise PayoutExceedsBalance: :raise CorrectionExceedsPayouts: :raise PayoutExists: the bank reference
    is already recorded for this organisation.
    """
    policy.require(actor, "record_payouts")
    if paid_on > china_today():
        raise InvalidInput(fields={"paid_on": [N_("Must not be in the future.")]})
    lock_for_write()
    try:
        org = organizations.find(organization, for_update=True)
        # The reference first: a payout submitted twice is "already recorded", not "over the balance".
        if _reference_taken(org.id, bank_reference):
            raise PayoutExists(f"bank reference {bank_reference} is already recorded for this organisation")
        before = balance(org.id)
        if amount_fen > 0 and amount_fen > before.outstanding_fen:
            raise PayoutExceedsBalance(f"{amount_fen} fen is more than the {before.outstanding_fen} fen outstanding")
        if amount_fen < 0 and -amount_fen > before.paid_out_fen:
            raise CorrectionExceedsPayouts(f"a correction of {amount_fen} fen exceeds the {before.paid_out_fen} "
                                           "fen paid out")
    except AppError:
        db.session.rollback()  # releases the lock (and SQLite's write lock) before the error answer
        raise
    payout = Payout(organization_id=org.id, amount_fen=amount_fen, bank_reference=bank_reference,
                    paid_on=china_midnight(paid_on), note=note, recorded_by=actor.id)
    db.session.add(payout)
    try:
        db.session.commit()
    except IntegrityError:  # the unique constraint is the backstop for a reference recorded meanwhile
        db.session.rollback()
        raise PayoutExists(f"bank reference {bank_reference} is already recorded for this organisation") from None
    return payout, balance(org.id)


# -- statements ---------------------------------------------------------------------------------------

def period(*, month: str | None = None, start: date | None = None, end: date | None = None) -> tuple[date, date, str]:
    """(first day, last day, label) of a month `YYYY-MM`, or of from/to dates; the current China month
    when neither is given (the schema has checked the shapes)."""
    if start is not None and end is not None:
        return start, end, f"{start.isoformat()}_{end.isoformat()}"
    if month is None:
        month = china_today().strftime("%Y-%m")
    year, mon = (int(part) for part in month.split("-"))
    first = date(year, mon, 1)
    following = date(year + mon // 12, mon % 12 + 1, 1)
    return first, following - timedelta(days=1), month


def statement(actor: StaffAccount, ref: str | int | None, *, month: str | None = None, start: date | None = None,
              end: date | None = None) -> Statement:
    """Opening balance, each sale, refund and payout of the period with the running balance, closing balance.

    Sales and refunds are dated by their ledger entry, payouts by the day the bank paid (after the
    day's sales). :raise Forbidden: :raise OrganizationNotFound: :raise InvalidInput:
    """
    org = organization_for(actor, ref)
    first, last, label = period(month=month, start=start, end=end)
    since, until = china_midnight(first), china_midnight(last + timedelta(days=1))
    owed_before = db.session.execute(select(func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.account == "owner", LedgerEntry.organization_id == org.id,
        LedgerEntry.created_at < since)).scalar_one()
    paid_before = db.session.execute(select(func.sum(Payout.amount_fen)).where(
        Payout.organization_id == org.id, Payout.paid_on < since)).scalar_one()

    events = []  # (sort key, line without its running balance)
    entries = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount_fen, LedgerEntry.created_at, Order.out_trade_no,
               Order.kg, Project.code)
        .join(Order, Order.id == LedgerEntry.order_id).join(Project, Project.id == LedgerEntry.project_id)
        .where(LedgerEntry.account == "owner", LedgerEntry.organization_id == org.id,
               LedgerEntry.created_at >= since, LedgerEntry.created_at < until))
    for entry_id, kind, amount, created_at, out_trade_no, kg, code in entries:
        day = china_date(created_at)
        events.append(((day, 0, created_at, entry_id),
                       dict(date=day, kind=kind, reference=out_trade_no, project=code,
                            kg=kg if kind == "sale" else -kg, amount_fen=_int(amount))))
    payouts = db.session.execute(select(Payout).where(
        Payout.organization_id == org.id, Payout.paid_on >= since, Payout.paid_on < until)).scalars()
    for payout in payouts:
        day = china_date(payout.paid_on)  # stored as midnight China time of the day paid
        events.append(((day, 1, payout.created_at, payout.id),
                       dict(date=day, kind="payout", reference=payout.bank_reference, project=None, kg=None,
                            amount_fen=-_int(payout.amount_fen), note=payout.note)))

    result = Statement(organization=org, start=first, end=last, label=label,
                       opening_balance_fen=_int(owed_before) - _int(paid_before))
    running = result.opening_balance_fen
    for _key, line in sorted(events, key=lambda e: e[0]):
        running += line["amount_fen"]
        result.lines.append(StatementLine(balance_fen=running, **line))
    return result


CSV_COLUMNS = [("date", "日期"), ("kind", "类型"), ("reference", "参考号"), ("project", "项目"), ("kg", "千克"),
               ("amount_fen", "金额（分）"), ("amount_yuan", "金额（元）"), ("balance_fen", "余额（分）"),
               ("balance_yuan", "余额（元）"), ("note", "备注")]


def statement_csv(st: Statement) -> str:
    """The statement as one table: an opening row, a row per line, a closing row."""
    org_period = f"{st.organization.name} {st.start.isoformat()} – {st.end.isoformat()}"
    rows = [[st.start, "opening", "", "", "", "", "", st.opening_balance_fen, yuan(st.opening_balance_fen), org_period]]
    rows += [[line.date, line.kind, line.reference, line.project, line.kg, line.amount_fen, yuan(line.amount_fen),
              line.balance_fen, yuan(line.balance_fen), line.note] for line in st.lines]
    rows.append([st.end, "closing", "", "", "", "", "", st.closing_balance_fen, yuan(st.closing_balance_fen), ""])
    return csv_text([f"{zh} {en}" for en, zh in CSV_COLUMNS], rows)
