"""Who is calling: guests (our own bearer tokens) and staff (bearer tokens, or the console's session cookie).

Guests: signed (itsdangerous), expiring tokens, revocable through the user's token_version; WeChat's
session_key never leaves the server, the mini-program only ever holds this token.

Staff: two ways in, one identity. The staff API takes `Authorization: Bearer <staff token>`; the web
console signs in once into a session cookie (HttpOnly, SameSite=Lax, Secure behind https) and must echo
the session's CSRF token in `X-CSRF-Token` on every state-changing request. A bearer request never reads
the cookie, so a forged cross-site form cannot borrow it. Disabling an account or a new password bumps
its token_version, which ends both at once.

Views use the decorators (`login_required`, `staff_required`); services never read the request.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from datetime import UTC, datetime
from functools import wraps

from cachetools import TTLCache
from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from redis.exceptions import RedisError
from sqlalchemy import select

from app import policy
from app.errors import CsrfFailed, TokenExpired, TokenInvalid, Unauthorized
from app.extensions import db
from app.models import StaffAccount, StaffSession, User

log = logging.getLogger("diandian.auth")


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie, opened only when the request brings one: the guests' API never does,
    and building the cookie's signer on every request was ~3% of a footprint's CPU. The same cookie, read
    and written as before."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


_SALT = "diandian.auth.v1"
# user id -> token_version, per process. A revoked token stops working within TOKEN_VERSION_TTL seconds
# in every worker (at once in the worker that revoked it); hot paths skip a SELECT per request.
TOKEN_VERSION_TTL = 15
_versions: TTLCache = TTLCache(maxsize=50_000, ttl=TOKEN_VERSION_TTL)
_versions_lock = threading.Lock()
# Behind it, with Redis, one entry per guest shared by every worker and host: without it each worker read the
# version from the database the first time a guest reached it, and a journey's requests, spread over many
# workers, each paid a SELECT. A revocation writes the new version there after its commit (overwriting);
# a worker that read the database fills a missing entry only (SET NX), so an old version read before a
# revocation committed can never replace the new one. The entry lapses after SHARED_VERSION_TTL seconds:
# the bound on an old version surviving a revocation whose write Redis refused.
SHARED_VERSION_TTL = 600
_SHARED_VERSION_KEY = "diandian:tv:{}"
# (secret key, token) -> (user id, token version, signed at), per process: a guest sends the same token
# on every request, and checking its signature again (key derivation, HMAC, base64, JSON) was most of the
# token check. Expiry and the token version are still checked on every request.
_verified: TTLCache = TTLCache(maxsize=50_000, ttl=300)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_token(user: User) -> tuple[str, int]:
    """Returns (token, expires_in seconds)."""
    token = _serializer().dumps({"u": user.id, "v": user.token_version})
    with _versions_lock:  # just read with the user: this worker's next request needs no SELECT for it
        _versions[user.id] = user.token_version
    _share_version(user.id, user.token_version, only_if_missing=True)  # nor the other workers' (Redis)
    return token, current_app.config["TOKEN_TTL_SECONDS"]


def user_id_from_token(token: str) -> int:
    """:raise TokenExpired: too old. :raise TokenInvalid: forged, malformed, revoked or unknown user."""
    config = current_app.config
    max_age = config["TOKEN_TTL_SECONDS"]
    key = (config["SECRET_KEY"], token)
    with _versions_lock:
        known = _verified.get(key)
    if known is None:
        user_id, token_version, signed_at = _verify(token, max_age)
        with _versions_lock:
            _verified[key] = (user_id, token_version, signed_at)
    else:
        user_id, token_version, signed_at = known
        if time.time() - signed_at > max_age:
            raise TokenExpired()
    with _versions_lock:
        version = _versions.get(user_id)
    if version is None:
        version = _stored_version(user_id)
        if version is None:
            raise TokenInvalid()
        with _versions_lock:
            _versions[user_id] = version
    if version != token_version:
        raise TokenInvalid()
    return user_id


def _stored_version(user_id: int) -> int | None:
    """The guest's token_version: Redis's shared entry, else the database's (then shared if still missing);
    None for an unknown guest. Redis unreachable: the database alone, as without Redis."""
    redis = current_app.extensions.get("redis")
    key = _SHARED_VERSION_KEY.format(user_id)
    if redis is not None:
        try:
            shared = redis.get(key)
        except RedisError:
            shared, redis = None, None
        if shared is not None:
            return int(shared)
    version = db.session.execute(select(User.token_version).where(User.id == user_id)).scalar()
    if version is not None and redis is not None:
        _share_version(user_id, version, only_if_missing=True)
    return version


def _share_version(user_id: int, version: int, *, only_if_missing: bool) -> bool:
    """Write the shared entry (Redis; False without it or when it refused). `only_if_missing` for a version
    just read, which a revocation committed meanwhile may have outdated; a revocation overwrites."""
    redis = current_app.extensions.get("redis")
    if redis is None:
        return False
    try:
        redis.set(_SHARED_VERSION_KEY.format(user_id), version, nx=only_if_missing, ex=SHARED_VERSION_TTL)
    except RedisError:
        return False
    return True


def _verify(token: str, max_age: int) -> tuple[int, object, float]:
    """The token's signature and age: (user id, token version, signed at as a UNIX time)."""
    try:
        data, signed = _serializer().loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise TokenExpired() from None
    except BadSignature:
        raise TokenInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenInvalid()
    return data["u"], data.get("v"), signed.timestamp()


