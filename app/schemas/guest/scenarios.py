"""Scenario responses (with the calculator the mini-program renders) and list filters."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.domain.factors import factor_set
from app.domain.kinds import calculator_definition
from app.i18n import language, pick_text, translate
from app.models.scenario import KINDS
from app.schemas.common import DateTimeUTC, page_query, round_kg


def _localized(scenario, lang: str) -> dict:
    return {"lang": lang, **{field: pick_text(scenario.texts_of(field), lang)
                             for field in ("title", "venue", "city", "description")}}


class ScenarioSchema(Schema):
    code = fields.String()
    kind = fields.String()
    title = fields.String()
    title_en = fields.String(allow_none=True)
    venue = fields.String(allow_none=True)
    venue_en = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    city_en = fields.String(allow_none=True)
    starts_at = DateTimeUTC()
    ends_at = DateTimeUTC()
    open_until = DateTimeUTC()
    status = fields.Method("_status")
    organizer = fields.Function(lambda s: s.organization.name if s.organization else None)
    organizer_en = fields.Function(lambda s: s.organization.name_en if s.organization else None)
    description = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    # The other languages' texts as given ({lang: {title, venue, city, description}}), and all four in the
    # request's language after the fallback rule (app.i18n.pick_text): what a guest reads.
    texts = fields.Function(lambda s: s.texts or {})
    localized = fields.Function(lambda s: _localized(s, language()))
    calculator = fields.Function(lambda s: calculator_definition(s.kind, factor_set(), language(), translate))
    stats = fields.Function(lambda s: {"participants": s.participants,
                                       "neutralized_kg": round_kg(s.neutralized_kg)})

    def _status(self, scenario):
        # An active scenario past its open_until has ended for guests: say so.
        return "closed" if scenario.status == "active" and not scenario.is_open() else scenario.status


class ScenarioQuerySchema(page_query()):
    kind = fields.String(validate=validate.OneOf(KINDS))
    q = fields.String(validate=validate.Length(min=1, max=64))
    city = fields.String(validate=validate.Length(min=1, max=64))
