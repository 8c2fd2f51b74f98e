"""Public server-rendered pages: the certificate verify page and the registry (six languages, app/i18n.py)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template

from app import urls
from app.domain.china_time import china_text
from app.domain.claims import covered_sections
from app.domain.money import yuan
from app.domain.privacy import public_holder
from app.errors import error_shape
from app.i18n import covers_phrase, language, pick_text, translate
from app.routes.helpers import query_args
from app.schemas.common import round_kg
from app.schemas.guest.footprints import event_item_view, item_view
from app.schemas.offsetting.registry import RegistryQuerySchema
from app.services.offsetting import registry
from app.services.offsetting.certificates import CertificateNotFound

bp = Blueprint("pages", __name__)

REGISTRY_QUERY_SCHEMA = RegistryQuerySchema()


def page_language() -> str:
    """`?lang=` wins over Accept-Language (links on the page keep the language)."""
    return language()


@bp.context_processor
def _helpers():
    lang = page_language()
    return {
        # Links within the pages keep an explicit ?lang= (the default, zh, needs none).
        "lang_query": "" if lang == "zh" else f"lang={lang}",
        "date": lambda d: china_text(d, "%Y-%m-%d") or "",
        "datetime": lambda d: china_text(d, "%Y-%m-%d %H:%M (UTC+8)") or "",
        "yuan": lambda fen: yuan(fen, grouping=True) if isinstance(fen, int) else fen,
    }


@bp.get("/verify/<serial>")
@error_shape("html")
def verify(serial: str):
    """Anyone can check a certificate: its credits, footprint, factors and money flow."""
    lang = page_language()
    try:
        v = registry.verification(serial)
    except CertificateNotFound:
        return render_template("not_found.html", serial=serial), 404
    c = v.certificate
    holder = public_holder(c.holder, v.holder_shown, lang, translate)
    title = pick_text(c.scenario.texts_of("title"), lang)
    if c.kind == "event":
        subject = translate("The event {title} itself, beyond what its guests neutralised", lang, title=title)
        items = [event_item_view(item, lang) for item in v.event["items"]]
        return render_template("verify.html", v=v, c=c, holder=holder, subject=subject, items=items,
                               footprint_total=v.event["total_kg"], event=v.event,
                               boundary=v.event["boundary"][lang], share=_share(c, holder, subject, lang))
    covers = covers_phrase(covered_sections(v.footprint.items), lang)  # the footprint the page already read
    if c.scenario.kind == "life":
        subject = (translate("Their daily {covers}", lang, covers=covers) if covers
                   else translate("Their daily life", lang))
    elif c.scenario.kind == "conference":
        subject = (translate("Their {covers} for {title}", lang, covers=covers, title=title) if covers
                   else translate("Their travel and stay for {title}", lang, title=title))
    else:
        subject = (translate("Their {covers} at {title}", lang, covers=covers, title=title) if covers
                   else translate("Their travel and consumption at {title}", lang, title=title))
    items = [item_view(item, lang, places=v.places_shown) for item in v.footprint.items]
    return render_template("verify.html", v=v, c=c, holder=holder, subject=subject, items=items,
                           footprint_total=round_kg(v.footprint.total_kg), event=None,
                           share=_share(c, holder, subject, lang))


def _share(c, holder: str, subject: str, lang: str) -> dict:
    """What a chat shows for a pasted verify link (Open Graph, which WeChat's and others' link cards read):
    the holder as the page shows them (masked when they chose not to show), the claim, the card picture in
    the page's language."""
    query = urlencode({"variant": "card", **({"lang": lang} if lang != "zh" else {})})
    return {"title": translate("{holder} neutralised {kg} kg CO₂e", lang, holder=holder, kg=c.kg),
            "description": f"{subject} · {translate('Carbon neutral certificate', lang)} {c.serial}",
            "image": f"{urls.image_url(c.serial)}?{query}", "url": urls.verify_url(c.serial),
            "locale": {"zh": "zh_CN", "en": "en_GB", "fr": "fr_FR", "hi": "hi_IN", "bn": "bn_BD",
                       "sw": "sw_KE"}[lang]}


@bp.get("/registry")
@error_shape("html")
def registry_page():
    """Every retired unit per project, the certificates claiming it, and totals."""
    args = query_args(REGISTRY_QUERY_SCHEMA)
    page = registry.page(args.get("project"), offset=args["offset"], limit=args["limit"], unknown_ok=True)
    return render_template("registry.html", summaries=page.summaries, project=page.project, units=page.units,
                           total=page.total, offset=args["offset"], limit=args["limit"])
