"""Guest login through WeChat."""
from __future__ import annotations

import hashlib
import logging

from sqlalchemy import func, update

from app.auth import forget_token_version, issue_token
from app.errors import InvalidLoginCode, WeChatUnavailable
from app.extensions import db, own_transaction, upsert_once
from app.models import User
from app.models.base import utcnow
from app.wechat import wechat_login
from app.wechat.exceptions import InvalidCode, WeChatError

log = logging.getLogger("diandian.auth")


def login(code: str) -> tuple[User, str, int]:
    """Exchange a wx.login code for our token; creates the guest on first login.

    :raise InvalidLoginCode: WeChat refused the code. :raise WeChatUnavailable: WeChat did not answer.
    """
    try:
        session = wechat_login().code_to_session(code)
    except InvalidCode:
        raise InvalidLoginCode() from None
    except WeChatError as exc:
        raise WeChatUnavailable(f"errcode {exc.errcode}") from None

    # One statement for a first login and a returning one; two first logins of one guest racing meet in the
    # unique openid, not in an IntegrityError.
    now = utcnow()
    user = db.session.scalars(_sign_in(), {
        "openid": session.openid, "unionid": session.unionid, "nickname": _default_nickname(session.openid),
        "created_at": now, "last_login_at": now}).one()
    db.session.commit()
    created = user.created_at == now  # a returning guest's row keeps its own created_at
    log.info("login user=%s new=%s", user.id, created)
    token, expires_in = issue_token(user)
    return user, token, expires_in


@upsert_once
def _sign_in(insert):
    """A first login and a returning one in one statement, the guest's row returned: a returning guest keeps
    their created_at and nickname (built once; the values are bound at execution)."""
    stmt = insert(User)
    return own_transaction(stmt.on_conflict_do_update(index_elements=[User.openid], set_={
        "last_login_at": stmt.excluded.last_login_at, "unionid": func.coalesce(stmt.excluded.unionid, User.unionid)})
        .returning(User).execution_options(populate_existing=True))


def logout(user_id: int) -> None:
    """Every token the guest holds stops working: at once in this worker, within
    app.auth.TOKEN_VERSION_TTL seconds in the others (they cache token versions that long)."""
    version = db.session.execute(update(User).where(User.id == user_id)
                                 .values(token_version=User.token_version + 1).returning(User.token_version)).scalar()
    db.session.commit()
    if version is not None:
        forget_token_version(user_id, version)
    log.info("logout user=%s", user_id)


def _default_nickname(openid: str) -> str:
    """'点点用户' plus four stable digits, until the guest picks a nickname."""
    digits = int(hashlib.sha256(openid.encode()).hexdigest()[:8], 16) % 10000
    return f"点点用户{digits:04d}"
