"""Staff accounts and their sign-in. Passwords are hashed with scrypt.

Two ways in, one identity: the staff API takes `Authorization: Bearer <staff token>`; the web console
signs in once into a session cookie (HttpOnly, SameSite=Lax, Secure behind https) and must echo the
session's CSRF token in `X-CSRF-Token` on every state-changing request. A bearer request never reads the
cookie, so a forged cross-site form cannot borrow it.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import AppError, NotFound, TokenExpired, TokenInvalid, Unauthorized
from app.extensions import db
from app.models import Organization, StaffAccount
from app.models.base import as_utc, utcnow
from app.models.staff import ROLES

log = logging.getLogger("diandian.staff")
STAFF_TOKEN_TTL = 12 * 3600
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
_SALT = "diandian.staff.v1"
# Compared against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a password")


class InvalidCredentials(AppError):
    status_code, code = 401, "invalid_credentials"


class Forbidden(AppError):
    status_code, code = 403, "forbidden"


class SignInLocked(AppError):
    status_code, code = 429, "sign_in_locked"


class CsrfFailed(AppError):
    status_code, code = 403, "csrf_failed"


class StaffExists(AppError):
    status_code, code = 409, "staff_exists"


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
    org = None
    if organization:
        org = db.session.execute(select(Organization).where(Organization.name == organization)).scalar_one_or_none()
        if org is None:
            org = Organization(name=organization)
            db.session.add(org)
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
    token = _serializer().dumps({"s": account.id, "v": account.token_version})
    return account, token, STAFF_TOKEN_TTL


def _count_failure(account_id: int) -> None:
    """An atomic increment (parallel guesses all count); the MAX_FAILED_SIGN_INS-th one locks."""
    db.session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                       .values(failed_sign_ins=StaffAccount.failed_sign_ins + 1))
    failures = db.session.execute(select(StaffAccount.failed_sign_ins).where(StaffAccount.id == account_id)).scalar_one()
    if failures >= MAX_FAILED_SIGN_INS:
        db.session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                           .values(failed_sign_ins=0, locked_until=utcnow() + LOCKOUT))
        log.warning("staff account %s locked for %s after %s failed sign-ins", account_id, LOCKOUT, failures)
    db.session.commit()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def start_session(account: StaffAccount) -> str:
    """Sign the console in (the session cookie); returns the CSRF token the console must echo."""
    session.clear()
    session.permanent = True
    session["staff"] = {"s": account.id, "v": account.token_version}
    session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def end_session() -> None:
    session.clear()


def session_csrf_token() -> str | None:
    return session.get("csrf")


def _from_session() -> StaffAccount:
    data = session.get("staff")
    if not isinstance(data, dict):
        raise Unauthorized()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent, expected = request.headers.get("X-CSRF-Token", ""), session.get("csrf") or ""
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfFailed("send the session's CSRF token in X-CSRF-Token")
    account = db.session.get(StaffAccount, data.get("s"))
    if account is None or not account.active or not hmac.compare_digest(str(account.token_version), str(data.get("v"))):
        session.clear()
        raise TokenInvalid()
    return account


def current_staff() -> StaffAccount:
    """The staff member behind a bearer token or the console's session cookie.

    :raise Unauthorized/TokenInvalid/TokenExpired: :raise CsrfFailed: a cookie request that changes state
    without the session's CSRF token.
    """
    if "staff" in g:
        return g.staff
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not request.headers.get("Authorization"):
        g.staff = _from_session()
        return g.staff
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    try:
        data = _serializer().loads(token.strip(), max_age=STAFF_TOKEN_TTL)
    except SignatureExpired:
        raise TokenExpired() from None
    except BadSignature:
        raise TokenInvalid() from None
    account = db.session.get(StaffAccount, data.get("s")) if isinstance(data, dict) else None
    if account is None or not account.active or not hmac.compare_digest(str(account.token_version), str(data.get("v"))):
        raise TokenInvalid()
    g.staff = account
    return account


def require(*roles: str) -> StaffAccount:
    """:raise Forbidden: the signed-in staff member's role is not one of `roles`."""
    account = current_staff()
    if account.role not in roles:
        raise Forbidden(f"needs the role {' or '.join(roles)}")
    return account


class CannotDisableSelf(AppError):
    status_code, code = 409, "cannot_disable_self"


class StaffNotFound(NotFound):
    code = "staff_not_found"


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
