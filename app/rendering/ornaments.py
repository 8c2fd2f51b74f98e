"""The decorative pieces of the Diandian look (emblem, leaves, seal, diamonds, divider, the framed
paper, numbered discs), shared by the certificate and the poster.

Curves are drawn supersampled (SS times larger, then reduced) for smooth edges; the pieces that
never change for a given size are cached, so callers must copy before drawing on them.
"""
from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw

from app.rendering.canvas import Canvas
from app.rendering.fonts import Stack, draw_text, font
from app.rendering.palette import FOREST, GOLD, GOLD_LIGHT, GREEN, PAPER, PAPER_LOW, RGB

SS = 4  # supersampling factor for curves


def leaf_mask(size: int, angle: float) -> Image.Image:
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
def emblem(size: int) -> Image.Image:
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
    leaf_big = leaf_mask(int(size * 0.62), -28)
    leaf_small = leaf_mask(int(size * 0.42), 38)
    cream = Image.new("RGBA", leaf_big.size, PAPER + (255,))
    img.paste(cream, (int(size * 0.26), int(size * 0.13)), leaf_big)
    light = Image.new("RGBA", leaf_small.size, (196, 226, 180, 255))
    img.paste(light, (int(size * 0.14), int(size * 0.38)), leaf_small)
    return img


def ring_text(img: Image.Image, text: str, f: Stack, fill: tuple, centre: float,
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
        draw_text(ImageDraw.Draw(tile), (w / 2, h / 2), ch, f, fill, "mm")
        tile = tile.rotate(-ang, resample=Image.Resampling.BICUBIC, expand=True)
        x = centre + radius * math.sin(rad) - tile.width / 2
        y = centre - radius * math.cos(rad) - tile.height / 2
        img.alpha_composite(tile, (int(round(x)), int(round(y))))


@lru_cache(maxsize=4)
def seal(size: int, arc: str, bottom: str) -> Image.Image:
    """A round seal in green ink, Chinese style: double ring, arc text along the top, a star, bottom
    text below. RGBA."""
    s = size * SS
    ink = GREEN + (235,)
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((SS, SS, s - 1 - SS, s - 1 - SS), outline=ink, width=int(s * 0.035))
    m = int(s * 0.075)
    d.ellipse((m, m, s - 1 - m, s - 1 - m), outline=ink, width=max(SS, int(s * 0.01)))
    ring_text(img, arc, font("bold", int(s * 0.15)), ink, s / 2, s * 0.33, 150)
    draw_text(d, (s / 2, s * 0.55), "★", font("bold", int(s * 0.26)), ink, "mm")
    draw_text(d, (s / 2, s * 0.78), bottom, font("bold", int(s * 0.1)), ink, "mm")
    return img.reduce(SS)


def diamond(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: RGB) -> None:
    draw.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=fill)


def divider(draw: ImageDraw.ImageDraw, cx: float, y: float, half: float, colour: RGB = GOLD) -> None:
    """A horizontal rule centred on cx, broken by a diamond, with a small diamond at each end."""
    draw.line((cx - half, y, cx - 18, y), fill=colour, width=2)
    draw.line((cx + 18, y, cx + half, y), fill=colour, width=2)
    diamond(draw, cx, y, 8, colour)
    diamond(draw, cx - half - 8, y, 4, colour)
    diamond(draw, cx + half + 8, y, 4, colour)


@lru_cache(maxsize=4)
def background(size: tuple[int, int], margin: int, frame: int) -> Image.Image:
    """The empty framed paper on the dark ground (cached; callers copy it)."""
    c = Canvas(size, FOREST)
    paper(c, margin, frame)
    return c.img


def paper(c: Canvas, margin: int, frame: int) -> None:
    """Dark ground, paper with a soft vertical gradient, gold frame, thin inner line, corner
    ornaments."""
    w, h = c.img.size
    pw, ph = w - 2 * margin, h - 2 * margin
    grad = Image.linear_gradient("L").resize((1, ph)).resize((pw, ph), Image.Resampling.NEAREST)
    sheet = Image.composite(Image.new("RGB", (pw, ph), PAPER_LOW), Image.new("RGB", (pw, ph), PAPER), grad)
    c.img.paste(sheet, (margin, margin))
    x0, y0, x1, y1 = margin + frame, margin + frame, w - margin - frame - 1, h - margin - frame - 1
    c.draw.rectangle((x0, y0, x1, y1), outline=GOLD, width=4)
    g = 10
    c.draw.rectangle((x0 + g, y0 + g, x1 - g, y1 - g), outline=GREEN, width=1)
    # corner ornaments: a gold square on the frame corner, with a small diamond inside
    for cx, cy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
        c.draw.rectangle((cx - 14, cy - 14, cx + 14, cy + 14), fill=PAPER, outline=GOLD, width=3)
        diamond(c.draw, cx, cy, 7, GREEN)


@lru_cache(maxsize=16)
def disc(diameter: int, label: str) -> Image.Image:
    """A green disc with a white number, antialiased (drawn SS times larger and reduced). RGBA."""
    s = diameter * SS
    tile = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(tile)
    d.ellipse((0, 0, s - 1, s - 1), fill=GREEN + (255,))
    draw_text(d, (s / 2, s / 2 + s * 0.03), label, font("bold", int(s * 0.58)), PAPER + (255,), "mm")
    return tile.reduce(SS)
