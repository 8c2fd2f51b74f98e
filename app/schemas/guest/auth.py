"""Login request and the user as the mini-program sees it (no openid, no session key)."""
from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class UserSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    avatar_url = fields.String(allow_none=True)
    show_on_leaderboard = fields.Boolean()


class OwnUserSchema(UserSchema):
    """The user as the guest themselves reads it back (PATCH /me, GET /me, the export)."""

    # Extension: the verify page names the places of the guest's footprints (opt-in, default false).
    show_places = fields.Boolean()
