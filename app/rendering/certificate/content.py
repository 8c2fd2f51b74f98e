"""What a certificate says: its data, its wording in every language (from the one catalogue), and the
texts derived from the data (holder, sentence, titles, place, credits, status), shared by the portrait
and card layouts.

Kept apart from the drawing so that both layouts say the same thing, and a wording change is made
in one place.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from app.catalogue import covers_phrase, keyed, translate
from app.rendering.fonts import Stack, graphemes
from app.rendering.text import SEP, clean_text, format_date, is_wide, wrap

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
    # The scenario's and project's texts in the picture's language (the service picks them, fallback rule)
    scenario_title: str
    venue: str | None
    city: str | None
    event_date: date | None     # the scenario's start date (None for daily life)
    project_name: str
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


# The wording, by key, as English msgids of the one catalogue (context "certificate:<key>"), drawn in
# the language of the picture by wording(lang). The Chinese seal is not wording: it is the platform's seal.
WORDING: dict[str, str] = dict([
    keyed("certificate:title", "Certificate of Carbon Neutrality"),
    # the title in the other script, small under the title: English under Chinese, Chinese elsewhere
    keyed("certificate:subtitle", "碳 中 和 荣 誉 证 书"),
    keyed("certificate:certify", "This is to certify that"),
    # straight quotes: the CJK font's curly quotes are full-width
    keyed("certificate:covers_sentence",
          "has offset the carbon emissions of their {covers} for \"{title}\" through the Diandian platform."),
    keyed("certificate:covers_sentence_untitled",
          "has offset the carbon emissions of their {covers} through the Diandian platform."),
    keyed("certificate:covers_visit_sentence",
          "has offset the carbon emissions of their {covers} at \"{title}\" through the Diandian platform."),
    keyed("certificate:covers_life_sentence",
          "has offset the carbon emissions of their daily {covers} through the Diandian platform."),
    keyed("certificate:event_sentence", "has offset the carbon emissions of their travel and accommodation "
          "for \"{title}\" through the Diandian platform."),
    keyed("certificate:event_sentence_untitled",
          "has offset the carbon emissions of their travel and accommodation through the Diandian platform."),
    keyed("certificate:life_sentence", "has offset the carbon emissions of their daily life through the "
          "Diandian platform."),
    keyed("certificate:visit_sentence", "has offset the carbon emissions of their travel and consumption at "
          "\"{title}\" through the Diandian platform."),
    keyed("certificate:organiser_sentence", "as the organiser of \"{title}\", has offset the event's own carbon "
          "emissions through the Diandian platform."),
    keyed("certificate:label_parts", "Parts"),
    keyed("certificate:parts", "Event footprint {total} kg: {guests} kg neutralised by guests ({n} personal "
          "certificates), {topup} kg topped up by the organiser"),
    keyed("certificate:label_boundary", "Boundary"),
    keyed("certificate:boundary", "Venue electricity, catering, materials, staff travel, and attendees' travel "
          "and stay (organiser's estimate)"),
    keyed("certificate:card_life", "Daily-life carbon emissions offset"),
    keyed("certificate:kg_caption", "Carbon emissions offset"),
    keyed("certificate:label_event", "Event"),
    keyed("certificate:label_scenario", "Scenario"),
    keyed("certificate:label_venue", "Venue"),
    keyed("certificate:label_date", "Date"),
    keyed("certificate:label_project", "Project"),
    keyed("certificate:label_standard", "Standard"),
    keyed("certificate:label_credits", "Credits"),
    keyed("certificate:label_issued", "Issued on"),
    keyed("certificate:label_serial", "Certificate No."),
    keyed("certificate:label_issuer", "Issued by"),
    keyed("certificate:label_status", "Status"),
    keyed("certificate:status_revoked", "Revoked on {date}"),
    keyed("certificate:status_revoked_nodate", "Revoked"),
    keyed("certificate:credits_count", "{n} credits: "),
    keyed("certificate:credits_count_one", "1 credit: "),
    keyed("certificate:scan", "Scan to verify·扫码验证"),
    # the stamp: Chinese large, the picture's language small
    keyed("certificate:revoked_big", "已撤销"),
    keyed("certificate:revoked_small", "REVOKED"),
    keyed("certificate:revoked_on", "Revoked on {date}"),
    keyed("certificate:card_title", "Certificate of Carbon Neutrality"),
    keyed("certificate:fallback_holder", "Diandian guest"),
])
SEAL_ARC, SEAL_BOTTOM = "点点碳中和", "荣誉证书"


@cache
def wording(lang: str) -> dict[str, str]:
    """The certificate's wording in `lang` (the catalogue's fallback rule for what is not translated)."""
    return {key: translate(msgid, lang, "certificate:" + key) for key, msgid in WORDING.items()}


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
        return wording(lang)["fallback_holder"]
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


def scenario_title(data: CertificateData) -> str:
    return clean_text(data.scenario_title)


def place_line(data: CertificateData) -> str:
    return SEP.join(p for p in (clean_text(data.venue), clean_text(data.city)) if p)


def project_name(data: CertificateData) -> str:
    return clean_text(data.project_name)


def sentence(data: CertificateData, lang: str) -> str:
    t = wording(lang)
    title = scenario_title(data)
    if data.sections and data.subject != "organizer":
        covers = covers_phrase(data.sections, lang)
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
    t = wording(lang)
    prefix = t["credits_count_one"] if n == 1 else t["credits_count"]
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
    t = wording(lang)
    if data.revoked_on:
        return t["status_revoked"].format(date=format_date(data.revoked_on, lang))
    return t["status_revoked_nodate"]
