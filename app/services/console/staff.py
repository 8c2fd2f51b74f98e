"""Staff accounts and their sign-in. Passwords are hashed with scrypt.

Signing in checks the password and hands out a staff bearer token (app.auth issues it and, for the
console, opens the session cookie). Guessing is throttled with growing delays, never a lock that would
also keep the rightful owner out:
- per account and address: SIGN_IN_FREE_FAILURES wrong passwords, then 1, 2, 4 ... seconds between
  attempts (at most SIGN_IN_MAX_DELAY); someone guessing from one address does not slow the owner at
  another;
- per account, from every address: more free failures and a short ceiling (a distributed guess is
  slowed; the owner waits a minute at worst);
- per address, over every account: credential stuffing.
An attempt is counted before its password is checked, under row locks (PostgreSQL; SQLite's write lock),
so parallel guesses check at most the free number; a success clears its account's counters. Unknown and
known emails are answered the same way: the counters are kept per email, whether or not it has an account.
Admins create, rename, disable and re-enable accounts and reset passwords.
"""
from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app import policy
from app.auth import issue_staff_token
from app.capacity import heavy_work
from app.errors import AppError, Forbidden, NotFound, TooManyRequests
from app.extensions import db, insert_on_conflict
from app.models import SignInThrottle, StaffAccount, StaffSession
from app.models.base import as_utc, utcnow
from app.models.staff import ROLES
from app.services import organizations
from app.services.locks import lock_for_write

log = logging.getLogger("diandian.staff")
# Failed sign-ins allowed without delay, and the ceiling of the growing delay, per throttle key.
THROTTLES = {
    "ap": (5, timedelta(minutes=15)),  # one account from one address
    "a": (20, timedelta(minutes=1)),  # one account from anywhere: the owner is never kept out for long
    "p": (50, timedelta(minutes=15)),  # one address over every account
}
FIRST_DELAY = timedelta(seconds=1)  # after the free failures: 1 s, then doubling
FAILURE_MEMORY = timedelta(hours=1)  # counters start again after an hour without failures
MAX_FAILED_SIGN_INS = THROTTLES["ap"][0]
# Compared against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


class InvalidCredentials(AppError):
    status_code, code = 401, "invalid_credentials"


