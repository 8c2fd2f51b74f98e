"""Deep link resolution: exactly one of `scene` or `q`."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.i18n import N_
from app.schemas.guest.scenarios import ScenarioSchema


class ResolveQuerySchema(Schema):
    # Length is checked after URL-decoding in the service; this only bounds the raw input.
    scene = fields.String(validate=validate.Length(min=1, max=128))
    q = fields.String(validate=validate.Length(min=1, max=2048))

    @validates_schema
    def _one_form(self, data, **_kwargs):
        if ("scene" in data) == ("q" in data):
            raise ValidationError(N_("Give either scene or q."), "_schema")


class EntrySchema(Schema):
    source = fields.String()
    tag = fields.String(allow_none=True)
    scan_id = fields.Integer()


class ResolveSchema(Schema):
    scenario = fields.Nested(ScenarioSchema)
    entry = fields.Nested(EntrySchema)
