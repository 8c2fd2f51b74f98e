"""Staff sign-in, accounts and scenario management."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.scenario import KINDS
from app.models.staff import ROLES
from app.schemas.dashboard import DoorCreateSchema, DoorSchema
from app.schemas.scenarios import ScenarioSchema
from app.schemas.common import DateTimeUTC
from app.services.doors import view as door_view

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,24}$", error="1 to 24 letters, digits, '-' or '_'.")


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


class StaffListQuerySchema(Schema):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class StaffUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    active = fields.Boolean()
    password = fields.String(validate=validate.Length(min=10, max=256))


class StaffCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=10, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))


class _ScenarioFields(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    title_en = fields.String(allow_none=True, validate=validate.Length(max=200))
    venue = fields.String(allow_none=True, validate=validate.Length(max=200))
    venue_en = fields.String(allow_none=True, validate=validate.Length(max=200))
    city = fields.String(allow_none=True, validate=validate.Length(max=64))
    city_en = fields.String(allow_none=True, validate=validate.Length(max=64))
    grid = fields.String(allow_none=True, validate=validate.OneOf(
        ["north", "northeast", "east", "central", "northwest", "south", "southwest"]))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    open_until = fields.AwareDateTime(allow_none=True)
    status = fields.String(validate=validate.OneOf(["draft", "active", "closed"]))


class ScenarioCreateSchema(_ScenarioFields):
    code = fields.String(required=True, validate=CODE)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organizer = fields.String(validate=validate.Length(min=1, max=200))
    # The console creates a scenario and its first doors in one step.
    doors = fields.List(fields.Nested(DoorCreateSchema), validate=validate.Length(max=50))

    @validates_schema
    def _unique_doors(self, data, **_kwargs):
        seen: set[str] = set()
        for i, door in enumerate(data.get("doors") or []):
            if door["tag"] in seen:
                raise ValidationError({"doors": {i: {"tag": ["Two doors with this tag."]}}})
            seen.add(door["tag"])


class ScenarioUpdateSchema(_ScenarioFields):
    pass


DOOR_SCHEMA = DoorSchema()


class ManagedScenarioSchema(ScenarioSchema):
    """The guest view (its `calculator` sections included, drafts too) plus what staff manage: the raw
    status and the doors with their printed links."""

    status = fields.String()
    doors = fields.Method("_doors")

    def _doors(self, scenario):
        return DOOR_SCHEMA.dump([door_view(scenario.code, row) for row in scenario.doors], many=True)
