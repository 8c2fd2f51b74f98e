"""Venue staff assigned to a scenario."""
from marshmallow import Schema, fields, validate


class AssignmentCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class AssignmentSchema(Schema):
    staff_id = fields.Integer()
    email = fields.String()
    name = fields.String()
