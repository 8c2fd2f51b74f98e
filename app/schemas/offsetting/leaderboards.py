"""Leaderboard query (contract 13, plus `by` and `period`)."""
from marshmallow import Schema, fields, validate


class LeaderboardQuerySchema(Schema):
    scenario = fields.String(validate=validate.Length(min=1, max=24))
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    by = fields.String(load_default="user", validate=validate.OneOf(["user", "organization"]))
    period = fields.String(load_default="all", validate=validate.OneOf(["all", "month"]))
