"""The printed QR poster (扫码海报) that venue staff put up at a conference door, a scenic spot or a shop.

Pure code: PosterData in, PNG or PDF bytes out (no Flask, no database, no network, no clock).

* Formats at 300 dpi: "a4" 2480x3508 and "a5" 1748x2480 (portrait posters), "tent" 3508x2480 (an A4
  landscape sheet folded in half into a table tent: two identical panels, the top one rotated 180°
  so both sides read upright once folded; the fold is marked with a light dashed line).
* The code: data.code_image when given (live mode: WeChat's mini-program code PNG, transparent
  parts on white), else a QR code of data.link (error correction Q, 4-module quiet zone, a whole
  number of pixels a module). On the portrait formats it spans ~58% of the page width (A4: ~12 cm,
  for scanning from 1-2 m); on a tent panel ~80% of the panel height (~8.4 cm, a table-top scan).
* Fonts, text cleaning, line breaking, the palette, the emblem and the QR code come from the shared
  rendering toolkit (app.rendering: fonts, text, palette, ornaments, qr), the same the certificate
  uses, so both look alike and show no missing-glyph boxes.
* Languages: the texts are the catalogue's (context "poster:<key>") in data.lang, each with an optional
  smaller line in data.second (the default: Chinese with English under it); the scenario's texts come
  in those languages already (the service picks them).
* Deterministic: the same input gives the same bytes. The layout is drawn once on a Sheet
  (app.rendering.sheet) and replayed: on an image (the PNG, 300 dpi) and into a one-page PDF of the
  paper's size whose texts are real text in embedded subset fonts and whose QR code and shapes are
  vectors (small, selectable, sharp at any size), with a fixed creation date.
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from app.catalogue import keyed, translate
from app.rendering.canvas import png_bytes
from app.rendering.fonts import Stack, font
from app.rendering.ornaments import disc, emblem
from app.rendering.palette import FOREST, GOLD, GOLD_LIGHT, GREEN, INK, LEAF, MINT, MUTED, PAPER, RGB, WHITE
from app.rendering.qr import supplied_code
from app.rendering.sheet import Sheet
from app.rendering.text import SEP, clean_text, fit_lines, fit_size, wrap

__all__ = ["PosterData", "FORMATS", "DPI", "render_poster", "render_poster_png", "render_poster_pdf"]

FORMATS: dict[str, tuple[int, int]] = {"a4": (2480, 3508), "a5": (1748, 2480), "tent": (3508, 2480)}
DPI = 300
BRAND = "点点碳中和 Diandian"
#: The poster's wording by key: English msgids of the catalogue (context "poster:<key>").
WORDING: dict[str, str] = dict([
    keyed("poster:cta", "Scan to calculate and neutralise your carbon footprint"),
    keyed("poster:step_scan", "Scan with WeChat"),
    keyed("poster:step_enter", "Enter your trip and stay"),
    keyed("poster:step_pay", "Choose a project and pay"),
    keyed("poster:step_certificate", "Get your certificate"),
    keyed("poster:door", "Entrance {tag}"),
])
STEP_KEYS = ("step_scan", "step_enter", "step_pay", "step_certificate")
FALLBACK_TITLE = "点点碳中和"
FOLD_GREY = (200, 204, 196)
QR_LEVEL = "Q"  # printed, scanned from a distance: more error correction than the certificate


def wording(lang: str | None) -> dict[str, str] | None:
    """The poster's texts in lang (the catalogue's fallback rule); None for no language."""
    if not lang:
        return None
    return {key: translate(msgid, lang, "poster:" + key) for key, msgid in WORDING.items()}


@dataclass(frozen=True)
class PosterData:
    title: str                       # the scenario's title in `lang`
    title_second: str | None             # the title's smaller second line (in `second`); None: none
    venue: str | None
    city: str | None
    date_text: str | None            # already formatted, e.g. "2021年9月7日"
    door: str | None                 # door tag (in the link); shown only without a label
    code_image: Image.Image | None   # a ready QR / mini-program code; None: draw a QR of link
    link: str                        # {PUBLIC_BASE_URL}/s/<code>?d=<door>; the drawn QR decodes to it
    door_label: str | None = None    # what guests read at the door ("南馆B区入口（靠近地铁站）"), shown small
    lang: str = "zh"                 # the poster's language (app.catalogue.LANGUAGES)
    second: str | None = "en"        # the language of the smaller second lines; None: one language only


# --------------------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------------------


def _paste_code(sh: Sheet, data: PosterData, box: tuple[int, int, int]) -> int:
    """The code on a white card with a gold rim and green corner marks; box = (cx, top, card side).
    Returns the card's bottom."""
    cx, top, side = box
    x0, y0 = cx - side // 2, top
    x1, y1 = x0 + side, y0 + side
    rim = max(4, side // 180)
    radius = side // 24
    sh.rounded_rect((x0, y0, x1, y1), radius, fill=WHITE, outline=GOLD, width=rim)
    # corner marks, just outside the card: "scan here"
    arm, gap, thick = side // 9, side // 40, max(6, side // 110)
    for sx, sy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        ex = x0 - gap if sx < 0 else x1 + gap
        ey = y0 - gap if sy < 0 else y1 + gap
        sh.rect(_box(ex, ey, ex - sx * arm, ey - sy * thick), GREEN)
        sh.rect(_box(ex, ey, ex - sx * thick, ey - sy * arm), GREEN)
    inner = side - 2 * (rim + side // 60)
    if data.code_image is not None:
        code = supplied_code(data.code_image, inner)
        sh.image(code, (cx - code.width // 2, y0 + (side - code.height) // 2))
    else:
        n = sh.qr_side(data.link, inner, QR_LEVEL)
        sh.qr(data.link, (cx - n // 2, y0 + (side - n) // 2), inner, QR_LEVEL)
    return y1


def _box(xa: float, ya: float, xb: float, yb: float) -> tuple[float, float, float, float]:
    return (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))


def _fit_lines(text: str, weight: str, max_size: int, min_size: int, width: float,
               max_lines: int = 2) -> tuple[list[str], Stack]:
    """text on one line (max_size down to min_size), else wrapped on up to max_lines at a size
    between min_size and 80% of max_size, ellipsized at min_size if still too long."""
    size = fit_size(text, weight, max_size, min_size, width)
    f = font(weight, size)
    if f.getlength(text) <= width:
        return [text], f
    return fit_lines(text, weight, int(max_size * 0.8), min_size, width, max_lines, step=max(1, max_size // 30))


def _place_line(data: PosterData) -> str:
    parts = [clean_text(p) for p in (data.venue, data.city, data.date_text)]
    return f" {SEP} ".join(p for p in parts if p)


def _door_text(data: PosterData) -> str:
    """The door as guests know it: its label as written ("南馆B区入口"), else "入口 <tag>" in the poster's
    language."""
    label, tag = clean_text(data.door_label), clean_text(data.door)
    return label or (wording(data.lang)["door"].format(tag=tag) if tag else "")


def _brand(sh: Sheet, x: float, y_mid: float, size: int, colour: RGB, anchor: str = "l") -> None:
    """Emblem + brand name, vertically centred on y_mid; anchor "l" (starts at x) or "m" (centred)."""
    f = font("bold", int(size * 0.55))
    mark = emblem(size)
    gap = size // 4
    total = size + gap + f.getlength(BRAND)
    x0 = x - total / 2 if anchor == "m" else x
    sh.image(mark, (int(x0), int(y_mid - size / 2)))
    sh.text((x0 + size + gap, y_mid), BRAND, f, colour, "lm")


def _steps_height(u: float, data: PosterData) -> float:
    """What _steps takes below its top: the discs, one line of the main text, one of the second."""
    return 92 * u + 62 * u + 44 * u * 1.25 + (4 * u + 30 * u * 1.3 if data.second else 0)


def _steps(sh: Sheet, data: PosterData, x0: float, x1: float, top: float, u: float) -> float:
    """The four numbered steps in a row from x0 to x1; returns the bottom."""
    main, second = wording(data.lang), wording(data.second)
    n = len(STEP_KEYS)
    col = (x1 - x0) / n
    d = int(92 * u)
    f_main = font("bold", int(44 * u))
    f_second = font("regular", int(30 * u))
    bottom = top
    for i, key in enumerate(STEP_KEYS):
        cx = x0 + col * (i + 0.5)
        sh.image(disc(d, str(i + 1)), (int(cx - d / 2), int(top)))
        if i < n - 1:  # a thin connector to the next disc
            y = top + d / 2
            sh.line((cx + d / 2 + 14 * u, y, cx + col - d / 2 - 14 * u, y), LEAF, max(2, int(4 * u)))
        y = top + d + 62 * u
        for line in wrap(clean_text(main[key]), f_main, col - 24 * u, max_lines=2):
            sh.text((cx, y), line, f_main, INK, "ms")
            y += f_main.size * 1.25
        if second and second[key] != main[key]:
            y += 4 * u
            for line in wrap(second[key], f_second, col - 24 * u, max_lines=2):
                sh.text((cx, y), line, f_second, MUTED, "ms")
                y += f_second.size * 1.3
        bottom = max(bottom, y)
    return bottom


def _call_to_action(data: PosterData, main_sizes: tuple[int, int], second_sizes: tuple[int, int],
                    width: float) -> tuple[str, Stack, str | None, Stack | None]:
    """The call to action, fitted to width, and its second-language line (None without one)."""
    cta = wording(data.lang)["cta"]
    main_f = font("bold", fit_size(cta, "bold", *main_sizes, width))
    second = wording(data.second)
    if not second or second["cta"] == cta:
        return cta, main_f, None, None
    return cta, main_f, second["cta"], font("regular", fit_size(second["cta"], "regular", *second_sizes, width))


# --------------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------------


def _portrait(data: PosterData, size: tuple[int, int]) -> Sheet:
    """A4 / A5: green header (brand, title, subtitle, place), call to action, the code, door tag,
    steps, green footer (brand, link). Lengths are in A4 pixels, scaled by u."""
    w, h = size
    u = w / 2480
    sh = Sheet(size, PAPER)
    side_margin = int(200 * u)
    text_w = w - 2 * side_margin

    # ---- header: measured first, then drawn
    title = clean_text(data.title, FALLBACK_TITLE)
    t_lines, t_font = _fit_lines(title, "bold", int(150 * u), int(80 * u), text_w, max_lines=3)
    sub = clean_text(data.title_second)
    s_lines, s_font = (_fit_lines(sub, "regular", int(64 * u), int(40 * u), text_w, max_lines=3) if sub
                       else ([], None))
    place = _place_line(data)
    p_font = font("regular", int(58 * u))
    p_lines = wrap(place, p_font, text_w, max_lines=2) if place else []

    y = 150 * u  # brand row centre
    brand_size = int(110 * u)
    header_rows: list[tuple[float, str, Stack, RGB]] = []
    y += brand_size / 2 + 70 * u
    for line in t_lines:
        y += t_font.size * 1.0
        header_rows.append((y, line, t_font, PAPER))
        y += t_font.size * 0.22
    if s_lines:
        y += 20 * u
        for line in s_lines:
            y += s_font.size * 1.05
            header_rows.append((y, line, s_font, GOLD_LIGHT))
            y += s_font.size * 0.2
    if p_lines:
        y += 34 * u
        for line in p_lines:
            y += p_font.size * 1.05
            header_rows.append((y, line, p_font, MINT))
            y += p_font.size * 0.25
    header_h = int(y + 80 * u)

    footer_h = int(230 * u)
    sh.rect((0, 0, w, header_h), FOREST)
    sh.rect((0, header_h, w, header_h + int(12 * u)), GOLD)
    _brand(sh, w / 2, 150 * u, brand_size, GOLD_LIGHT, anchor="m")
    for baseline, line, f, colour in header_rows:
        sh.text((w / 2, baseline), line, f, colour, "ms")

    # ---- body blocks (heights), then the slack spread between them
    cta, cta_f, cta_second, cta_second_f = _call_to_action(
        data, (int(96 * u), int(60 * u)), (int(52 * u), int(34 * u)), text_w)
    door = _door_text(data)
    door_f = font("regular", fit_size(door, "regular", int(44 * u), int(24 * u), text_w) if door else int(44 * u))
    steps_h = _steps_height(u, data)
    body_top = header_h + int(12 * u)
    body_bottom = h - footer_h
    cta_h = cta_f.size * 1.1 + (24 * u + cta_second_f.size * 1.1 if cta_second else 0)
    door_h = door_f.size * 1.6 if door else 0
    min_gap = 90 * u
    # the card as large as the page allows, between 50% and 64% of the width
    card = int(max(w * 0.5, min(w * 0.64, body_bottom - body_top - cta_h - door_h - steps_h - 4 * min_gap)))
    gap = max(30 * u, (body_bottom - body_top - cta_h - card - door_h - steps_h) / 4)
    y = body_top + gap

    y += cta_f.size * 1.0
    sh.text((w / 2, y), cta, cta_f, FOREST, "ms")
    if cta_second:
        y += 24 * u + cta_second_f.size * 1.1
        sh.text((w / 2, y), cta_second, cta_second_f, MUTED, "ms")
    y += gap

    y = _paste_code(sh, data, (w // 2, int(y), card))
    if door:
        y += door_f.size * 1.5
        sh.text((w / 2, y), door, door_f, MUTED, "ms")
    y += gap
    _steps(sh, data, side_margin - 60 * u, w - side_margin + 60 * u, y, u)

    # ---- footer
    sh.rect((0, h - footer_h, w, h), FOREST)
    fy = h - footer_h / 2
    _brand(sh, side_margin - 60 * u, fy, int(96 * u), PAPER)
    link = clean_text(data.link)
    link_f = font("regular", fit_size(link, "regular", int(40 * u), int(22 * u), w * 0.5))
    sh.text((w - side_margin + 60 * u, fy), link, link_f, MINT, "rm")
    return sh


def _panel(data: PosterData, size: tuple[int, int]) -> Sheet:
    """One table-tent panel (wide and short; its top edge is the fold): texts on the left, the code
    on the right, a green strip (brand, link) along the bottom. Lengths in tent pixels (u = 1)."""
    w, h = size
    u = w / 3508
    sh = Sheet(size, PAPER)
    strip_h = int(150 * u)
    margin = int(150 * u)
    top_pad = int(90 * u)  # away from the fold

    sh.rect((0, h - strip_h, w, h), FOREST)
    sh.rect((0, h - strip_h - int(8 * u), w, h - strip_h), GOLD)
    fy = h - strip_h / 2
    _brand(sh, margin, fy, int(84 * u), PAPER)
    link = clean_text(data.link)
    link_f = font("regular", fit_size(link, "regular", int(36 * u), int(20 * u), w * 0.45))
    sh.text((w - margin, fy), link, link_f, MINT, "rm")

    # the code on the right, as large as the panel allows (the door tag below it)
    door = _door_text(data)
    door_f = font("regular", int(36 * u))
    if door:  # under the code: as wide as the card may be, shrunk to fit
        door_f = font("regular", fit_size(door, "regular", int(36 * u), int(20 * u), h - strip_h - top_pad))
    avail = h - strip_h - int(8 * u) - top_pad - int(50 * u) - (int(door_f.size * 1.4) if door else 0)
    card = int(avail)
    cx = w - margin - card // 2
    bottom = _paste_code(sh, data, (cx, top_pad, card))
    if door:
        sh.text((cx, bottom + door_f.size * 1.3), door, door_f, MUTED, "ms")

    # texts on the left, laid out on a column of their own, then centred vertically in the free height
    text_w = w - 2 * margin - card - int(170 * u)
    free_h = h - strip_h - int(8 * u) - top_pad
    col = Sheet((text_w, free_h), PAPER)
    lx = text_w / 2
    title = clean_text(data.title, FALLBACK_TITLE)
    t_lines, t_font = _fit_lines(title, "bold", int(124 * u), int(68 * u), text_w, max_lines=3)
    sub = clean_text(data.title_second)
    s_lines, s_font = (_fit_lines(sub, "regular", int(52 * u), int(32 * u), text_w, max_lines=2)
                       if sub else ([], None))
    place = _place_line(data)
    p_font = font("regular", int(48 * u))
    p_lines = wrap(place, p_font, text_w, max_lines=1) if place else []
    cta, cta_f, cta_second, cta_second_f = _call_to_action(
        data, (int(74 * u), int(50 * u)), (int(40 * u), int(28 * u)), text_w)

    y = t_font.size * 0.95
    for line in t_lines:
        col.text((lx, y), line, t_font, FOREST, "ms")
        y += t_font.size * 1.15
    y -= t_font.size * 1.15
    for line in s_lines:
        y += s_font.size * 1.6
        col.text((lx, y), line, s_font, GREEN, "ms")
    for line in p_lines:
        y += p_font.size * 1.5
        col.text((lx, y), line, p_font, MUTED, "ms")
    y += 50 * u
    col.line((lx - text_w * 0.3, y, lx + text_w * 0.3, y), GOLD, max(2, int(4 * u)))
    y += 50 * u + cta_f.size
    col.text((lx, y), cta, cta_f, FOREST, "ms")
    if cta_second:
        y += cta_second_f.size * 1.5
        col.text((lx, y), cta_second, cta_second_f, MUTED, "ms")
    # the steps: full size when they fit, else scaled into what is left
    y += 70 * u
    room = free_h - 20 * u - y
    su = min(1.0 * u, room / (_steps_height(1.0, data) + 44 * 1.25 + (30 * 1.3 if data.second else 0)))
    bottom = min(free_h, int(_steps(col, data, 0, text_w, y, su) + 10 * u))
    sh.sheet(col, (margin, top_pad + (free_h - bottom) // 2), height=bottom)
    return sh


def _tent(data: PosterData, size: tuple[int, int]) -> Sheet:
    w, h = size
    half = h // 2
    panel = _panel(data, (w, half))
    sh = Sheet(size, PAPER)
    sh.sheet(panel, (0, 0), turned=True)
    sh.sheet(panel, (0, h - half))
    dash, gap = 40, 28
    for x in range(0, w, dash + gap):  # fold line
        sh.line((x, half, min(w, x + dash), half), FOLD_GREY, 3)
    return sh


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def _sheet(data: PosterData, fmt: str) -> Sheet:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {tuple(FORMATS)}, not {fmt!r}")
    if not data.link:
        raise ValueError("link is required (the drawn QR code encodes it)")
    size = FORMATS[fmt]
    return _tent(data, size) if fmt == "tent" else _portrait(data, size)


def render_poster(data: PosterData, fmt: str = "a4") -> Image.Image:
    """The poster page as an RGB image at 300 dpi."""
    return _sheet(data, fmt).to_image()


def render_poster_png(data: PosterData, fmt: str = "a4") -> bytes:
    """PNG bytes (300 dpi). Deterministic: same input, same bytes."""
    return png_bytes(render_poster(data, fmt), dpi=DPI)


def render_poster_pdf(data: PosterData, fmt: str = "a4") -> bytes:
    """A single-page vector PDF of the same page, the paper's size (A4 / A5 / A4 landscape): real text in
    embedded subset fonts, the QR code as vector modules. Deterministic: same input, same bytes."""
    return _sheet(data, fmt).to_pdf(dpi=DPI, title=clean_text(data.title, FALLBACK_TITLE), creator=BRAND)
