"""Guest login (contract endpoint 1)."""
from flask import Blueprint

from app.auth import current_user_id_optional, login_required
from app.routes.helpers import json_body
from app.schemas.guest.auth import LoginSchema, UserSchema
from app.services.guest import auth as auth_service

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

# Schemas are stateless: build them once, not per request (nested ones are costly to build).
LOGIN_SCHEMA = LoginSchema()
USER_SCHEMA = UserSchema()


@bp.post("/logout")
@login_required
def logout():
    """End the guest's tokens: this one stops working (and any other the guest holds)."""
    auth_service.logout(current_user_id_optional())
    return "", 204


@bp.post("/login")
def login():
    """Exchange a wx.login code for a Diandian bearer token."""
    data = json_body(LOGIN_SCHEMA)
    user, token, expires_in = auth_service.login(data["code"])
    return {"token": token, "expires_in": expires_in, "user": USER_SCHEMA.dump(user)}
