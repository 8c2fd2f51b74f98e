"""Factor set response."""
from marshmallow import Schema, fields

from app.i18n import language
from app.schemas.guest.factor_sources import source_label


class FactorSchema(Schema):
    key = fields.String()
    category = fields.String()
    unit = fields.String()
    value = fields.Decimal()
    basis = fields.String()
    source = fields.String()  # the citation as published (English), for checking the number
    # The same citation readable in the request's language (app/schemas/guest/factor_sources.py).
    source_label = fields.Function(lambda f: source_label(f.source, language()))
    year = fields.Integer()
    reference = fields.String()
    note = fields.String()


class FactorSetSchema(Schema):
    version = fields.String()
    factors = fields.Function(lambda fs: FactorSchema(many=True).dump(fs.factors.values()))
    circuity = fields.Function(lambda fs: dict(fs.circuity))
    method = fields.String()
