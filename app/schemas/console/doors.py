"""A scenario's doors: the console's form, and the door with its printed link and QR scene."""
from marshmallow import Schema, fields, validate

from app.domain.deeplinks import TAG_PATTERN
from app.schemas.common import DRAWABLE, CleanTextSchema, DateTimeUTC, Pattern

# The shape of a door tag; whether `<code>.<tag>` fits a QR scene is the service's check.
TAG = Pattern(TAG_PATTERN, error="1 to 24 of A-Z a-z 0-9 - _.")


class DoorCreateSchema(CleanTextSchema):
    CLEAN_TEXT = ("label",)

    tag = fields.String(required=True, validate=TAG)
    label = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=64), DRAWABLE])


class DoorSchema(Schema):
    """Dumps app.urls.Door."""

    tag = fields.String()
    label = fields.String(allow_none=True)
    link = fields.String()
    scene = fields.String()
    created_at = DateTimeUTC()
