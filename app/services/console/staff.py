"""Staff accounts and their sign-in. Passwords are hashed with scrypt.

Signing in checks the password and hands out a staff bearer token (app.auth issues it and, for the
console, opens the session cookie); five wrong passwords in a row lock the account's sign-in a while.
Admins create, rename, disable and re-enable accounts and reset passwords.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app import policy
from app.auth import issue_staff_token
from app.errors import AppError, Forbidden, NotFound
from app.extensions import db
from app.models import StaffAccount
from app.models.base import as_utc, utcnow
from app.models.staff import ROLES
from app.services import organizations

log = logging.getLogger("diandian.staff")
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
# Compared against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


class InvalidCredentials(AppError):
    status_code, code = 401, "invalid_credentials"


class SignInLocked(AppError):
    status_code, code = 429, "sign_in_locked"


class StaffExists(AppError):
    status_code, code = 409, "staff_exists"


class CannotDisableSelf(AppError):
    status_code, code = 409, "cannot_disable_self"


class StaffNotFound(NotFound):
    code = "staff_not_found"


def _hash(password: str) -> str:
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


def sign_in(email: str, password: str) -> tuple[StaffAccount, str, int]:
    """Check the password; MAX_FAILED_SIGN_INS wrong ones in a row lock the account for LOCKOUT.

    :raise InvalidCredentials: unknown email, wrong password or disabled account (one answer for all).
    :raise SignInLocked: too many failures: refused before the password is even checked.
    """
    account = db.session.execute(
        select(StaffAccount).where(StaffAccount.email == _normalise_email(email))).scalar_one_or_none()
    if account is not None and account.locked_until and as_utc(account.locked_until) > utcnow():
        raise SignInLocked("too many failed sign-ins: try again later")
    valid = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    if not account or not valid or not account.active:
        if account is not None and not valid:
            _count_failure(account.id)
        raise InvalidCredentials()
    if account.failed_sign_ins or account.locked_until:
        account.failed_sign_ins, account.locked_until = 0, None
        db.session.commit()
    token, expires_in = issue_staff_token(account)
    return account, token, expires_in


def _count_failure(account_id: int) -> None:
    """An atomic increment (parallel guesses all count); the MAX_FAILED_SIGN_INS-th one locks."""
    db.session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                       .values(failed_sign_ins=StaffAccount.failed_sign_ins + 1))
    failures = db.session.execute(
        select(StaffAccount.failed_sign_ins).where(StaffAccount.id == account_id)).scalar_one()
    if failures >= MAX_FAILED_SIGN_INS:
        db.session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                           .values(failed_sign_ins=0, locked_until=utcnow() + LOCKOUT))
        log.warning("staff account %s locked for %s after %s failed sign-ins", account_id, LOCKOUT, failures)
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
