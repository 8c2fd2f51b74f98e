"""Doors, venue staff assignments and the organiser's dashboard: requests and responses."""
from marshmallow import Schema, fields, validate

from app.schemas.common import DateTimeUTC

# The shape of a door tag (deeplinks.TAG_RE); whether `<code>.<tag>` fits a QR scene is the service's check.
TAG = validate.Regexp(r"^[A-Za-z0-9_-]{1,24}$", error="1 to 24 of A-Z a-z 0-9 - _.")


class DoorCreateSchema(Schema):
    tag = fields.String(required=True, validate=TAG)
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class DoorSchema(Schema):
    tag = fields.String()
    label = fields.String(allow_none=True)
    link = fields.String()
    scene = fields.String()
    created_at = DateTimeUTC()


class AssignmentCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class AssignmentSchema(Schema):
    staff_id = fields.Integer()
    email = fields.String()
    name = fields.String()


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
    guests = fields.Integer()
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
