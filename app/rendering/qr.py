"""QR codes for every renderer: the module matrix, the code drawn at a whole number of pixels a
module, a supplied code image (e.g. a WeChat mini-program code) scaled to a square, and pasting a
code into a box on a Canvas, and a plain PNG of a code for a screen (the console's Native pay QR).

One implementation, parametrised where the callers differ: the certificate uses error correction
"M", the poster "Q" (it is printed and scanned from further away); both keep a 4-module quiet zone
and draw QR_DARK on WHITE.
"""
from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from PIL import Image

from app.rendering.canvas import Box, Canvas
from app.rendering.palette import GOLD_LIGHT, QR_DARK, RGB, WHITE

QUIET_ZONE = 4  # modules of white border around the symbol
LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


@lru_cache(maxsize=64)
def qr_matrix(data: str, level: str, border: int = QUIET_ZONE) -> tuple[tuple[bool, ...], ...]:
    """The modules (True = dark) of the smallest QR code holding data at error correction level
    ("L", "M", "Q" or "H"), quiet zone included."""
    qr = qrcode.QRCode(version=None, error_correction=LEVELS[level], box_size=1, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def module_size(matrix, target: int) -> int:
    """Whole pixels a module: as close to target wide as that allows without exceeding it, at least 3."""
    return max(3, target // len(matrix))


def qr_image(data: str, target: int, *, level: str, border: int = QUIET_ZONE, dark: RGB = QR_DARK,
             light: RGB = WHITE) -> Image.Image:
    """The QR code of data (with its quiet zone) as an RGB image, at module_size pixels a module."""
    matrix = qr_matrix(data, level, border)
    n = len(matrix)
    scale = module_size(matrix, target)
    mask = Image.frombytes("L", (n, n), bytes(255 if cell else 0 for row in matrix for cell in row))
    mask = mask.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    img = Image.new("RGB", mask.size, light)
    img.paste(dark, (0, 0, *mask.size), mask)
    return img


def supplied_code(code: Image.Image, target: int, background: RGB = WHITE) -> Image.Image:
    """A supplied code image flattened on background and scaled to fit a target x target square."""
    rgba = code.convert("RGBA")
    flat = Image.new("RGBA", rgba.size, background + (255,))
    flat.alpha_composite(rgba)
    flat = flat.convert("RGB")
    w, h = flat.size
    k = target / max(w, h)
    size = (max(1, round(w * k)), max(1, round(h * k)))
    if size == flat.size:
        return flat
    # NEAREST keeps a QR's modules sharp when it is enlarged by a whole factor; otherwise Lanczos
    whole = k >= 1 and abs(k - round(k)) < 1e-9
    return flat.resize(size, Image.Resampling.NEAREST if whole else Image.Resampling.LANCZOS)


def paste_qr(c: Canvas, data: str, box: Box, *, level: str, name: str = "qr",
             rim: RGB = GOLD_LIGHT) -> Box:
    """The QR code of data centred in box (as large as fits), framed by a thin rim just outside its
    quiet zone; records and returns the code's box as c.boxes[name]."""
    x0, y0, x1, y1 = box
    target = min(x1 - x0, y1 - y0)
    q = qr_image(data, target, level=level)
    qx = x0 + (x1 - x0 - q.width) // 2
    qy = y0 + (y1 - y0 - q.height) // 2
    c.draw.rectangle((qx - 3, qy - 3, qx + q.width + 2, qy + q.height + 2), outline=rim, width=2)
    c.img.paste(q, (qx, qy))
    c.boxes[name] = (qx, qy, qx + q.width, qy + q.height)
    return c.boxes[name]


def qr_png(data: str, *, box: int = 8, border: int = 2) -> bytes:
    """A plain black-on-white QR code as PNG bytes, `box` pixels a module (a code shown on a screen to
    be scanned, such as a Native pay link: error correction "M", a narrow quiet zone)."""
    image = qrcode.make(data, box_size=box, border=border)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
