"""The guest's own profile and history."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.schemas.common import CleanTextSchema, DateTimeUTC, page_query, round_kg
from app.schemas.guest.auth import UserSchema


class ProfileUpdateSchema(CleanTextSchema):
    CLEAN_TEXT = ("nickname",)

    nickname = fields.String(validate=validate.Length(min=1, max=32))
    avatar_url = fields.String(allow_none=True, validate=validate.Length(max=512))
    show_on_leaderboard = fields.Boolean(truthy={True}, falsy={False})

    @validates("avatar_url")
    def _https(self, value, **_kwargs):
        if value is not None and not value.startswith("https://"):
            raise ValidationError("An https:// URL.")


class ProfileSchema(UserSchema):
    neutralized_kg = fields.Integer()
    certificates = fields.Integer()
    footprints = fields.Integer()


class FootprintSummarySchema(Schema):
    id = fields.String()
    scenario = fields.String(attribute="scenario_code")
    total_kg = fields.Function(lambda fp: round_kg(fp.total_kg))
    factor_set = fields.String()
    created_at = DateTimeUTC()


class CertificateSummarySchema(Schema):
    serial = fields.String()
    status = fields.String()
    kg = fields.Integer()
    holder = fields.String()
    scenario = fields.Function(lambda c: c.scenario.code)
    project = fields.Function(lambda c: c.project.code)
    issued_at = DateTimeUTC()


class PageQuerySchema(page_query()):
    pass
