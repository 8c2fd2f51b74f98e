"""The guest's own profile and history."""
from __future__ import annotations

from sqlalchemy import func, select

from app.errors import TokenInvalid
from app.extensions import db
from app.models import Certificate, Footprint, User
from app.services.locks import lock_for_write
from app.services.offsetting import leaderboards

PROFILE_FIELDS = ("nickname", "avatar_url", "show_on_leaderboard", "show_places")


def update_profile(user: User, changes: dict) -> User:
    """Nickname, avatar, leaderboard visibility and places on the verify page (validated and cleaned by the
    schema).

    Turning show_on_leaderboard off (or on) takes effect on the boards at once: the organisation rows the
    guest's certificates count on are recomputed in the same transaction, under the guest's row lock (the
    lock fulfilment takes before it records an organisation), then mirrored to Redis.
    :raise TokenInvalid: the guest was erased (another worker may still hold the old token version for
    a few seconds: see app.auth.TOKEN_VERSION_TTL).
    """
    lock_for_write()
    db.session.refresh(user, with_for_update=True)
    if user.erased_at is not None:
        raise TokenInvalid()
    visibility_changed = ("show_on_leaderboard" in changes
                          and changes["show_on_leaderboard"] != user.show_on_leaderboard)
    for field in PROFILE_FIELDS:
        if field in changes:
            setattr(user, field, changes[field])
    touched = leaderboards.refresh_guest(user.id) if visibility_changed else []
    db.session.commit()
    leaderboards.sync_rows(touched)
    return user


def profile(user: User) -> dict:
    kg, certificates = db.session.execute(
        select(func.coalesce(func.sum(Certificate.kg), 0), func.count(Certificate.id))
        .where(Certificate.user_id == user.id, Certificate.status == "valid")).one()
    footprints = db.session.execute(select(func.count(Footprint.id)).where(Footprint.user_id == user.id)).scalar_one()
    return {"id": user.id, "nickname": user.nickname, "avatar_url": user.avatar_url,
            "show_on_leaderboard": user.show_on_leaderboard, "show_places": user.show_places, "neutralized_kg": kg,
            "certificates": certificates, "footprints": footprints}


def _page(model, order_by, user_id: int, offset: int, limit: int):
    total = db.session.execute(select(func.count()).select_from(model).where(model.user_id == user_id)).scalar_one()
    rows = db.session.execute(select(model).where(model.user_id == user_id)
                              .order_by(order_by.desc()).offset(offset).limit(limit)).scalars().all()
    return list(rows), total


def footprints(user_id: int, *, offset: int = 0, limit: int = 20):
    return _page(Footprint, Footprint.created_at, user_id, offset, limit)


def certificates(user_id: int, *, offset: int = 0, limit: int = 20):
    return _page(Certificate, Certificate.issued_at, user_id, offset, limit)