class SignInThrottled(TooManyRequests):
    """Too many wrong passwords lately for this account or address: wait `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s", retry_after)


class StaffExists(AppError):
    status_code, code = 409, "staff_exists"


class CannotDisableSelf(AppError):
    status_code, code = 409, "cannot_disable_self"


class StaffNotFound(NotFound):
    code = "staff_not_found"


def _hash(password: str) -> str:
    with heavy_work():
        return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def create_staff(*, email: str, name: str, password: str, role: str, organization: str | None = None) -> StaffAccount:
    """:raise StaffExists: the email is taken."""
    if role not in ROLES:
        raise ValueError(role)
    email = _normalise_email(email)
    if db.session.execute(select(StaffAccount.id).where(StaffAccount.email == email)).first():
        raise StaffExists(f"{email} already has an account")
    org = organizations.find_or_add(organization) if organization else None
    account = StaffAccount(email=email, name=name, password_hash=_hash(password), role=role,
                           organization=org, active=True, token_version=1)
    db.session.add(account)
    db.session.commit()
    log.info("staff account %s created with role %s", account.id, role)
    return account


def sign_in(email: str, password: str, *, client: str = "-") -> tuple[StaffAccount, str, int]:
    """Check the password of `email` signing in from the address `client`.

    :raise InvalidCredentials: unknown email, wrong password or disabled account (one answer for all).
    :raise SignInThrottled: too many failures lately: refused before the password is checked.
    :raise Busy: every heavy-work slot of the host is taken (app.capacity): nothing is counted.
    """
    email = _normalise_email(email)
    keys = _throttle_keys(email, client)
    with heavy_work(wait=0):  # a flood of sign-ins is refused (not counted), never queued ahead of the guests
        _count_attempt(keys)
        account = db.session.execute(select(StaffAccount).where(StaffAccount.email == email)).scalar_one_or_none()
        db.session.rollback()  # no transaction stays open while the hash is computed
        valid = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    if not account or not valid or not account.active:
        raise InvalidCredentials()
    _forgive([k for k in keys if not k.startswith("p:")])
    token, expires_in = issue_staff_token(account)
    return account, token, expires_in


def _throttle_keys(email: str, client: str) -> list[str]:
    return sorted([f"ap:{email}|{client}"[:320], f"a:{email}"[:320], f"p:{client}"[:320]])


@dataclass(frozen=True)
class _Delay:
    free: int
    ceiling: timedelta

    def after(self, failures: int) -> timedelta:
        """0 until `free` failures, then FIRST_DELAY, doubling to the ceiling."""
        if failures < self.free:
            return timedelta(0)
        exponent = min(failures - self.free, 30)
        return min(FIRST_DELAY * 2 ** exponent, self.ceiling)


def _count_attempt(keys: list[str]) -> None:
    """Count this attempt as a failure on every key at once (a success forgives it), unless a key is
    waiting out its delay. Rows are locked in key order, so parallel attempts are counted one by one.

    :raise SignInThrottled:
    """
    now = utcnow()
    lock_for_write()
    # The rows exist before they are locked (an insert that a parallel attempt may have made already).
    db.session.execute(insert_on_conflict(SignInThrottle).values(
        [{"key": key, "failures": 0, "updated_at": now} for key in keys]).on_conflict_do_nothing())
    rows = db.session.execute(select(SignInThrottle).where(SignInThrottle.key.in_(keys))
                              .order_by(SignInThrottle.key).with_for_update()
                              .execution_options(populate_existing=True)).scalars().all()
    waits = [as_utc(r.blocked_until) - now for r in rows if r.blocked_until and as_utc(r.blocked_until) > now]
    if waits:
        db.session.rollback()
        log.warning("sign-in throttled for %s s", math.ceil(max(waits).total_seconds()))
        raise SignInThrottled(max(1, math.ceil(max(waits).total_seconds())))
    for row in rows:
        if as_utc(row.updated_at) < now - FAILURE_MEMORY:
            row.failures = 0
        row.failures += 1
        free, ceiling = THROTTLES[row.key.split(":", 1)[0]]
        delay = _Delay(free, ceiling).after(row.failures)
        row.blocked_until = now + delay if delay else None
        row.updated_at = now
    db.session.commit()


def _forgive(keys: list[str]) -> None:
    """A right password clears the account's counters (never the address's: a guesser with an account of
    their own would otherwise wipe theirs clean between guesses)."""
    db.session.execute(update(SignInThrottle).where(SignInThrottle.key.in_(keys))
                       .values(failures=0, blocked_until=None))
    db.session.commit()


def open_console_session(account: StaffAccount) -> str:
    """Record a console session on the server (ended by sign-out); returns its id for the cookie."""
    sid = secrets.token_urlsafe(32)
    db.session.add(StaffSession(id=sid, staff_id=account.id, expires_at=utcnow() + timedelta(
        seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])))
    db.session.commit()
    return sid


def end_console_session(sid: str | None) -> None:
    """Sign-out: the session is over for good, whatever copy of the cookie is left."""
    if sid:
        db.session.execute(update(StaffSession).where(StaffSession.id == sid, StaffSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))
        db.session.commit()


def list_accounts(*, role: str | None = None, offset: int = 0, limit: int = 50) -> tuple[list[StaffAccount], int]:
    """Every staff account (an admin's view), optionally of one role, oldest first."""
    stmt = select(StaffAccount)
    if role:
        stmt = stmt.where(StaffAccount.role == role)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(stmt.order_by(StaffAccount.id).offset(offset).limit(limit)).scalars()
    return list(rows), total


def update_account(actor: StaffAccount, staff_id: int, changes: dict) -> StaffAccount:
    """Rename, disable or re-enable an account, or set a new password (an admin's act).

    Disabling or a new password bumps the token version: the account's bearer tokens and console
    sessions stop working at once. :raise StaffNotFound: :raise CannotDisableSelf:
    """
    account = db.session.get(StaffAccount, staff_id)
    if account is None:
        raise StaffNotFound()
    if changes.get("active") is False and account.id == actor.id:
        raise CannotDisableSelf("an admin cannot disable their own account")
    revoke = False
    if "name" in changes:
        account.name = changes["name"]
    if "active" in changes and changes["active"] != account.active:
        account.active, revoke = changes["active"], not changes["active"]
    if changes.get("password"):
        account.password_hash, revoke = _hash(changes["password"]), True
    if revoke:
        account.token_version += 1
    db.session.commit()
    log.info("staff account %s updated by %s (%s)", account.id, actor.id, ", ".join(sorted(changes)))
    return account


def active_admin(email: str) -> StaffAccount:
    """The admin a command-line act is recorded by. :raise StaffNotFound: :raise Forbidden: not an admin."""
    account = db.session.execute(
        select(StaffAccount).where(StaffAccount.email == _normalise_email(email))).scalar_one_or_none()
    if account is None or not account.active:
        raise StaffNotFound(f"no active staff account {email}")
    if not policy.may(account, "record_payouts"):
        raise Forbidden(f"{email} is not a platform admin")
    return account
