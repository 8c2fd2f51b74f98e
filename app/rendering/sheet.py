"""A page drawn once as a list of operations and replayed twice: on a Pillow image (the PNG) and into
a PDF whose texts are real text in embedded, subset fonts and whose shapes and QR modules are vectors.

Why a recording and not two renderers: the poster's layout (sizes, wrapping, fitting) is measured once
with the bundled fonts (fonts.Stack), so the PDF is the PNG exactly, only sharp at any size, small, and
with text a reader can select, search and copy. Text goes run by run (fonts.Stack.runs: each run one
face), each run shaped by HarfBuzz in the PDF (fpdf2's text shaping) as raqm shapes it in the PNG, so
Devanagari and Bengali conjuncts are the same in both. Colour emoji and the raster ornaments (emblem,
numbered discs) are embedded as images; a supplied code (WeChat's mini-program code) is an image too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from fpdf import FPDF
from PIL import Image, ImageDraw

from app.rendering.canvas import overlay
from app.rendering.fonts import EMOJI, FONT_FILES, Stack, draw_text
from app.rendering.palette import QR_DARK, RGB, WHITE
from app.rendering.qr import module_size, qr_image, qr_matrix

#: The PDF's creation date (fpdf2 requires one): fixed, so a page is always the same bytes.
FIXED_DATE = datetime(2021, 9, 7, tzinfo=UTC)

Point = tuple[float, float]
BoxF = tuple[float, float, float, float]


@dataclass
class Sheet:
    """The operations of one page, in its pixel coordinates (300 dpi for a poster)."""

    size: tuple[int, int]
    ground: RGB
    ops: list[tuple] = field(default_factory=list)

    # -- drawing (what a layout calls) ------------------------------------------------------------

    def rect(self, box: BoxF, fill: RGB) -> None:
        self.ops.append(("rect", box, fill))

    def rounded_rect(self, box: BoxF, radius: float, *, fill: RGB | None = None, outline: RGB | None = None,
                     width: float = 0) -> None:
        self.ops.append(("rounded", box, radius, fill, outline, width))

    def line(self, xy: BoxF, fill: RGB, width: float) -> None:
        self.ops.append(("line", xy, fill, width))

    def text(self, xy: Point, text: str, f: Stack, fill: RGB, anchor: str = "la") -> float:
        """Text as fonts.draw_text places it; returns its advance width."""
        if text:
            self.ops.append(("text", xy, text, f, fill, anchor))
        return f.getlength(text)

    def image(self, img: Image.Image, xy: tuple[int, int]) -> None:
        """An RGB picture pasted, or an RGBA one composited, with its top left at xy."""
        self.ops.append(("image", img, xy))

    @staticmethod
    def qr_side(data: str, target: int, level: str) -> int:
        """The side of the QR code qr() draws for target (qr.module_size pixels a module, as qr_image)."""
        matrix = qr_matrix(data, level)
        return len(matrix) * module_size(matrix, target)

    def qr(self, data: str, xy: tuple[int, int], target: int, level: str) -> None:
        """The QR code of data, about target wide (qr_side), with its top left at xy."""
        self.ops.append(("qr", data, xy, target, level))

    def sheet(self, other: Sheet, xy: tuple[int, int], *, turned: bool = False, height: int | None = None) -> None:
        """Another sheet placed with its top left at xy: turned 180° (a tent's upper panel), or cut to
        `height` (a column laid out before its height was known)."""
        self.ops.append(("sheet", other, xy, turned, height))

    # -- output -----------------------------------------------------------------------------------

    def to_image(self) -> Image.Image:
        img = Image.new("RGB", self.size, self.ground)
        _replay_pil(self, img)
        return img

    def to_pdf(self, *, dpi: int, title: str, creator: str) -> bytes:
        k = 72 / dpi
        pdf = FPDF(unit="pt", format=(self.size[0] * k, self.size[1] * k))
        pdf.set_creation_date(FIXED_DATE)  # not the clock: the same page is the same bytes
        pdf.set_title(title)
        pdf.set_creator(creator)
        pdf.set_producer(creator)
        pdf.set_margins(0, 0, 0)
        pdf.c_margin = 0
        pdf.set_auto_page_break(False)
        pdf.set_text_shaping(True)
        pdf.add_page()
        writer = _PdfWriter(pdf, k)
        writer.fill_rect((0, 0, self.size[0], self.size[1]), self.ground)
        writer.replay(self, (0.0, 0.0))
        return bytes(pdf.output())


def _replay_pil(sheet: Sheet, img: Image.Image) -> None:
    draw = ImageDraw.Draw(img)
    for op in sheet.ops:
        kind = op[0]
        if kind == "rect":
            draw.rectangle(op[1], fill=op[2])
        elif kind == "rounded":
            _, box, radius, fill, outline, width = op
            draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=int(width) or 1)
        elif kind == "line":
            draw.line(op[1], fill=op[2], width=int(op[3]))
        elif kind == "text":
            _, xy, text, f, fill, anchor = op
            draw_text(draw, xy, text, f, fill, anchor)
        elif kind == "image":
            _, layer, xy = op
            overlay(img, layer, xy) if layer.mode == "RGBA" else img.paste(layer, xy)
        elif kind == "qr":
            _, data, xy, target, level = op
            img.paste(qr_image(data, target, level=level), xy)
        elif kind == "sheet":
            _, other, xy, turned, height = op
            part = other.to_image()
            if height is not None:
                part = part.crop((0, 0, part.width, height))
            img.paste(part.rotate(180) if turned else part, xy)


@lru_cache(maxsize=32)
def _family(face_name: str) -> str:
    return face_name.split(".", 1)[0]


class _PdfWriter:
    """Replays a Sheet into an fpdf2 page: pixel coordinates times k (points a pixel)."""

    def __init__(self, pdf: FPDF, k: float):
        self.pdf, self.k = pdf, k
        self.fonts: set[str] = set()

    def replay(self, sheet: Sheet, origin: Point) -> None:
        ox, oy = origin
        for op in sheet.ops:
            kind = op[0]
            if kind == "rect":
                x0, y0, x1, y1 = op[1]
                # Pillow fills both end pixels: one pixel more each way than the coordinates' span
                self.fill_rect((ox + x0, oy + y0, ox + x1 + 1, oy + y1 + 1), op[2])
            elif kind == "rounded":
                _, (x0, y0, x1, y1), radius, fill, outline, width = op
                self._rounded((ox + x0, oy + y0, ox + x1 + 1, oy + y1 + 1), radius, fill, outline, width)
            elif kind == "line":
                (x0, y0, x1, y1), fill, width = op[1], op[2], op[3]
                self.pdf.set_draw_color(*fill)
                self.pdf.set_line_width(width * self.k)
                self.pdf.line(*(v * self.k for v in (ox + x0, oy + y0, ox + x1, oy + y1)))
            elif kind == "text":
                _, (x, y), text, f, fill, anchor = op
                self._text((ox + x, oy + y), text, f, fill, anchor)
            elif kind == "image":
                _, layer, (x, y) = op
                self._image(layer, (ox + x, oy + y))
            elif kind == "qr":
                _, data, (x, y), target, level = op
                self._qr(data, (ox + x, oy + y), target, level)
            elif kind == "sheet":
                _, other, (x, y), turned, height = op
                w, h = other.size[0], height if height is not None else other.size[1]
                if turned:  # Pillow's rotate(180) keeps the size: the part turns about its own centre
                    with self.pdf.rotation(180, (ox + x + w / 2) * self.k, (oy + y + h / 2) * self.k):
                        self._part(other, (ox + x, oy + y), w, h)
                else:
                    self._part(other, (ox + x, oy + y), w, h)

    def _part(self, other: Sheet, xy: Point, w: float, h: float) -> None:
        with self.pdf.rect_clip(xy[0] * self.k, xy[1] * self.k, w * self.k, h * self.k):
            self.fill_rect((xy[0], xy[1], xy[0] + w, xy[1] + h), other.ground)
            self.replay(other, xy)

    def fill_rect(self, box: BoxF, fill: RGB) -> None:
        x0, y0, x1, y1 = box
        self.pdf.set_fill_color(*fill)
        self.pdf.rect(x0 * self.k, y0 * self.k, (x1 - x0) * self.k, (y1 - y0) * self.k, style="F")

    def _rounded(self, box: BoxF, radius: float, fill: RGB | None, outline: RGB | None, width: float) -> None:
        x0, y0, x1, y1 = box
        k = self.k
        if fill is not None:
            self.pdf.set_fill_color(*fill)
            self.pdf.rect(x0 * k, y0 * k, (x1 - x0) * k, (y1 - y0) * k, style="F", round_corners=True,
                          corner_radius=radius * k)
        if outline is not None and width:
            inset = width / 2  # Pillow draws the outline inside the box; a PDF stroke straddles its path
            self.pdf.set_draw_color(*outline)
            self.pdf.set_line_width(width * k)
            self.pdf.rect((x0 + inset) * k, (y0 + inset) * k, (x1 - x0 - width) * k, (y1 - y0 - width) * k,
                          style="D", round_corners=True, corner_radius=max(0.0, radius - inset) * k)

    def _text(self, xy: Point, text: str, f: Stack, fill: RGB, anchor: str) -> None:
        total = f.getlength(text)
        x = xy[0] - {"l": 0.0, "m": total / 2, "r": total}[anchor[0]]
        baseline = xy[1] + f.baseline_offset(anchor[1])
        for name, run in f.runs(text):
            face, scale = f._face(name)  # noqa: SLF001 - the run's face and scale, as Stack.draw uses them
            advance = face.getlength(run) * scale
            if name == EMOJI:
                self._emoji(run, f, (x, baseline))
            elif run.strip():
                self._run(name, run, f.size, fill, (x, baseline))
            x += advance

    def _run(self, name: str, run: str, size: int, fill: RGB, origin: Point) -> None:
        family = _family(name)
        if family not in self.fonts:
            self.pdf.add_font(family, fname=str(FONT_FILES[name]))
            self.fonts.add(family)
        pt = size * self.k
        self.pdf.set_font(family, size=pt)
        self.pdf.set_text_color(*fill)
        # fpdf2 puts a cell's baseline at y + h/2 + 0.3 * font size: with h = font size, y = baseline - 0.8 pt
        self.pdf.set_xy(origin[0] * self.k, origin[1] * self.k - 0.8 * pt)
        self.pdf.cell(h=pt, text=run)

    def _emoji(self, run: str, f: Stack, origin: Point) -> None:
        """A colour emoji as Pillow draws it, embedded as an image at its place."""
        face, scale = f._face(EMOJI)  # noqa: SLF001
        left, top, right, bottom = face.getbbox(run, anchor="ls")
        layer = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
        ImageDraw.Draw(layer).text((-left, -top), run, font=face, embedded_color=True, anchor="ls")
        x, y = origin[0] + left * scale, origin[1] + top * scale
        self.pdf.image(layer, x * self.k, y * self.k, w=layer.width * scale * self.k, h=layer.height * scale * self.k)

    def _image(self, layer: Image.Image, xy: Point) -> None:
        self.pdf.image(layer, xy[0] * self.k, xy[1] * self.k, w=layer.width * self.k, h=layer.height * self.k)

    def _qr(self, data: str, xy: Point, target: int, level: str) -> None:
        """The modules as filled rectangles, one a horizontal run of dark modules, on white."""
        matrix = qr_matrix(data, level)
        n, m = len(matrix), module_size(matrix, target)
        x0, y0 = xy
        self.fill_rect((x0, y0, x0 + n * m, y0 + n * m), WHITE)
        self.pdf.set_fill_color(*QR_DARK)
        for r, row in enumerate(matrix):
            c = 0
            while c < n:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < n and row[c]:
                    c += 1
                self.pdf.rect((x0 + start * m) * self.k, (y0 + r * m) * self.k, (c - start) * m * self.k,
                              m * self.k, style="F")
