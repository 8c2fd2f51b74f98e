"""A door's poster: the paper size (the file type is in the path)."""
from marshmallow import Schema, fields, validate

from app.rendering.poster import FORMATS


class PosterQuerySchema(Schema):
    paper = fields.String(load_default="a4", validate=validate.OneOf(sorted(FORMATS)))
