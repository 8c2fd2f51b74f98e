"""The guest's own profile and history."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Certificate, Footprint, User


def update_profile(user: User, changes: dict) -> User:
    """Nickname, avatar and leaderboard visibility (validated and cleaned by the schema)."""
    for field in ("nickname", "avatar_url", "show_on_leaderboard"):
        if field in changes:
            setattr(user, field, changes[field])
    db.session.commit()
    return user


def profile(user: User) -> dict:
    kg, certificates = db.session.execute(
        select(func.coalesce(func.sum(Certificate.kg), 0), func.count(Certificate.id))
        .where(Certificate.user_id == user.id, Certificate.status == "valid")).one()
    footprints = db.session.execute(select(func.count(Footprint.id)).where(Footprint.user_id == user.id)).scalar_one()
    return {"id": user.id, "nickname": user.nickname, "avatar_url": user.avatar_url,
            "show_on_leaderboard": user.show_on_leaderboard, "neutralized_kg": kg,
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
