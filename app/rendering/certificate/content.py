"""What a certificate says: its data, its wording in both languages, and the texts derived from the
data (holder, sentence, titles, place, credits, status), shared by the portrait and card layouts.

Kept apart from the drawing so that both layouts say the same thing, and a wording change is made
in one place.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.rendering.fonts import Stack, graphemes
from app.rendering.text import SEP, clean_text, format_date, is_wide, wrap

FALLBACK_HOLDER = {"zh": "点点用户", "en": "Diandian guest"}
MAX_HOLDER_CHARS = 48


@dataclass(frozen=True)
class CertificateData:
    serial: str                 # "DD-AA9K-WT1T-7E2P-B"
    status: str                 # "valid" | "revoked"
    holder: str                 # nickname or beneficiary: any unicode (cleaned before drawing)
    kg: int                     # kilograms neutralised
    subject: str                # "event" (travel and stay for a conference) | "visit" (travel and
                                # consumption at a scenic spot, shop, restaurant, hotel) | "life" |
                                # "organizer" (an organiser's event certificate: see event_parts)
    scenario_title: str
    scenario_title_en: str | None
    venue: str | None
    venue_en: str | None
    city: str | None
    city_en: str | None
    event_date: date | None     # the scenario's start date (None for daily life)
    project_name: str
    project_name_en: str | None
    standard: str               # "CDCER"
    credit_serials: tuple[str, ...]
    issued_on: date             # issue date, China time
    issuer: str                 # "点点碳中和 Diandian"
    verify_url: str             # the QR code decodes to exactly this
    revoked_on: date | None = None
    # For "organizer": (event total kg, guests' credited kg, guests' certificates, organiser's top-up kg).
    event_parts: tuple[int, int, int, int] | None = None
    # A personal claim's sections with emissions (app.domain.claims), named by the sentence; () says none.
    sections: tuple[str, ...] = ()


TEXT = {
    "zh": {
        "title": "碳中和荣誉证书",
        "subtitle": "CERTIFICATE OF CARBON NEUTRALITY",
        "certify": "兹证明",
        "covers_sentence": "通过点点碳中和平台，抵消了参加「{title}」的{covers}碳排放。",
        "covers_sentence_untitled": "通过点点碳中和平台，抵消了{covers}碳排放。",
        "covers_visit_sentence": "通过点点碳中和平台，抵消了在「{title}」的{covers}碳排放。",
        "covers_life_sentence": "通过点点碳中和平台，抵消了日常生活中{covers}的碳排放。",
        "event_sentence": "通过点点碳中和平台，抵消了参加「{title}」的出行与住宿碳排放。",
        "event_sentence_untitled": "通过点点碳中和平台，抵消了参加活动的出行与住宿碳排放。",
        "life_sentence": "通过点点碳中和平台，抵消了日常生活的碳排放。",
        "visit_sentence": "通过点点碳中和平台，抵消了在「{title}」的出行与消费碳排放。",
        "organiser_sentence": "作为「{title}」的主办方，通过点点碳中和平台抵消了活动本身的碳排放。",
        "label_parts": "构成",
        "parts": "活动碳足迹 {total} kg：参会者自行中和 {guests} kg（{n} 张个人证书），主办方补足 {topup} kg",
        "label_boundary": "范围",
        "boundary": "场馆用电、餐饮、物料、工作人员差旅，以及参会者交通与住宿（主办方估算）",
        "card_life": "抵消了日常生活的碳排放",
        "kg_caption": "已抵消碳排放",
        "label_event": "活动",
        "label_scenario": "场景",
        "label_venue": "地点",
        "label_date": "日期",
        "label_project": "减排项目",
        "label_standard": "核证标准",
        "label_credits": "碳信用",
        "label_issued": "颁发日期",
        "label_serial": "证书编号",
        "label_issuer": "颁发机构",
        "label_status": "状态",
        "status_revoked": "已撤销（{date}）",
        "status_revoked_nodate": "已撤销",
        "credits_count": "共 {n} 个：",
        "scan": "扫码验证·Scan to verify",
        "revoked_big": "已撤销",
        "revoked_small": "REVOKED",
        "revoked_on": "撤销日期 {date}",
        "seal_arc": "点点碳中和",
        "seal_bottom": "荣誉证书",
        "card_title": "碳中和荣誉证书",
    },
    "en": {
        "title": "Certificate of Carbon Neutrality",
        "subtitle": "碳 中 和 荣 誉 证 书",
        "certify": "This is to certify that",
        # straight quotes: the CJK font's curly quotes are full-width
        "covers_sentence": "has offset the carbon emissions of their {covers} for \"{title}\" through the "
                           "Diandian platform.",
        "covers_sentence_untitled": "has offset the carbon emissions of their {covers} through the Diandian "
                                    "platform.",
        "covers_visit_sentence": "has offset the carbon emissions of their {covers} at \"{title}\" through the "
                                 "Diandian platform.",
        "covers_life_sentence": "has offset the carbon emissions of their daily {covers} through the Diandian "
                                "platform.",
        "event_sentence": "has offset the carbon emissions of their travel and accommodation for "
                          "\"{title}\" through the Diandian platform.",
        "event_sentence_untitled": "has offset the carbon emissions of their travel and accommodation "
                                   "through the Diandian platform.",
        "card_life": "Daily-life carbon emissions offset",
        "life_sentence": "has offset the carbon emissions of their daily life through the Diandian "
                         "platform.",
        "visit_sentence": "has offset the carbon emissions of their travel and consumption at "
                          "\"{title}\" through the Diandian platform.",
        "organiser_sentence": "as the organiser of \"{title}\", has offset the event's own carbon emissions "
                              "through the Diandian platform.",
        "label_parts": "Parts",
        "parts": "Event footprint {total} kg: {guests} kg neutralised by guests ({n} personal certificates), "
                 "{topup} kg topped up by the organiser",
        "label_boundary": "Boundary",
        "boundary": "Venue electricity, catering, materials, staff travel, and attendees' travel and stay "
                    "(organiser's estimate)",
        "kg_caption": "Carbon emissions offset",
        "label_event": "Event",
        "label_scenario": "Scenario",
        "label_venue": "Venue",
        "label_date": "Date",
        "label_project": "Project",
        "label_standard": "Standard",
        "label_credits": "Credits",
        "label_issued": "Issued on",
        "label_serial": "Certificate No.",
        "label_issuer": "Issued by",
        "label_status": "Status",
        "status_revoked": "Revoked on {date}",
        "status_revoked_nodate": "Revoked",
        "credits_count": "{n} credits: ",
        "credits_count_one": "1 credit: ",
        "scan": "Scan to verify·扫码验证",
        "revoked_big": "已撤销",
        "revoked_small": "REVOKED",
        "revoked_on": "Revoked on {date}",
        "card_title": "Certificate of Carbon Neutrality",
    },
}


def clean_holder(holder: str | None, lang: str) -> str:
    """The holder's name as drawn: cleaned, cut to MAX_HOLDER_CHARS graphemes, the fallback if no
    letter, digit or emoji is left."""
    name = clean_text(holder)
    parts = graphemes(name)
    if len(parts) > MAX_HOLDER_CHARS:
        name = "".join(parts[:MAX_HOLDER_CHARS - 1]).rstrip()
        name += "…" if is_wide(name[-1]) else "..."
    # a name of punctuation only ("!!", "—") is no name; letters, digits and emoji (🌱, So) are
    if not any(unicodedata.category(c)[0] in "LN" or unicodedata.category(c) == "So" for c in name):
        return FALLBACK_HOLDER[lang]
    return name


_SERIAL_RE = re.compile(r"^(.*?)(\d+)$")


def summarise_serials(serials: Sequence[str], *, max_groups: int = 4) -> str:
    """Range summary of credit serials: runs of consecutive numbers with the same prefix (and digit
    width) collapse to "FIRST – LAST-DIGITS"; groups are sorted and joined with ", ". Past
    max_groups groups: "… (+N more)", N the number of serials not shown.

    ["CDCER-FOR-2021-00000001", "CDCER-FOR-2021-00000002", "CDCER-FOR-2021-00000003",
     "CDCER-FOR-2022-00000007"] -> "CDCER-FOR-2021-00000001 – 00000003, CDCER-FOR-2022-00000007"
    """
    keyed = []
    for raw in dict.fromkeys(s.strip() for s in serials if s and s.strip()):
        m = _SERIAL_RE.match(raw)
        if m:
            keyed.append(((m.group(1), len(m.group(2)), int(m.group(2))), raw))
        else:
            keyed.append(((raw, 0, -1), raw))
    keyed.sort(key=lambda kv: kv[0])

    groups: list[tuple[str, str, int]] = []  # (first serial, last digits or "", count)
    prev = None
    for (prefix, width, num), raw in keyed:
        if (prev is not None and num >= 0 and prev[0] == prefix and prev[1] == width
                and prev[2] == num - 1):
            first, _, count = groups[-1]
            groups[-1] = (first, raw[len(prefix):], count + 1)
        else:
            groups.append((raw, "", 1))
        prev = (prefix, width, num)

    parts = [f"{first} – {last}" if last else first for first, last, _ in groups[:max_groups]]
    text = ", ".join(parts)
    if len(groups) > max_groups:
        hidden = sum(count for _, _, count in groups[max_groups:])
        text += f" … (+{hidden} more)"
    return text


def scenario_title(data: CertificateData, lang: str) -> str:
    if lang == "en" and data.scenario_title_en:
        return clean_text(data.scenario_title_en) or clean_text(data.scenario_title)
    return clean_text(data.scenario_title)


def place_line(data: CertificateData, lang: str) -> str:
    venue = clean_text(data.venue_en if lang == "en" and data.venue_en else data.venue)
    city = clean_text(data.city_en if lang == "en" and data.city_en else data.city)
    return SEP.join(p for p in (venue, city) if p)


def project_name(data: CertificateData, lang: str) -> str:
    if lang == "en" and data.project_name_en:
        return clean_text(data.project_name_en) or clean_text(data.project_name)
    return clean_text(data.project_name)


#: How a claim names its sections, and how a list of them is joined (app.domain.claims.SECTIONS).
SECTION_NAMES = {
    "zh": {"travel": "出行", "stay": "住宿", "meal": "餐饮", "energy": "家庭能源", "diet": "饮食"},
    "en": {"travel": "travel", "stay": "accommodation", "meal": "meals", "energy": "household energy",
           "diet": "diet"},
}


def covers_text(sections: tuple[str, ...], lang: str) -> str:
    """"出行、住宿与餐饮" / "travel, accommodation and meals"."""
    names = [SECTION_NAMES[lang][s] for s in sections]
    if len(names) <= 1:
        return "".join(names)
    head, last = names[:-1], names[-1]
    return ("、".join(head) + "与" + last) if lang == "zh" else (", ".join(head) + " and " + last)


def sentence(data: CertificateData, lang: str) -> str:
    t = TEXT[lang]
    title = scenario_title(data, lang)
    if data.sections and data.subject != "organizer":
        covers = covers_text(data.sections, lang)
        if data.subject == "life":
            return t["covers_life_sentence"].format(covers=covers)
        if not title:
            return t["covers_sentence_untitled"].format(covers=covers)
        key = "covers_visit_sentence" if data.subject == "visit" else "covers_sentence"
        return t[key].format(title=title, covers=covers)
    if data.subject == "visit" and title:
        return t["visit_sentence"].format(title=title)
    if data.subject == "organizer":
        return t["organiser_sentence"].format(title=title)
    if data.subject == "event" and title:
        return t["event_sentence"].format(title=title)
    if data.subject in ("event", "visit"):
        return t["event_sentence_untitled"]
    return t["life_sentence"]


def credits_text(data: CertificateData, lang: str, max_groups: int = 4) -> str:
    serials = [clean_text(s) for s in data.credit_serials]
    serials = [s for s in serials if s]
    if not serials:
        return ""
    n = len(set(serials))
    t = TEXT[lang]
    prefix = t.get("credits_count_one", t["credits_count"]) if n == 1 else t["credits_count"]
    return prefix.format(n=n) + summarise_serials(serials, max_groups=max_groups)


def credits_lines(data: CertificateData, lang: str, f: Stack, width: float,
                  max_lines: int) -> list[str]:
    """The credits summary with as many groups as fit max_lines whole, so that "(+N more)" shows."""
    for groups in (4, 3, 2, 1):
        lines = wrap(credits_text(data, lang, groups), f, width)
        if len(lines) <= max_lines:
            return lines
    return wrap(credits_text(data, lang, 1), f, width, max_lines=max_lines)


def status_text(data: CertificateData, lang: str) -> str:
    t = TEXT[lang]
    if data.revoked_on:
        return t["status_revoked"].format(date=format_date(data.revoked_on, lang))
    return t["status_revoked_nodate"]
