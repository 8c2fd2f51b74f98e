"""Place search."""
from marshmallow import Schema, fields, validate


class PlaceQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=64))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class PlaceSchema(Schema):
    id = fields.String()
    kind = fields.String()
    name = fields.String()
    name_en = fields.String()
    iata = fields.String(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    country = fields.String()
