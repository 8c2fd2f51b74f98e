"""Factor set response."""
from marshmallow import Schema, fields


class FactorSchema(Schema):
    key = fields.String()
    category = fields.String()
    unit = fields.String()
    value = fields.Decimal()
    basis = fields.String()
    source = fields.String()
    year = fields.Integer()
    reference = fields.String()
    note = fields.String()


class FactorSetSchema(Schema):
    version = fields.String()
    factors = fields.Function(lambda fs: FactorSchema(many=True).dump(fs.factors.values()))
    circuity = fields.Function(lambda fs: dict(fs.circuity))
    method = fields.String()
