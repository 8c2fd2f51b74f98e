"""Scenario administration: the create and edit forms, and the scenario as staff see it (with its doors)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from app import urls
from app.domain.deeplinks import CODE_PATTERN
from app.domain.kinds import GRIDS
from app.i18n import LANGUAGES, N_
from app.models.scenario import KINDS
from app.schemas.common import DRAWABLE, CleanTextSchema, Pattern
from app.schemas.console.doors import DoorCreateSchema, DoorSchema
from app.schemas.guest.scenarios import ScenarioSchema

CODE = Pattern(CODE_PATTERN, error="1 to 24 letters, digits, '-' or '_'.")


#: The guest languages whose scenario texts live in `texts` (Chinese and English have their own columns).
TEXT_LANGUAGES = tuple(lang for lang in LANGUAGES if lang not in ("zh", "en"))


class ScenarioTextsSchema(CleanTextSchema):
    """One language's texts of a scenario, each optional."""

    CLEAN_TEXT = ("title", "venue", "city")

    title = fields.String(allow_none=True, validate=[validate.Length(max=200), DRAWABLE])
    venue = fields.String(allow_none=True, validate=[validate.Length(max=200), DRAWABLE])
    city = fields.String(allow_none=True, validate=[validate.Length(max=64), DRAWABLE])
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))


class _ScenarioFields(CleanTextSchema):
    CLEAN_TEXT = ("title", "title_en", "venue", "venue_en", "city", "city_en", "organizer")

    title = fields.String(validate=[validate.Length(min=1, max=200), DRAWABLE])
    title_en = fields.String(allow_none=True, validate=[validate.Length(max=200), DRAWABLE])
    venue = fields.String(allow_none=True, validate=[validate.Length(max=200), DRAWABLE])
    venue_en = fields.String(allow_none=True, validate=[validate.Length(max=200), DRAWABLE])
    city = fields.String(allow_none=True, validate=[validate.Length(max=64), DRAWABLE])
    city_en = fields.String(allow_none=True, validate=[validate.Length(max=64), DRAWABLE])
    grid = fields.String(allow_none=True, validate=validate.OneOf(GRIDS))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    description_en = fields.String(allow_none=True, validate=validate.Length(max=2000))
    # {lang: {title, venue, city, description}} for fr, hi, bn, sw; sent whole, it replaces what was there.
    texts = fields.Dict(keys=fields.String(validate=validate.OneOf(TEXT_LANGUAGES)),
                        values=fields.Nested(ScenarioTextsSchema), allow_none=True)
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    open_until = fields.AwareDateTime(allow_none=True)
    status = fields.String(validate=validate.OneOf(["draft", "active", "closed"]))


class ScenarioCreateSchema(_ScenarioFields):
    code = fields.String(required=True, validate=CODE)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=[validate.Length(min=1, max=200), DRAWABLE])
    organizer = fields.String(validate=validate.Length(min=1, max=200))
    # The console creates a scenario and its first doors in one step.
    doors = fields.List(fields.Nested(DoorCreateSchema), validate=validate.Length(max=50))

    @validates_schema
    def _unique_doors(self, data, **_kwargs):
        seen: set[str] = set()
        for i, door in enumerate(data.get("doors") or []):
            if door["tag"] in seen:
                raise ValidationError({"doors": {i: {"tag": [N_("Two doors with this tag.")]}}})
            seen.add(door["tag"])


class ScenarioUpdateSchema(_ScenarioFields):
    pass


DOOR_SCHEMA = DoorSchema(many=True)


class ManagedScenarioSchema(ScenarioSchema):
    """The guest view (its `calculator` sections included, drafts too) plus what staff manage: the raw
    status and the doors with their printed links."""

    status = fields.String()
    doors = fields.Method("_doors")

    def _doors(self, scenario):
        return DOOR_SCHEMA.dump([urls.door(scenario.code, row) for row in scenario.doors])
