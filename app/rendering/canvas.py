"""Drawing surface helpers shared by the renderers: the Canvas (an image, its draw handle and the
named boxes a layout records), compositing an RGBA layer, and the one PNG encoding they all use
(fixed compression, no metadata, so the same picture is always the same bytes)."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from app.rendering.fonts import Stack, draw_text, graphemes, joins_letters
from app.rendering.palette import RGB

Box = tuple[int, int, int, int]

# zlib level 1: a certificate's two pictures are the queue worker's largest cost in a door rush, and Pillow's
# encoding is two thirds of a render. Level 1 encodes a portrait in 41 ms instead of 68 (a card 25 instead of
# 37) for files ~10% larger (194 KB against 176); levels 2-9 cost more time for a few per cent less.
PNG_COMPRESS_LEVEL = 1


def overlay(img: Image.Image, layer: Image.Image, xy: tuple[int, int]) -> None:
    """Composite an RGBA layer over the (opaque) image at xy."""
    img.paste(layer.convert("RGB"), xy, layer.getchannel("A"))


def png_bytes(img: Image.Image, dpi: int | None = None) -> bytes:
    """The image as PNG bytes: deterministic (no optimisation pass, fixed level), a pHYs chunk only
    when dpi is given."""
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL, **extra)
    return buf.getvalue()


class Canvas:
    """An RGB image, its draw handle, and the named boxes recorded while drawing."""

    def __init__(self, size: tuple[int, int], ground: RGB, img: Image.Image | None = None):
        self.img = img if img is not None else Image.new("RGB", size, ground)
        self.draw = ImageDraw.Draw(self.img)
        self.boxes: dict[str, Box] = {}
        # texts drawn after a revoked certificate is greyed (so they stay red)
        self.after: list[tuple[tuple[float, float], str, Stack, RGB, str]] = []

    @property
    def width(self) -> int:
        return self.img.width

    def overlay(self, layer: Image.Image, xy: tuple[int, int]) -> None:
        """Composite an RGBA layer over the (opaque) image at xy."""
        overlay(self.img, layer, xy)

    def text(self, xy: tuple[float, float], text: str, f: Stack, fill: RGB,
             anchor: str = "ls", tracking: float = 0.0) -> float:
        """Draw text (anchor as Pillow's, baseline by default); returns its advance width.
        tracking adds space between graphemes (drawn one by one, so a conjunct or an emoji sequence
        stays whole; the CJK face has no kerning, so this changes nothing else). Devanagari and Bengali
        are drawn without it (fonts.joins_letters)."""
        if not text:
            return 0.0
        if not tracking or joins_letters(text):
            return draw_text(self.draw, xy, text, f, fill, anchor=anchor)
        parts = graphemes(text)
        widths = [f.getlength(ch) for ch in parts]
        total = sum(widths) + tracking * (len(parts) - 1)
        x, y = xy
        if anchor[0] == "m":
            x -= total / 2
        elif anchor[0] == "r":
            x -= total
        for ch, w in zip(parts, widths):
            draw_text(self.draw, (x, y), ch, f, fill, "l" + anchor[1])
            x += w + tracking
        return total

    def centred_lines(self, lines: list[str], f: Stack, fill: RGB, cx: float,
                      first_baseline: float, line_height: float) -> None:
        for i, line in enumerate(lines):
            self.text((cx, first_baseline + i * line_height), line, f, fill, "ms")
