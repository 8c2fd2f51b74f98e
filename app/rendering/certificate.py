"""The certificate of honour (碳中和荣誉证书): a PNG a guest saves and shares to their WeChat feed.

Pure code: CertificateData in, PNG bytes out (no Flask, no database, no network, no clock).

* Fonts: the subset Noto Sans CJK SC faces bundled in app/rendering/fonts/ (see its README.md and
  scripts/build_fonts.py). Every text drawn goes through clean_text(), which drops the characters
  the fonts lack (coverage.json: emoji, rare CJK, control and format characters), so no image shows
  a missing-glyph box; the subset's .notdef is empty besides, so a coverage bug draws a gap, not a
  box. A holder name left empty becomes "点点用户" / "Diandian guest".
* Deterministic: the same input gives the same bytes (fixed sizes, Pillow's basic text layout, no
  randomness, no time, PNG without metadata at a fixed compression level).
* Variants: "portrait" 1080x1620 (2:3, for the social feed) and "card" 1000x800 (5:4, for chat share
  cards). lang "zh" or "en". A revoked certificate is greyed and stamped "已撤销 REVOKED" in red.
"""
from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import qrcode
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

__all__ = [
    "CertificateData",
    "render_certificate",
    "summarise_serials",
    "fonts_ok",
    "layout",
    "clean_text",
    "is_covered",
    "PORTRAIT_SIZE",
    "CARD_SIZE",
]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {
    "regular": FONT_DIR / "NotoSansCJKsc-Regular.subset.otf",
    "bold": FONT_DIR / "NotoSansCJKsc-Bold.subset.otf",
}
COVERAGE_FILE = FONT_DIR / "coverage.json"

PORTRAIT_SIZE = (1080, 1620)
CARD_SIZE = (1000, 800)
LANGS = ("zh", "en")
VARIANTS = ("portrait", "card")
PNG_COMPRESS_LEVEL = 6

FALLBACK_HOLDER = {"zh": "点点用户", "en": "Diandian guest"}
MAX_HOLDER_CHARS = 48
SEP = "·"  # full-width in the CJK font: it brings its own spacing

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class CertificateData:
    serial: str                 # "DD-AA9K-WT1T-7E2P-B"
    status: str                 # "valid" | "revoked"
    holder: str                 # nickname or beneficiary: any unicode (cleaned before drawing)
    kg: int                     # kilograms neutralised
    subject: str                # "event" (travel and stay for a conference) | "visit" (travel and
                                # consumption at a scenic spot, shop, restaurant, hotel) | "life" |
                                # "organiser" (an organiser's event certificate: see event_parts)
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
    # For "organiser": (event total kg, guests' credited kg, guests' certificates, organiser's top-up kg).
    event_parts: tuple[int, int, int, int] | None = None


# --------------------------------------------------------------------------------------------------
# Palette
# --------------------------------------------------------------------------------------------------

FOREST: RGB = (20, 66, 47)       # outer ground, title
GREEN: RGB = (30, 110, 72)       # figures, emblem
LEAF: RGB = (104, 166, 96)
MINT: RGB = (226, 238, 222)      # panel tint
GOLD: RGB = (178, 144, 78)
GOLD_LIGHT: RGB = (214, 190, 132)
PAPER: RGB = (252, 249, 240)
PAPER_LOW: RGB = (242, 244, 230)  # bottom of the paper gradient
INK: RGB = (34, 40, 36)
MUTED: RGB = (104, 114, 104)
QR_DARK: RGB = (16, 42, 30)
WHITE: RGB = (255, 255, 255)
STAMP_RED: RGB = (204, 28, 36)

# --------------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------------

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

