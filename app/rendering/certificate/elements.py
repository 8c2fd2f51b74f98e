"""Drawing pieces both certificate layouts use: the kilogram figure, the revoked treatment (greyed
image, red stamp, the red status line drawn after the greying), and the QR error correction level."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from PIL import Image, ImageOps

from app.rendering.canvas import Box, Canvas
from app.rendering.certificate.content import CertificateData, wording
from app.rendering.fonts import draw_text, font
from app.rendering.palette import RGB, STAMP_RED
from app.rendering.text import format_date, format_kg, tracked_width

QR_LEVEL = "M"  # error correction of the verify QR code (the poster, printed, uses "Q")


def kg_line(c: Canvas, cx: float, baseline: float, kg: int, size: int, max_width: float,
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
        draw_text(c.draw, (x, baseline + dy), t, f, colour, "ls")
        x += f.getlength(t)
    asc = nf.getmetrics()[0]
    return (int(start), int(baseline - asc * 0.8), int(start + total), int(baseline + s * 0.1))


@lru_cache(maxsize=32)
def _stamp(lang: str, revoked_on: date | None, scale: float) -> Image.Image:
    """The red "已撤销 / REVOKED" stamp with the date: a double-bordered box, rotated. RGBA."""
    t = wording(lang)
    big = font("bold", int(150 * scale))
    small = font("bold", int(56 * scale))
    dfont = font("bold", int(30 * scale))
    date_line = t["revoked_on"].format(date=format_date(revoked_on, lang)) if revoked_on else ""
    w = int(max(big.getlength(t["revoked_big"]) + 40 * scale,
                tracked_width(t["revoked_small"], small, 18 * scale),
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
    draw_text(lc.draw, (w / 2, y - int(18 * scale)), t["revoked_big"], big, ink, "ms")
    y += int(74 * scale)
    lc.text((w / 2, y), t["revoked_small"], small, ink, anchor="ms", tracking=18 * scale)
    if date_line:
        y += int(52 * scale)
        draw_text(lc.draw, (w / 2, y), date_line, dfont, ink, "ms")
    return lc.img.rotate(16, resample=Image.Resampling.BICUBIC, expand=True)


def revoke(c: Canvas, data: CertificateData, lang: str, centre: tuple[float, float], scale: float) -> None:
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
        draw_text(c.draw, xy, text, f, fill, anchor)
