"""Our own bearer tokens: signed (itsdangerous), expiring, revocable through the user's token_version.

WeChat's session_key never leaves the server; the mini-program only ever holds this token.
"""
from __future__ import annotations

import threading
from functools import wraps

from cachetools import TTLCache

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app.errors import TokenExpired, TokenInvalid, Unauthorized
from app.extensions import db
from app.models import User

_SALT = "diandian.auth.v1"
# user id -> token_version, per process. A revoked token stops working within TOKEN_VERSION_TTL seconds
# in every worker (at once in the worker that revoked it); hot paths skip a SELECT per request.
TOKEN_VERSION_TTL = 15
_versions: TTLCache = TTLCache(maxsize=50_000, ttl=TOKEN_VERSION_TTL)
_versions_lock = threading.Lock()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def issue_token(user: User) -> tuple[str, int]:
    """Returns (token, expires_in seconds)."""
    token = _serializer().dumps({"u": user.id, "v": user.token_version})
    return token, current_app.config["TOKEN_TTL_SECONDS"]


def user_id_from_token(token: str) -> int:
    """:raise TokenExpired: too old. :raise TokenInvalid: forged, malformed, revoked or unknown user."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["TOKEN_TTL_SECONDS"])
    except SignatureExpired:
        raise TokenExpired() from None
    except BadSignature:
        raise TokenInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenInvalid()
    user_id = data["u"]
    with _versions_lock:
        version = _versions.get(user_id)
    if version is None:
        version = db.session.execute(select(User.token_version).where(User.id == user_id)).scalar()
        if version is None:
            raise TokenInvalid()
        with _versions_lock:
            _versions[user_id] = version
    if version != data.get("v"):
        raise TokenInvalid()
    return user_id


def forget_token_version(user_id: int) -> None:
    """Call after bumping a user's token_version so this worker refuses old tokens at once."""
    with _versions_lock:
        _versions.pop(user_id, None)


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
