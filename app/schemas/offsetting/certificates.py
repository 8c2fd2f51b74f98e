"""Certificates (contract endpoint 11): the public record, dumped from services' CertificateView."""
from marshmallow import Schema, fields

from app.domain.privacy import public_holder
from app.i18n import language, translate
from app.schemas.common import DateTimeUTC
from app.schemas.guest.footprints import event_item_view
from app.urls import image_url, verify_url


class CertificateSchema(Schema):
    serial = fields.String(attribute="certificate.serial")
    status = fields.String(attribute="certificate.status")
    # The typed beneficiary or the nickname, or the mask for a holder who chose not to show.
    holder = fields.Function(lambda v: public_holder(v.certificate.holder, v.holder_shown, language(), translate))
    holder_masked = fields.Function(lambda v: not v.holder_shown)
    kg = fields.Integer(attribute="certificate.kg")
    # What a personal claim covers: the footprint's sections with emissions (travel, stay, meal, energy, diet).
    covers = fields.Function(lambda v: list(v.covers))
    scenario = fields.Function(lambda v: {"code": v.certificate.scenario.code, "title": v.certificate.scenario.title,
                                          "title_en": v.certificate.scenario.title_en})
    project = fields.Function(lambda v: {"code": v.certificate.project.code, "name": v.certificate.project.name,
                                         "name_en": v.certificate.project.name_en,
                                         "standard": v.certificate.project.standard})
    issued_at = DateTimeUTC(attribute="certificate.issued_at")
    revoked_at = DateTimeUTC(attribute="certificate.revoked_at")
    verify_url = fields.Function(lambda v: verify_url(v.certificate.serial))
    image_url = fields.Function(lambda v: image_url(v.certificate.serial))
    allocations = fields.Method("_allocations")
    footprint_id = fields.String(attribute="certificate.footprint_id")
    # "personal" (a guest) or "event" (an organiser's top-up, with both parts of the claim in `event`).
    kind = fields.String(attribute="certificate.kind")
    event = fields.Method("_event")

    def _event(self, view):
        if view.event is None:
            return None
        return {**view.event, "items": [event_item_view(i, language()) for i in view.event["items"]]}

    def _allocations(self, view):
        # A revoked certificate shows what it had claimed (released since, see revoked_at).
        return [{"credit_serial": c.unit.serial, "kg": c.kg} for c in view.certificate.claims]