TEXT = {
    "zh": {
        "title": "碳中和荣誉证书",
        "subtitle": "CERTIFICATE OF CARBON NEUTRALITY",
        "certify": "兹证明",
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


def format_date(d: date, lang: str) -> str:
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def format_kg(kg: int) -> str:
    return f"{int(kg):,}"


# --------------------------------------------------------------------------------------------------
# Fonts and coverage
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    doc = json.loads(COVERAGE_FILE.read_text(encoding="utf-8"))
    cps: set[int] = set()
    for first, last in doc["ranges"]:
        cps.update(range(first, last + 1))
    return frozenset(cps)


@lru_cache(maxsize=2)
def _font_bytes(weight: str) -> bytes:
    return FONT_FILES[weight].read_bytes()


@lru_cache(maxsize=128)
def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    """The bundled face at a pixel size (cached: loading parses the CFF table)."""
    return ImageFont.truetype(io.BytesIO(_font_bytes(weight)), size,
                              layout_engine=ImageFont.Layout.BASIC)


def fonts_ok() -> bool:
    """Whether the bundled fonts and their coverage file load and draw a Chinese character."""
    try:
        if ord("中") not in _coverage():
            return False
        for weight in FONT_FILES:
            if font(weight, 24).getmask("中").getbbox() is None:
                return False
        return True
    except Exception:  # noqa: BLE001 - a health probe: any failure means "not ok"
        return False


def is_covered(ch: str) -> bool:
    """Whether both bundled fonts have a glyph for the character (spaces count as covered)."""
    return ord(ch) in _coverage()


_SPACE_RE = re.compile(r"\s+")


def clean_text(text: str | None, fallback: str = "") -> str:
    """What is safe to draw: NFC, whitespace runs as one space, no control or format characters,
    nothing the fonts lack (emoji, rare CJK, variation selectors, ZWJ). Empty -> fallback."""
    if not text:
        return fallback
    text = unicodedata.normalize("NFC", str(text))
    out = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch)[0] == "C":  # Cc, Cf, Cs, Co, Cn
            continue
        elif is_covered(ch):
            out.append(ch)
    cleaned = _SPACE_RE.sub(" ", "".join(out)).strip()
    return cleaned or fallback


def clean_holder(holder: str | None, lang: str) -> str:
    name = clean_text(holder)
    if len(name) > MAX_HOLDER_CHARS:
        name = name[:MAX_HOLDER_CHARS - 1].rstrip()
        name += "…" if _is_wide(name[-1]) else "..."
    # a name of punctuation only (what is left of "🎉🎉!") is no name
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        return FALLBACK_HOLDER[lang]
    return name


# --------------------------------------------------------------------------------------------------
# Credit serials
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Text layout helpers
# --------------------------------------------------------------------------------------------------

_CLOSING = set("，。、；：？！）」』】》〉〕’”,.;:?!)]}…%·")
_OPENING = set("（「『【《〈〔‘“([{")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Break opportunities: between CJK characters, at spaces, never before a closing or after an
    opening punctuation mark. Spaces come back as " " tokens."""
    raw: list[str] = []
    word = ""
    for ch in text:
        if ch == " ":
            if word:
                raw.append(word)
                word = ""
            raw.append(" ")
        elif _is_wide(ch):
            if word:
                raw.append(word)
                word = ""
            raw.append(ch)
        else:
            word += ch
    if word:
        raw.append(word)
    merged: list[str] = []
    carry = ""
    for tok in raw:
        if tok == " ":
            if carry:
                merged.append(carry)
                carry = ""
            merged.append(tok)
        elif tok[0] in _CLOSING and merged and merged[-1] != " " and not carry:
            merged[-1] += tok
        elif tok[-1] in _OPENING and len(tok) == 1:
            carry += tok
        else:
            merged.append(carry + tok)
            carry = ""
    if carry:
        merged.append(carry)
    return merged


def _ellipsize(text: str, f: ImageFont.FreeTypeFont, width: float) -> str:
    """text, cut to width with an ellipsis: "…" after CJK (the font's is full-width), "..." after
    Latin."""
    if f.getlength(text) <= width:
        return text
    while text:
        text = text[:-1].rstrip()
        mark = "…" if text and _is_wide(text[-1]) else "..."
        if f.getlength(text + mark) <= width:
            return text + mark
    return ""


def wrap(text: str, f: ImageFont.FreeTypeFont, width: float, max_lines: int | None = None) -> list[str]:
    """Greedy line breaking measured with the font; the last allowed line ends in "…" if cut."""
    lines: list[str] = []
    cur = ""
    for tok in _tokens(text):
        if tok == " ":
            if cur:
                cur += " "
            continue
        if f.getlength((cur + tok).rstrip()) <= width:
            cur += tok
            continue
        if cur.strip():
            lines.append(cur.rstrip())
            cur = ""
        while f.getlength(tok) > width:  # a word wider than the line: break it anywhere
            cut = len(tok) - 1
            while cut > 1 and f.getlength(tok[:cut]) > width:
                cut -= 1
            lines.append(tok[:cut])
            tok = tok[cut:]
        cur = tok
    if cur.strip():
        lines.append(cur.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1:]) if not _is_wide(lines[max_lines - 1][-1:] or "a") \
            else "".join(lines[max_lines - 1:])
        lines = lines[:max_lines - 1] + [_ellipsize(rest, f, width)]
    return lines


def fit_size(text: str, weight: str, max_size: int, min_size: int, width: float) -> int:
    """The largest size in [min_size, max_size] at which text fits width (min_size if none)."""
    length = font(weight, max_size).getlength(text)
    if length <= width:
        return max_size
    size = max(min_size, int(width * max_size / length))  # advances scale about linearly
    while size > min_size and font(weight, size).getlength(text) > width:
        size -= 1
    return size


def fit_name(name: str, width: float, max_size: int, min_one: int, max_two: int,
             min_two: int) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """The holder's name on one line (max_size down to min_one), else on two (max_two down to
    min_two), else two lines with an ellipsis."""
    size = fit_size(name, "bold", max_size, min_one, width)
    f = font("bold", size)
    if f.getlength(name) <= width:
        return [name], f
    for s in range(max_two, min_two - 1, -3):
        f = font("bold", s)
        lines = wrap(name, f, width)
        if len(lines) <= 2:
            return lines, f
    f = font("bold", min_two)
    return wrap(name, f, width, max_lines=2), f


def _name_baselines(n: int, f: ImageFont.FreeTypeFont, mid: float) -> list[float]:
    """Baselines of n name lines whose block is centred on mid (CJK glyphs centre ~0.38 em above
    the baseline)."""
    lh = f.size * 1.22
    first = mid - (n - 1) * lh / 2 + f.size * 0.38
    return [first + i * lh for i in range(n)]


class Canvas:
    """An RGB image, its draw handle, and the named boxes recorded while drawing."""

    def __init__(self, size: tuple[int, int], ground: RGB, img: Image.Image | None = None):
        self.img = img if img is not None else Image.new("RGB", size, ground)
        self.draw = ImageDraw.Draw(self.img)
        self.boxes: dict[str, Box] = {}
        # texts drawn after a revoked certificate is greyed (so they stay red)
        self.after: list[tuple[tuple[float, float], str, ImageFont.FreeTypeFont, RGB, str]] = []

    @property
    def width(self) -> int:
        return self.img.width

    def overlay(self, layer: Image.Image, xy: tuple[int, int]) -> None:
        """Composite an RGBA layer over the (opaque) image at xy."""
        self.img.paste(layer.convert("RGB"), xy, layer.getchannel("A"))

    def text(self, xy: tuple[float, float], text: str, f: ImageFont.FreeTypeFont, fill: RGB,
             anchor: str = "ls", tracking: float = 0.0) -> float:
        """Draw text (anchor as Pillow's, baseline by default); returns its advance width.
        tracking adds space between characters (drawn one by one: the basic layout has no kerning,
        so this changes nothing else)."""
        if not text:
            return 0.0
        if not tracking:
            self.draw.text(xy, text, font=f, fill=fill, anchor=anchor)
            return f.getlength(text)
        widths = [f.getlength(ch) for ch in text]
        total = sum(widths) + tracking * (len(text) - 1)
        x, y = xy
        if anchor[0] == "m":
            x -= total / 2
        elif anchor[0] == "r":
            x -= total
        for ch, w in zip(text, widths):
            self.draw.text((x, y), ch, font=f, fill=fill, anchor="l" + anchor[1])
            x += w + tracking
        return total

    def centred_lines(self, lines: list[str], f: ImageFont.FreeTypeFont, fill: RGB, cx: float,
                      first_baseline: float, line_height: float) -> None:
        for i, line in enumerate(lines):
            self.text((cx, first_baseline + i * line_height), line, f, fill, anchor="ms")


def _tracked_width(text: str, f: ImageFont.FreeTypeFont, tracking: float) -> float:
    return sum(f.getlength(ch) for ch in text) + tracking * max(0, len(text) - 1)


# --------------------------------------------------------------------------------------------------
# Ornaments (drawn supersampled, cached: they never change)
# --------------------------------------------------------------------------------------------------

SS = 4  # supersampling factor for curves


def _leaf_mask(size: int, angle: float) -> Image.Image:
    """A leaf (the lens between two circles), rotated, as an L mask of size x size (supersampled)."""
    s = size * SS
    r = int(s * 0.62)
    half_w = int(s * 0.27)  # half the leaf's width
    cx = s // 2
    # circle a: right edge at cx + half_w; circle b: left edge at cx - half_w (both radius r)
    a = Image.new("L", (s, s), 0)
    b = Image.new("L", (s, s), 0)
    ImageDraw.Draw(a).ellipse((cx + half_w - 2 * r, s // 2 - r, cx + half_w, s // 2 + r), fill=255)
    ImageDraw.Draw(b).ellipse((cx - half_w, s // 2 - r, cx - half_w + 2 * r, s // 2 + r), fill=255)
    leaf = ImageChops.multiply(a, b)
    # the midrib
    ImageDraw.Draw(leaf).line((cx, int(s * 0.16), cx, int(s * 0.86)), fill=0, width=max(2, s // 48))
    for k in range(3):  # side veins
        y = int(s * (0.34 + 0.15 * k))
        ImageDraw.Draw(leaf).line((cx, y + s // 14, cx + int(s * 0.13), y), fill=0, width=max(2, s // 70))
        ImageDraw.Draw(leaf).line((cx, y + s // 14, cx - int(s * 0.13), y), fill=0, width=max(2, s // 70))
    leaf = leaf.rotate(angle, resample=Image.Resampling.BICUBIC, center=(s / 2, s / 2))
    return leaf.reduce(SS)


@lru_cache(maxsize=4)
def _emblem(size: int) -> Image.Image:
    """Round emblem: a green disc, gold ring, and two cream leaves. RGBA."""
    s = size * SS
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((0, 0, s - 1, s - 1), fill=GOLD + (255,))
    ring = max(SS * 3, s // 26)
    d.ellipse((ring, ring, s - 1 - ring, s - 1 - ring), fill=GREEN + (255,))
    inner = int(s * 0.13)
    d.ellipse((inner, inner, s - 1 - inner, s - 1 - inner), outline=GOLD_LIGHT + (255,), width=max(2, SS))
    img = img.reduce(SS)
    leaf_big = _leaf_mask(int(size * 0.62), -28)
    leaf_small = _leaf_mask(int(size * 0.42), 38)
    cream = Image.new("RGBA", leaf_big.size, PAPER + (255,))
    img.paste(cream, (int(size * 0.26), int(size * 0.13)), leaf_big)
    light = Image.new("RGBA", leaf_small.size, (196, 226, 180, 255))
    img.paste(light, (int(size * 0.14), int(size * 0.38)), leaf_small)
    return img


def _ring_text(img: Image.Image, text: str, f: ImageFont.FreeTypeFont, fill: tuple, centre: float,
               radius: float, span_deg: float) -> None:
    """Characters along the top arc of a circle (centre, radius), spread over span_deg degrees."""
    n = len(text)
    if not n:
        return
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        ang = -span_deg / 2 + (span_deg * i / (n - 1) if n > 1 else 0)  # 0 = top
        rad = math.radians(ang)
        w = int(f.getlength(ch)) + 8
        h = f.size + 16
        tile = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((w / 2, h / 2), ch, font=f, fill=fill, anchor="mm")
        tile = tile.rotate(-ang, resample=Image.Resampling.BICUBIC, expand=True)
        x = centre + radius * math.sin(rad) - tile.width / 2
        y = centre - radius * math.cos(rad) - tile.height / 2
        img.alpha_composite(tile, (int(round(x)), int(round(y))))


@lru_cache(maxsize=4)
def _seal(size: int) -> Image.Image:
    """A round seal in green ink, Chinese style (for both languages): double ring, 点点碳中和 on the
    arc, a star, 荣誉证书 below. RGBA."""
    s = size * SS
    ink = GREEN + (235,)
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((SS, SS, s - 1 - SS, s - 1 - SS), outline=ink, width=int(s * 0.035))
    m = int(s * 0.075)
    d.ellipse((m, m, s - 1 - m, s - 1 - m), outline=ink, width=max(SS, int(s * 0.01)))
    t = TEXT["zh"]
    _ring_text(img, t["seal_arc"], font("bold", int(s * 0.15)), ink, s / 2, s * 0.33, 150)
    d.text((s / 2, s * 0.55), "★", font=font("bold", int(s * 0.26)), fill=ink, anchor="mm")
    d.text((s / 2, s * 0.78), t["seal_bottom"], font=font("bold", int(s * 0.1)), fill=ink, anchor="mm")
    return img.reduce(SS)


def _diamond(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: RGB) -> None:
    draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=fill)


def _divider(c: Canvas, cx: float, y: float, half: float, colour: RGB = GOLD) -> None:
    c.draw.line((cx - half, y, cx - 18, y), fill=colour, width=2)
    c.draw.line((cx + 18, y, cx + half, y), fill=colour, width=2)
    _diamond(c.draw, cx, y, 8, colour)
    _diamond(c.draw, cx - half - 8, y, 4, colour)
    _diamond(c.draw, cx + half + 8, y, 4, colour)


@lru_cache(maxsize=4)
def _background(size: tuple[int, int], margin: int, frame: int) -> tuple[Image.Image, Box]:
    """The empty certificate (cached; callers copy it) and its inner frame box."""
    c = Canvas(size, FOREST)
    box = _paper(c, margin, frame)
    return c.img, box


def _paper(c: Canvas, margin: int, frame: int) -> Box:
    """Dark ground, paper with a soft vertical gradient, gold frame, thin inner line, corner
    ornaments. Returns the inner frame box."""
    w, h = c.img.size
    pw, ph = w - 2 * margin, h - 2 * margin
    grad = Image.linear_gradient("L").resize((1, ph)).resize((pw, ph), Image.Resampling.NEAREST)
    paper = Image.composite(Image.new("RGB", (pw, ph), PAPER_LOW), Image.new("RGB", (pw, ph), PAPER), grad)
    c.img.paste(paper, (margin, margin))
    x0, y0, x1, y1 = margin + frame, margin + frame, w - margin - frame - 1, h - margin - frame - 1
    c.draw.rectangle((x0, y0, x1, y1), outline=GOLD, width=4)
    g = 10
    c.draw.rectangle((x0 + g, y0 + g, x1 - g, y1 - g), outline=GREEN, width=1)
    # corner ornaments: a gold square on the frame corner, with a small diamond inside
    for cx, cy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        c.draw.rectangle((cx - 14, cy - 14, cx + 14, cy + 14), fill=PAPER, outline=GOLD, width=3)
        _diamond(c.draw, cx, cy, 7, GREEN)
    return (x0 + g, y0 + g, x1 - g, y1 - g)


# --------------------------------------------------------------------------------------------------
# QR code
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    qr = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M,
                       box_size=1, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def _qr_image(url: str, target: int) -> Image.Image:
    """The QR code (with its 4-module quiet zone, white), at a whole number of pixels per module,
    as close to target as that allows (at least 3 px a module)."""
    matrix = _qr_matrix(url)
    n = len(matrix)
    scale = max(3, target // n)
    mask = Image.frombytes("L", (n, n), bytes(255 if cell else 0 for row in matrix for cell in row))
    mask = mask.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    img = Image.new("RGB", mask.size, WHITE)
    img.paste(QR_DARK, (0, 0, *mask.size), mask)
    return img


def _paste_qr(c: Canvas, url: str, box: Box, name: str = "qr") -> Box:
    x0, y0, x1, y1 = box
    target = min(x1 - x0, y1 - y0)
    q = _qr_image(url, target)
    qx = x0 + (x1 - x0 - q.width) // 2
    qy = y0 + (y1 - y0 - q.height) // 2
    c.draw.rectangle((qx - 3, qy - 3, qx + q.width + 2, qy + q.height + 2), outline=GOLD_LIGHT, width=2)
    c.img.paste(q, (qx, qy))
    c.boxes[name] = (qx, qy, qx + q.width, qy + q.height)
    return c.boxes[name]


# --------------------------------------------------------------------------------------------------
# Pieces shared by both variants
# --------------------------------------------------------------------------------------------------


def _kg_line(c: Canvas, cx: float, baseline: float, kg: int, size: int, max_width: float,
             colour: RGB, align: str = "m") -> Box:
    """"475 kg CO2e" with a subscript 2: the number large, the unit smaller, the 2 drawn small and
    lowered (the font has no U+2082). Shrinks to fit max_width. Returns the drawn box."""
    number = format_kg(kg)
    for s in range(size, 20, -2):
        nf, uf, sf = font("bold", s), font("bold", int(s * 0.38)), font("bold", int(s * 0.24))
        parts = [(number, nf, 0.0), ("  kg CO", uf, 0.0), ("2", sf, s * 0.06), ("e", uf, 0.0)]
        total = sum(f.getlength(t) for t, f, _ in parts)
        if total <= max_width:
            break
    x = cx - total / 2 if align == "m" else cx
    start = x
    for t, f, dy in parts:
        c.draw.text((x, baseline + dy), t, font=f, fill=colour, anchor="ls")
        x += f.getlength(t)
    asc = nf.getmetrics()[0]
    return (int(start), int(baseline - asc * 0.8), int(start + total), int(baseline + s * 0.1))


def _scenario_title(data: CertificateData, lang: str) -> str:
    if lang == "en" and data.scenario_title_en:
        return clean_text(data.scenario_title_en) or clean_text(data.scenario_title)
    return clean_text(data.scenario_title)


def _place(data: CertificateData, lang: str) -> str:
    venue = clean_text(data.venue_en if lang == "en" and data.venue_en else data.venue)
    city = clean_text(data.city_en if lang == "en" and data.city_en else data.city)
    return SEP.join(p for p in (venue, city) if p)


def _project(data: CertificateData, lang: str) -> str:
    if lang == "en" and data.project_name_en:
        return clean_text(data.project_name_en) or clean_text(data.project_name)
    return clean_text(data.project_name)


def _sentence(data: CertificateData, lang: str) -> str:
    t = TEXT[lang]
    title = _scenario_title(data, lang)
    if data.subject == "visit" and title:
        return t["visit_sentence"].format(title=title)
    if data.subject == "organiser":
        return t["organiser_sentence"].format(title=title)
    if data.subject == "event" and title:
        return t["event_sentence"].format(title=title)
    if data.subject in ("event", "visit"):
        return t["event_sentence_untitled"]
    return t["life_sentence"]


def _credits_text(data: CertificateData, lang: str, max_groups: int = 4) -> str:
    serials = [clean_text(s) for s in data.credit_serials]
    serials = [s for s in serials if s]
    if not serials:
        return ""
    n = len(set(serials))
    t = TEXT[lang]
    prefix = t.get("credits_count_one", t["credits_count"]) if n == 1 else t["credits_count"]
    return prefix.format(n=n) + summarise_serials(serials, max_groups=max_groups)


def _credits_lines(data: CertificateData, lang: str, f: ImageFont.FreeTypeFont, width: float,
                   max_lines: int) -> list[str]:
    """The credits summary with as many groups as fit max_lines whole, so that "(+N more)" shows."""
    for groups in (4, 3, 2, 1):
        lines = wrap(_credits_text(data, lang, groups), f, width)
        if len(lines) <= max_lines:
            return lines
    return wrap(_credits_text(data, lang, 1), f, width, max_lines=max_lines)


@lru_cache(maxsize=32)
def _stamp(lang: str, revoked_on: date | None, scale: float) -> Image.Image:
    """The red "已撤销 / REVOKED" stamp with the date: a double-bordered box, rotated. RGBA."""
    t = TEXT[lang]
    big = font("bold", int(150 * scale))
    small = font("bold", int(56 * scale))
    dfont = font("bold", int(30 * scale))
    date_line = t["revoked_on"].format(date=format_date(revoked_on, lang)) if revoked_on else ""
    w = int(max(big.getlength(t["revoked_big"]) + 40 * scale,
                _tracked_width(t["revoked_small"], small, 18 * scale),
                dfont.getlength(date_line)) + 110 * scale)
    h = int((150 + 56 + (30 if date_line else 0) + 150) * scale)
    lc = Canvas((w, h), (0, 0, 0), Image.new("RGBA", (w, h), (0, 0, 0, 0)))
    ink = STAMP_RED + (235,)
    lw = max(4, int(9 * scale))
    lc.draw.rounded_rectangle((lw, lw, w - lw - 1, h - lw - 1), radius=int(26 * scale), outline=ink, width=lw)
    inset = int(20 * scale)
    lc.draw.rounded_rectangle((inset, inset, w - inset - 1, h - inset - 1), radius=int(16 * scale),
                              outline=ink, width=max(2, lw // 3))
    y = int(48 * scale) + big.getmetrics()[0]
    lc.draw.text((w / 2, y - int(18 * scale)), t["revoked_big"], font=big, fill=ink, anchor="ms")
    y += int(74 * scale)
    lc.text((w / 2, y), t["revoked_small"], small, ink, anchor="ms", tracking=18 * scale)
    if date_line:
        y += int(52 * scale)
        lc.draw.text((w / 2, y), date_line, font=dfont, fill=ink, anchor="ms")
    return lc.img.rotate(16, resample=Image.Resampling.BICUBIC, expand=True)


def _revoke(c: Canvas, data: CertificateData, lang: str, centre: tuple[float, float], scale: float) -> None:
    """Grey the whole certificate (lighter, lower contrast), stamp it, then draw the texts kept
    for after (the red status line)."""
    grey = ImageOps.grayscale(c.img).point(lambda v: int(70 + v * 0.72))
    c.img.paste(Image.merge("RGB", (grey, grey, grey)))
    layer = _stamp(lang, data.revoked_on, scale)
    x = int(centre[0] - layer.width / 2)
    y = int(centre[1] - layer.height / 2)
    c.overlay(layer, (x, y))
    c.boxes["stamp"] = (x, y, x + layer.width, y + layer.height)
    for xy, text, f, fill, anchor in c.after:
        c.draw.text(xy, text, font=f, fill=fill, anchor=anchor)


def _status_text(data: CertificateData, lang: str) -> str:
    t = TEXT[lang]
    if data.revoked_on:
        return t["status_revoked"].format(date=format_date(data.revoked_on, lang))
    return t["status_revoked_nodate"]


# --------------------------------------------------------------------------------------------------
# Portrait (feed) variant
# --------------------------------------------------------------------------------------------------


def _details_rows(data: CertificateData, lang: str) -> list[tuple[str, str, str, int, int]]:
    """(key, label, value, max lines, drop priority: higher goes first when space runs out)."""
    t = TEXT[lang]
    rows = []
    title = _scenario_title(data, lang)
    if title:
        rows.append(("scenario", t["label_event" if data.subject in ("event", "organiser") else "label_scenario"],
                     title, 2, 1))
    if data.event_parts:
        total, guests, count, topup = data.event_parts
        rows.append(("parts", t["label_parts"], t["parts"].format(
            total=f"{total:,}", guests=f"{guests:,}", n=count, topup=f"{topup:,}"), 3, 0))
        rows.append(("boundary", t["label_boundary"], t["boundary"], 2, 2))
    place = _place(data, lang)
    if place:
        rows.append(("place", t["label_venue"], place, 1, 3))
    if data.event_date:
        rows.append(("date", t["label_date"], format_date(data.event_date, lang), 1, 4))
    project = _project(data, lang)
    if project:
        rows.append(("project", t["label_project"], project, 2, 0))
    std = clean_text(data.standard)
    if std:
        rows.append(("standard", t["label_standard"], std, 1, 2))
    credits = _credits_text(data, lang)
    if credits:
        rows.append(("credits", t["label_credits"], credits, 3, 0))
    if data.status == "revoked":
        rows.append(("status", t["label_status"], _status_text(data, lang), 1, -1))
    return rows


def _portrait(data: CertificateData, lang: str) -> Canvas:
    t = TEXT[lang]
    W, H = PORTRAIT_SIZE
    bg, _ = _background(PORTRAIT_SIZE, 36, 20)
    c = Canvas(PORTRAIT_SIZE, FOREST, bg.copy())
    cx = W / 2
    left, right = 120, W - 120
    width = right - left

    # emblem, title, subtitle
    em = _emblem(100)
    ex, ey = int(cx - em.width / 2), 92
    c.img.paste(em, (ex, ey), em)
    c.boxes["emblem"] = (ex, ey, ex + em.width, ey + em.height)
    if lang == "zh":
        c.text((cx, 280), t["title"], font("bold", 78), FOREST, anchor="ms", tracking=14)
        c.text((cx, 324), t["subtitle"], font("regular", 22), GOLD, anchor="ms", tracking=7)
    else:
        size = fit_size(t["title"], "bold", 60, 40, width)
        c.text((cx, 274), t["title"], font("bold", size), FOREST, anchor="ms")
        c.text((cx, 324), t["subtitle"], font("regular", 24), GOLD, anchor="ms", tracking=4)
    c.boxes["title"] = (left, 196, right, 334)
    _divider(c, cx, 358, 230)

    # holder: a fixed slot; the name shrinks to fit its width, baseline fixed
    c.text((cx, 414), t["certify"], font("regular", 30), MUTED, anchor="ms")
    holder = clean_holder(data.holder, lang)
    hbox = (left, 428, right, 566)
    names, hf = fit_name(holder, width - 40, 92, 60, 56, 40)
    if len(names) == 1:
        c.draw.text((cx, 536), names[0], font=hf, fill=INK, anchor="ms")
    else:
        for line, base in zip(names, _name_baselines(2, hf, 500)):
            c.draw.text((cx, base), line, font=hf, fill=INK, anchor="ms")
    c.boxes["holder"] = hbox
    c.draw.line((cx - 280, 572, cx + 280, 572), fill=GOLD, width=2)

    # what was neutralised (up to 3 lines, centred in its slot)
    sent_f = font("regular", 32 if lang == "zh" else 30)
    lines = wrap(_sentence(data, lang), sent_f, width - 20, max_lines=3)
    lh = 48
    first = 624 + (3 - len(lines)) * lh // 2
    c.centred_lines(lines, sent_f, INK, cx, first, lh)
    c.boxes["sentence"] = (left, 586, right, 736)

    # kilograms
    c.text((cx, 784), t["kg_caption"], font("regular", 26), MUTED, anchor="ms",
           tracking=6 if lang == "zh" else 1)
    c.boxes["kg"] = _kg_line(c, cx, 922, data.kg, 150, width, GREEN)

    # details panel: rows fitted into a fixed area (fewer lines, then fewer rows if need be)
    body, small = font("regular", 26), font("regular", 21)
    label_f = font("regular", 22)
    rows = _details_rows(data, lang)
    label_w = max((label_f.getlength(r[1]) for r in rows), default=0) + 28
    px0, px1, area_top, area_bottom = left - 20, right + 20, 956, 1298
    vx = px0 + 30 + label_w
    vwidth = px1 - 30 - vx
    gap = 8

    def value_font(key: str) -> ImageFont.FreeTypeFont:
        return small if key == "credits" else (font("bold", 24) if key == "status" else body)

    def line_h(f: ImageFont.FreeTypeFont) -> int:
        return int(f.size * 1.42)

    caps = {key: m for key, _, _, m, _ in rows}

    def fitted(keep: list) -> list[tuple[str, str, list[str]]]:
        return [(key, lab,
                 _credits_lines(data, lang, small, vwidth, caps[key]) if key == "credits"
                 else wrap(val, value_font(key), vwidth, max_lines=caps[key]))
                for key, lab, val, _, _ in keep]

    def height(items) -> int:
        return sum(line_h(value_font(k)) * len(ls) + gap for k, _, ls in items) - gap + 36

    # when the rows overflow: fewer lines for the long values first, then drop rows
    shrink = [("scenario", 1), ("project", 1), ("credits", 2), ("credits", 1)]
    keep = list(rows)
    items = fitted(keep)
    while height(items) > area_bottom - area_top:
        if shrink:
            key, cap = shrink.pop(0)
            if key in caps:
                caps[key] = min(caps[key], cap)
        else:  # drop the least important row
            keep.remove(max(keep, key=lambda r: r[4]))
        items = fitted(keep)
    ph = height(items)
    py0 = (area_top + area_bottom) // 2 - ph // 2
    py1 = py0 + ph
    c.draw.rounded_rectangle((px0, py0, px1, py1), radius=14, fill=MINT, outline=(200, 218, 196), width=1)
    y = py0 + 18
    for key, lab, ls in items:
        f = value_font(key)
        lh_ = line_h(f)
        base = y + int(lh_ * 0.78)
        c.draw.text((px0 + 30, base), lab, font=label_f, fill=MUTED, anchor="ls")
        for i, line in enumerate(ls):
            xy = (vx, base + i * lh_)
            if key == "status":
                c.after.append((xy, line, f, STAMP_RED, "ls"))
            else:
                c.draw.text(xy, line, font=f, fill=INK, anchor="ls")
        c.boxes[key] = (vx, y, px1 - 30, y + lh_ * len(ls))
        y += lh_ * len(ls) + gap
    c.boxes["details"] = (px0, py0, px1, py1)

    # bottom band: issuer block (left), seal, QR (right)
    _paste_qr(c, data.verify_url, (right - 196, 1322, right, 1518))
    qx0, qy0, qx1, qy1 = c.boxes["qr"]
    c.text(((qx0 + qx1) / 2, qy1 + 30), t["scan"], font("regular", 18), MUTED, anchor="ms")
    lab_f, val_f, plain_f = font("regular", 20), font("bold", 26), font("regular", 24)
    info = [
        ("issuer", t["label_issuer"], clean_text(data.issuer), val_f),
        ("issued", t["label_issued"], format_date(data.issued_on, lang), plain_f),
        ("serial", t["label_serial"], clean_text(data.serial), plain_f),
    ]
    info_w = qx0 - 40 - left
    y = 1356
    for key, lab, val, f in info:
        c.draw.text((left, y), lab, font=lab_f, fill=MUTED, anchor="ls")
        c.draw.text((left, y + 34), _ellipsize(val, f, info_w), font=f, fill=INK, anchor="ls")
        c.boxes[key] = (left, y - 22, left + info_w, y + 44)
        y += 74
    seal = _seal(150)
    sx, sy = int(qx0 - 56 - seal.width), 1340
    c.overlay(seal, (sx, sy))
    c.boxes["seal"] = (sx, sy, sx + seal.width, sy + seal.height)

    if data.status == "revoked":
        _revoke(c, data, lang, (cx, 780), 1.0)
    return c


# --------------------------------------------------------------------------------------------------
# Card (5:4 share card) variant
# --------------------------------------------------------------------------------------------------


def _card(data: CertificateData, lang: str) -> Canvas:
    t = TEXT[lang]
    W, H = CARD_SIZE
    bg, _ = _background(CARD_SIZE, 24, 16)
    c = Canvas(CARD_SIZE, FOREST, bg.copy())
    left = 84
    col_right = 612
    col_w = col_right - left
    qr_left, qr_right = 660, W - 84
    qcx = (qr_left + qr_right) / 2

    # header: emblem + title
    em = _emblem(72)
    c.img.paste(em, (left, 78), em)
    c.boxes["emblem"] = (left, 78, left + em.width, 78 + em.height)
    tx = left + em.width + 20
    if lang == "zh":
        c.text((tx, 124), t["card_title"], font("bold", 44), FOREST, anchor="ls", tracking=8)
        c.text((tx, 150), TEXT["zh"]["subtitle"], font("regular", 15), GOLD, anchor="ls", tracking=3)
    else:
        size = fit_size(t["card_title"], "bold", 38, 26, W - 84 - tx)
        c.text((tx, 122), t["card_title"], font("bold", size), FOREST, anchor="ls")
        c.text((tx, 150), TEXT["en"]["subtitle"], font("regular", 16), GOLD, anchor="ls", tracking=2)
    c.boxes["title"] = (tx, 80, W - 84, 156)
    c.draw.line((left, 184, W - 84, 184), fill=GOLD, width=2)
    _diamond(c.draw, left, 184, 5, GOLD)
    _diamond(c.draw, W - 84, 184, 5, GOLD)

    # left column: holder, kg, scenario
    c.draw.text((left, 240), t["certify"], font=font("regular", 24), fill=MUTED, anchor="ls")
    holder = clean_holder(data.holder, lang)
    hbox = (left, 256, col_right, 346)
    names, hf = fit_name(holder, col_w, 70, 44, 38, 28)
    for line, base in zip(names, _name_baselines(len(names), hf, (hbox[1] + hbox[3]) / 2 + 2)):
        c.draw.text((left, base), line, font=hf, fill=INK, anchor="ls")
    c.boxes["holder"] = hbox
    c.draw.line((left, 356, left + 300, 356), fill=GOLD, width=2)

    c.draw.text((left, 404), t["kg_caption"], font=font("regular", 22), fill=MUTED, anchor="ls")
    c.boxes["kg"] = _kg_line(c, left, 508, data.kg, 104, col_w, GREEN, align="l")

    scen = _scenario_title(data, lang) if data.subject != "life" else t["card_life"]
    sf = font("bold", 26)
    lines = wrap(scen, sf, col_w, max_lines=2)
    y = 566
    for line in lines:
        c.draw.text((left, y), line, font=sf, fill=FOREST, anchor="ls")
        y += 38
    meta = []
    place = _place(data, lang)
    if place:
        meta.append(place)
    if data.event_date:
        meta.append(format_date(data.event_date, lang))
    if meta:
        mf = font("regular", 21)
        c.draw.text((left, y + 2), _ellipsize(SEP.join(meta), mf, col_w), font=mf, fill=MUTED, anchor="ls")
    c.boxes["scenario"] = (left, 536, col_right, 620)

    # right column: QR, caption
    _paste_qr(c, data.verify_url, (qr_left, 236, qr_right, 236 + (qr_right - qr_left)))
    qx0, qy0, qx1, qy1 = c.boxes["qr"]
    c.text((qcx, qy1 + 32), t["scan"], font("regular", 17), MUTED, anchor="ms")

    # footer: serial, issuer, issue date
    c.draw.line((left, 664, W - 84, 664), fill=(210, 200, 170), width=1)
    ff = font("regular", 19)
    c.draw.text((left, 704), f"{t['label_serial']}  {clean_text(data.serial)}", font=ff, fill=INK, anchor="ls")
    c.boxes["serial"] = (left, 676, left + 460, 708)
    if data.status == "revoked":
        c.after.append(((W - 84, 704), _status_text(data, lang), font("bold", 20), STAMP_RED, "rs"))
        _revoke(c, data, lang, (W / 2 - 40, 420), 0.72)
    else:
        right_txt = SEP.join(p for p in (clean_text(data.issuer), format_date(data.issued_on, lang)) if p)
        c.draw.text((W - 84, 704), _ellipsize(right_txt, ff, 420), font=ff, fill=MUTED, anchor="rs")
    return c


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def _check(data: CertificateData, lang: str, variant: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    if data.status not in ("valid", "revoked"):
        raise ValueError(f"status must be 'valid' or 'revoked', not {data.status!r}")
    if data.subject not in ("event", "visit", "life", "organiser"):
        raise ValueError(f"subject must be 'event', 'visit', 'life' or 'organiser', not {data.subject!r}")
    if not data.verify_url:
        raise ValueError("verify_url is required (the QR code encodes it)")


def _render(data: CertificateData, lang: str, variant: str) -> Canvas:
    _check(data, lang, variant)
    return _portrait(data, lang) if variant == "portrait" else _card(data, lang)


def layout(data: CertificateData, lang: str = "zh", variant: str = "portrait") -> dict[str, Box]:
    """The named boxes (left, top, right, bottom) of a render: holder (the slot the name is drawn
    in), kg, qr, title, serial, ... and stamp when revoked. For tests and previews."""
    return dict(_render(data, lang, variant).boxes)


def render_certificate(data: CertificateData, *, lang: str = "zh", variant: str = "portrait") -> bytes:
    """PNG bytes. lang: "zh" | "en"; variant: "portrait" (1080x1620, for the feed) | "card"
    (1000x800, 5:4, for chat share cards). Deterministic: same input, same bytes."""
    img = _render(data, lang, variant).img
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()
