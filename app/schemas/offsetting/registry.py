"""The public registry: which project and page are asked for, and the projects and units as shown."""
from marshmallow import Schema, fields, validate

from app.jsonutil import isoformat
from app.schemas.common import DateTimeUTC, page_query


class RegistryQuerySchema(page_query(limit=100, max_limit=500, max_offset=10_000_000)):
    project = fields.String(validate=validate.Length(min=1, max=32))


class ProjectSummarySchema(Schema):
    """Dumps services.offsetting.registry.ProjectSummary."""

    code = fields.String(attribute="project.code")
    name = fields.String(attribute="project.name")
    standard = fields.String(attribute="project.standard")
    owner = fields.Function(lambda s: {"name": s.project.owner.name})
    units = fields.Integer()
    retired_units = fields.Integer()
    full_units = fields.Integer()
    claimed_kg = fields.Integer()
    max_unit_claimed_kg = fields.Integer(attribute="max_unit_kg")


class UnitRecordSchema(Schema):
    """A retired unit with the certificates claiming it (dumps registry.UnitRecord)."""

    serial = fields.String(attribute="unit.serial")
    vintage = fields.Integer(attribute="unit.vintage")
    retired_at = DateTimeUTC(attribute="unit.retired_at")
    retirement_reason = fields.String(attribute="unit.retirement_reason")
    claimed_kg = fields.Integer(attribute="unit.claimed_kg")
    claims = fields.Function(lambda r: [
        {"certificate": cert.serial, "status": cert.status, "kg": claim.kg,
         "released_at": isoformat(claim.released_at) if claim.released_at else None}
        for claim, cert in r.claims])
