"""Staff sign-in and accounts."""
from marshmallow import Schema, fields, validate

from app.models.staff import ROLES
from app.schemas.common import CleanTextSchema, DateTimeUTC, page_query


class SignInSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class StaffSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    organization = fields.Function(lambda s: s.organization.name if s.organization else None)


class StaffAccountSchema(StaffSchema):
    """An admin's view of an account."""

    active = fields.Boolean()
    created_at = DateTimeUTC()


class StaffListQuerySchema(page_query(limit=50, max_limit=200)):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))


class StaffUpdateSchema(CleanTextSchema):
    CLEAN_TEXT = ("name",)

    name = fields.String(validate=validate.Length(min=1, max=64))
    active = fields.Boolean()
    password = fields.String(validate=validate.Length(min=10, max=256))


class StaffCreateSchema(CleanTextSchema):
    CLEAN_TEXT = ("name", "organization")

    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=10, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
