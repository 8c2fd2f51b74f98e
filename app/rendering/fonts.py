"""The bundled fonts and what they cover: one place that loads them, for every renderer.

The faces are subset Noto Sans CJK SC (see fonts/README.md and scripts/build_fonts.py);
fonts/coverage.json lists the code points both faces have, so text can drop what would draw as a
missing glyph (see text.clean_text).
"""
from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {
    "regular": FONT_DIR / "NotoSansCJKsc-Regular.subset.otf",
    "bold": FONT_DIR / "NotoSansCJKsc-Bold.subset.otf",
}
COVERAGE_FILE = FONT_DIR / "coverage.json"


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
