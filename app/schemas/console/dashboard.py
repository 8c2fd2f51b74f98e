"""The organiser's dashboard of one scenario: its query and its numbers."""
from marshmallow import Schema, fields, validate

from app.schemas.common import DateTimeUTC


class DashboardQuerySchema(Schema):
    # Omitted: hourly while that is at most a week of points, else daily.
    bucket = fields.String(load_default=None, validate=validate.OneOf(["hour", "day"]))


class DashboardScenarioSchema(Schema):
    code = fields.String()
    kind = fields.String()
    title = fields.String()
    title_en = fields.String(allow_none=True)
    status = fields.String()
    organizer = fields.Function(lambda s: s.organization.name if s.organization else None)
    starts_at = DateTimeUTC()
    ends_at = DateTimeUTC()
    open_until = DateTimeUTC()


class DoorStatsSchema(Schema):
    tag = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    defined = fields.Boolean()
    scans = fields.Integer()
    scans_wxacode = fields.Integer()
    scans_link = fields.Integer()
    guests = fields.Integer()  # the door's funnel: guests who scanned it, then computed, ordered, paid
    computed = fields.Integer()
    ordered = fields.Integer()
    paid_guests = fields.Integer()
    kg = fields.Integer()


class TotalsSchema(Schema):
    scans = fields.Integer()
    guests = fields.Integer()
    participants = fields.Integer()
    neutralized_kg = fields.Integer()
    certificates = fields.Integer()
    amount_fen = fields.Integer()
    event_kg = fields.Integer()


class FunnelSchema(Schema):
    scanned = fields.Integer()
    computed = fields.Integer()
    ordered = fields.Integer()
    paid = fields.Integer()


class SeriesPointSchema(Schema):
    t = DateTimeUTC()  # the bucket's start, with its +08:00 offset
    participants = fields.Integer()
    kg = fields.Integer()


class LeaderboardEntrySchema(Schema):
    rank = fields.Integer()
    name = fields.String()
    kg = fields.Integer()


class DashboardSchema(Schema):
    scenario = fields.Nested(DashboardScenarioSchema)
    totals = fields.Nested(TotalsSchema)
    doors = fields.List(fields.Nested(DoorStatsSchema))
    funnel = fields.Nested(FunnelSchema)
    bucket = fields.String()
    series = fields.List(fields.Nested(SeriesPointSchema))
    leaderboard = fields.List(fields.Nested(LeaderboardEntrySchema))
    generated_at = DateTimeUTC()