def forget_token_version(user_id: int, version: int) -> None:
    """Call after a user's token_version was bumped to `version` and committed: this worker refuses old
    tokens at once, the others within TOKEN_VERSION_TTL (their own caches) through the shared entry."""
    with _versions_lock:
        _versions.pop(user_id, None)
    if not _share_version(user_id, version, only_if_missing=False) and current_app.extensions.get("redis"):
        log.warning("token version of user=%s not shared: old tokens may work for up to %s s on other "
                    "workers", user_id, SHARED_VERSION_TTL)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_user_id_optional() -> int | None:
    """The caller's user id when a valid token is sent, None when none is; a bad token is an error."""
    if "user_id" not in g:
        token = _bearer()
        g.user_id = user_id_from_token(token) if token else None
    return g.user_id


def current_user_optional() -> User | None:
    """The caller's row, for the use cases that need more than the id."""
    user_id = current_user_id_optional()
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise TokenInvalid()
    return user


def current_user() -> User:
    """:raise Unauthorized: no token was sent."""
    user = current_user_optional()
    if user is None:
        raise Unauthorized()
    return user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user_id_optional() is None:
            raise Unauthorized()
        return view(*args, **kwargs)

    return wrapped


# -- staff --------------------------------------------------------------------------------------------

STAFF_TOKEN_TTL = 12 * 3600
_STAFF_SALT = "diandian.staff.v1"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _staff_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_STAFF_SALT)


def issue_staff_token(account: StaffAccount) -> tuple[str, int]:
    """Returns (token, expires_in seconds)."""
    return _staff_serializer().dumps({"s": account.id, "v": account.token_version}), STAFF_TOKEN_TTL


def _active_staff(data) -> StaffAccount | None:
    """The account a token or session names, if it is active and its token version still current."""
    account = db.session.get(StaffAccount, data.get("s")) if isinstance(data, dict) else None
    if account is None or not account.active or not hmac.compare_digest(str(account.token_version),
                                                                          str(data.get("v"))):
        return None
    return account


def _staff_from_bearer(token: str) -> StaffAccount:
    try:
        data = _staff_serializer().loads(token, max_age=STAFF_TOKEN_TTL)
    except SignatureExpired:
        raise TokenExpired() from None
    except BadSignature:
        raise TokenInvalid() from None
    account = _active_staff(data)
    if account is None:
        raise TokenInvalid()
    return account


def _staff_from_session() -> StaffAccount:
    data = session.get("staff")
    if not isinstance(data, dict):
        raise Unauthorized()
    if request.method not in SAFE_METHODS:
        sent, expected = request.headers.get("X-CSRF-Token", ""), session.get("csrf") or ""
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise CsrfFailed("send the session's CSRF token in X-CSRF-Token")
    account = _active_staff(data)
    if account is None or not _session_open(data.get("sid"), account.id):
        session.clear()
        raise TokenInvalid()
    return account


def _session_open(sid, staff_id: int) -> bool:
    """The server's record of the console session: signing out ends it, whatever copy of the cookie is left."""
    if not isinstance(sid, str):
        return False
    row = db.session.get(StaffSession, sid)
    return (row is not None and row.staff_id == staff_id and row.ended_at is None
            and row.expires_at > datetime.now(UTC))


def current_staff() -> StaffAccount:
    """The staff member behind a bearer token or the console's session cookie.

    :raise Unauthorized/TokenInvalid/TokenExpired: :raise CsrfFailed: a cookie request that changes state
    without the session's CSRF token.
    """
    if "staff" not in g:
        header = request.headers.get("Authorization")
        if not header:
            g.staff = _staff_from_session()
        else:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized()
            g.staff = _staff_from_bearer(token.strip())
    return g.staff


def staff_required(action: str | None = None):
    """A staff endpoint: authenticate first (401), then, with `action`, the role check of
    app.policy (403) before the body is even read. Organisation rules are the services' to ask."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            actor = current_staff()
            if action:
                policy.require(actor, action)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def start_console_session(account: StaffAccount, sid: str) -> str:
    """Sign the console in (the session cookie naming the server's session `sid`); returns the CSRF token
    the console must echo."""
    session.clear()
    session.permanent = True
    session["staff"] = {"s": account.id, "v": account.token_version, "sid": sid}
    session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def console_session_id() -> str | None:
    """The server session the console's cookie names (None for a bearer request)."""
    data = session.get("staff") if not request.headers.get("Authorization") else None
    return data.get("sid") if isinstance(data, dict) else None


def end_console_session() -> None:
    session.clear()


def console_csrf_token() -> str | None:
    return session.get("csrf")
