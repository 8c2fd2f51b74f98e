"""Drawing surface helpers shared by the renderers: the Canvas (an image, its draw handle and the
named boxes a layout records), compositing an RGBA layer, and the one PNG encoding they all use
(unfiltered rows at a fixed zlib level, no metadata, so the same picture is always the same bytes)."""
from __future__ import annotations

import struct
import zlib

from PIL import Image, ImageDraw
from zlib_ng import zlib_ng

from app.rendering.fonts import Stack, draw_text, graphemes, joins_letters
from app.rendering.palette import RGB

Box = tuple[int, int, int, int]

# The pictures are flat colours, lines and text, where unfiltered rows compress best, but Pillow filters every
# row of an RGB image adaptively (it tries five filters a row, and no option turns that off): that choice was
# most of a certificate's encoding and made the files larger. So png_bytes writes the PNG itself from
# unfiltered rows. Measured side by side in one process (2026-12-03): portrait 26-30 -> 12-14 ms to encode,
# 190-194 -> 154-157 KB; card 12-14 -> 6 ms, 84-91 -> 70-75 KB (the standard library's zlib at level 3).
# The deflate is zlib-ng's (the zlib-ng package; the same zlib format any decoder reads), the queue worker's
# largest single cost after drawing: same rows, one process (2026-12-04), portrait 9.6 ms / 156 KB with zlib
# at 3 -> 4.5 ms / 166 KB with zlib-ng at 4 (6: 7.4 ms / 154 KB; 2: 3.1 ms / 189 KB), card 5.3 ms / 69 KB ->
# 2.0 ms / 73 KB. Level 4: half the CPU for 7% more bytes, still smaller than Pillow's own file at any level.
PNG_COMPRESS_LEVEL = 4
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def overlay(img: Image.Image, layer: Image.Image, xy: tuple[int, int]) -> None:
    """Composite an RGBA layer over the (opaque) image at xy."""
    img.paste(layer.convert("RGB"), xy, layer.getchannel("A"))


def png_bytes(img: Image.Image, dpi: int | None = None, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """The RGB image as PNG bytes: 8-bit truecolour, not interlaced, every row unfiltered (filter type 0), one
    IDAT chunk at zlib `level`, a pHYs chunk only when dpi is given, no other metadata. Deterministic: the same
    picture always gives the same bytes."""
    if img.mode != "RGB":
        raise ValueError(f"png_bytes writes RGB images, not {img.mode}")
    width, height = img.size
    raw = img.tobytes()
    stride = 3 * width
    rows = b"".join([b"\x00" + raw[at:at + stride] for at in range(0, len(raw), stride)])
    chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    if dpi:
        per_metre = int(dpi / 0.0254 + 0.5)  # rounded as Pillow writes it, so it reads back as the same dpi
        chunks.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    chunks.append(_chunk(b"IDAT", zlib_ng.compress(rows, level)))
    chunks.append(_chunk(b"IEND", b""))
    return _PNG_SIGNATURE + b"".join(chunks)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, and the CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


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
