"""Offset projects as guests see them."""
from marshmallow import Schema, fields, validate


class ProjectQuerySchema(Schema):
    scenario = fields.String(validate=validate.Length(min=1, max=24))


class ProjectSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    standard = fields.String()
    price_fen_per_tonne = fields.Integer()
    available_kg = fields.Integer()
    owner = fields.Function(lambda p: {"name": p.owner.name, "name_en": p.owner.name_en})
    description = fields.String(allow_none=True)
