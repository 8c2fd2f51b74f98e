"""Certificates (contract endpoint 11)."""
from marshmallow import Schema, fields

from app.i18n import language
from app.schemas.common import DateTimeUTC
from app.schemas.events import event_item_view
from app.services import events
from app.services.certificates import urls


class CertificateSchema(Schema):
    serial = fields.String()
    status = fields.String()
    holder = fields.String()
    kg = fields.Integer()
    scenario = fields.Function(lambda c: {"code": c.scenario.code, "title": c.scenario.title,
                                          "title_en": c.scenario.title_en})
    project = fields.Function(lambda c: {"code": c.project.code, "name": c.project.name,
                                         "name_en": c.project.name_en, "standard": c.project.standard})
    issued_at = DateTimeUTC()
    revoked_at = DateTimeUTC()
    verify_url = fields.Function(lambda c: urls(c.serial)["verify_url"])
    image_url = fields.Function(lambda c: urls(c.serial)["image_url"])
    allocations = fields.Method("_allocations")
    footprint_id = fields.String()
    # "personal" (a guest) or "event" (an organiser's top-up, with both parts of the claim in `event`).
    kind = fields.String()
    event = fields.Method("_event")

    def _event(self, certificate):
        found = events.summary(certificate)
        if found is None:
            return None
        found = dict(found)
        found["items"] = [event_item_view(i, language()) for i in found["items"]]
        return found

    def _allocations(self, certificate):
        # A revoked certificate shows what it had claimed (released since, see revoked_at).
        return [{"credit_serial": c.unit.serial, "kg": c.kg} for c in certificate.claims]
