"""QR posters for doors: the printed link as a plain QR code, or in live mode WeChat's mini-program code.

Who may print: a platform admin, the scenario's organiser, and venue staff assigned to the scenario.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from flask import current_app
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.capacity import heavy_work
from app.domain.china_time import to_china
from app.domain.deeplinks import scene
from app.errors import InvalidInput, ScenarioNotFound
from app.extensions import db
from app.i18n import N_, pick_text
from app.models import Scenario, StaffAccount
from app.rendering.poster import FORMATS, PosterData, render_poster_pdf, render_poster_png
from app.rendering.text import format_date
from app.services.console.scenarios import check_door_tag, get_printable
from app.urls import printed_link
from app.wechat import wechat_wxacodes

FILETYPES = {"png": "image/png", "pdf": "application/pdf"}


def poster_data(scenario: Scenario, door: str, *, lang: str = "zh", second: str | None = "en") -> PosterData:
    """What a door's poster prints: the scenario's texts in `lang` (the catalogue's fallback rule), its title
    again in `second` when that says something else."""
    code_image = None
    if not current_app.config["SANDBOX"]:  # live: WeChat's own code opens the mini-program directly
        code_image = Image.open(io.BytesIO(wechat_wxacodes().unlimited(scene(scenario.code, door)))).convert("RGB")
    label = next((d.label for d in scenario.doors if d.tag == door), None)
    title = pick_text(scenario.texts_of("title"), lang)
    title_second = pick_text(scenario.texts_of("title"), second) if second else None
    return PosterData(
        title=title, title_second=title_second if title_second != title else None,
        venue=pick_text(scenario.texts_of("venue"), lang), city=pick_text(scenario.texts_of("city"), lang),
        date_text=date_range(scenario.starts_at, scenario.ends_at, lang), door=door, door_label=label,
        code_image=code_image, link=printed_link(scenario.code, door), lang=lang, second=second,
    )


def date_range(starts_at, ends_at, lang: str = "zh") -> str | None:
    """An event's days in China time: "2021年9月7日", "2026年12月1日—3日", "2026年12月30日—2027年1月2日";
    in another language both days in full ("1 December 2026 – 3 December 2026")."""
    if not starts_at:
        return None
    start = to_china(starts_at)
    end = to_china(ends_at) if ends_at else start
    if lang != "zh":
        first = format_date(start.date(), lang)
        return first if end.date() <= start.date() else f"{first} – {format_date(end.date(), lang)}"
    first = f"{start.year}年{start.month}月{start.day}日"
    if end.date() <= start.date():
        return first
    if end.year != start.year:
        return f"{first}—{end.year}年{end.month}月{end.day}日"
    return f"{first}—{end.day}日" if end.month == start.month else f"{first}—{end.month}月{end.day}日"


def render(data: PosterData, *, paper: str, filetype: str) -> bytes:
    """:raise InvalidInput: :raise Busy: every heavy-work slot of this host is taken."""
    if paper not in FORMATS or filetype not in FILETYPES:
        raise InvalidInput(fields={"paper" if paper not in FORMATS else "format": [N_("Unknown value.")]})
    with heavy_work():  # a 300 dpi poster is heavy: capped per host (app.capacity)
        return (render_poster_png if filetype == "png" else render_poster_pdf)(data, paper)


def poster(actor: StaffAccount, code: str, door: str, *, paper: str, filetype: str, lang: str = "zh",
           second: str | None = "en") -> bytes:
    """One door's poster. :raise Forbidden: :raise ScenarioNotFound: :raise InvalidInput:"""
    scenario = get_printable(actor, code)
    check_door_tag(scenario.code, door, "door")
    return render(poster_data(scenario, door, lang=lang, second=second), paper=paper, filetype=filetype)


def _scenario(code: str) -> Scenario:
    scenario = db.session.execute(select(Scenario).where(Scenario.code == code)
                                  .options(selectinload(Scenario.doors))).scalar_one_or_none()
    if scenario is None:
        raise ScenarioNotFound()
    return scenario


def defined_doors(code: str) -> list[str]:
    """The tags of a scenario's defined doors, in the order they were added.

    :raise ScenarioNotFound: :raise InvalidInput: none defined.
    """
    tags = [door.tag for door in _scenario(code).doors]
    if not tags:
        raise InvalidInput(fields={"doors": [f"{code} has no doors defined: name them with --doors."]})
    return tags


def batch(code: str, doors: list[str], *, paper: str, filetype: str, out: io.BufferedIOBase,
          progress: Callable[[str], None] | None = None, lang: str = "zh", second: str | None = "en") -> int:
    """A ZIP of one poster per door (command line: staff rights are the operator's)."""
    scenario = _scenario(code)
    for door in doors:
        check_door_tag(scenario.code, door, "door")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for door in doors:
            data = render(poster_data(scenario, door, lang=lang, second=second), paper=paper, filetype=filetype)
            archive.writestr(f"{scenario.code}-{re.sub(r'[^A-Za-z0-9_-]', '', door)}-{paper}.{filetype}", data)
            if progress:
                progress(door)
    return len(doors)
