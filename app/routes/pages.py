"""Public server-rendered pages: the certificate verify page and the registry (Chinese and English)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import Schema, fields, validate

from app.i18n import language
from app.models.base import CST
from app.routes.helpers import query_args
from app.schemas.common import round_kg
from app.schemas.footprints import item_view
from app.schemas.events import event_item_view
from app.services import registry
from app.services.certificates import CertificateNotFound
from app.services.projects import ProjectNotFound, get_project

bp = Blueprint("pages", __name__)


class RegistryPageQuerySchema(Schema):
    project = fields.String(validate=validate.Length(min=1, max=32))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


REGISTRY_PAGE_QUERY_SCHEMA = RegistryPageQuerySchema()


def page_language() -> str:
    """`?lang=en` or `?lang=zh` wins over Accept-Language (links on the page switch language)."""
    chosen = request.args.get("lang")
    return chosen if chosen in ("zh", "en") else language()


@bp.context_processor
def _helpers():
    lang = page_language()
    return {
        "lang": lang,
        "t": lambda zh, en: en if lang == "en" else zh,
        "pick": lambda zh, en: (en or zh) if lang == "en" else zh,
        "date": lambda d: d.astimezone(CST).strftime("%Y-%m-%d") if d else "",
        "datetime": lambda d: d.astimezone(CST).strftime("%Y-%m-%d %H:%M (UTC+8)") if d else "",
        "yuan": lambda fen: f"{fen / 100:,.2f}" if isinstance(fen, int) else fen,
    }


@bp.get("/verify/<serial>")
def verify(serial: str):
    """Anyone can check a certificate: its credits, footprint, factors and money flow."""
    lang = page_language()
    try:
        v = registry.verification(serial)
    except CertificateNotFound:
        return render_template("not_found.html", serial=serial), 404
    c = v.certificate
    title = (c.scenario.title_en or c.scenario.title) if lang == "en" else c.scenario.title
    if c.kind == "event":
        subject = (f"The event {title} itself, beyond what its guests neutralised" if lang == "en"
                   else f"「{title}」活动本身的排放（参会者已自行中和的部分除外）")
        items = [event_item_view(item, lang) for item in v.event["items"]]
        return render_template("verify.html", v=v, c=c, subject=subject, items=items,
                               footprint_total=v.event["total_kg"], event=v.event)
    if c.scenario.kind == "life":
        subject = "Their daily life" if lang == "en" else "日常生活的碳排放"
    elif c.scenario.kind == "conference":
        subject = f"Their travel and stay for {title}" if lang == "en" else f"参加「{title}」的出行与住宿等碳排放"
    else:
        subject = f"Their travel and consumption at {title}" if lang == "en" else f"在「{title}」的出行与消费碳排放"
    items = [item_view(item, lang) for item in v.footprint.items]
    return render_template("verify.html", v=v, c=c, subject=subject, items=items,
                           footprint_total=round_kg(v.footprint.total_kg), event=None)


@bp.get("/registry")
def registry_page():
    """Every retired unit per project, the certificates claiming it, and totals."""
    args = query_args(REGISTRY_PAGE_QUERY_SCHEMA)
    project, units, total = None, [], 0
    if args.get("project"):
        try:
            project = get_project(args["project"])
        except ProjectNotFound:
            project = None
        else:
            units, total = registry.retired_units(project, offset=args["offset"], limit=args["limit"])
    return render_template("registry.html", summaries=registry.summaries(), project=project, units=units,
                           total=total, offset=args["offset"], limit=args["limit"])
