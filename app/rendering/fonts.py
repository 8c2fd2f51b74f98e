"""The bundled fonts and what they cover: one place that loads them, for every renderer.

The faces live in fonts/ (see fonts/README.md and scripts/build_fonts.py): subset Noto Sans CJK SC,
Noto Sans (Latin, Greek, Cyrillic), Noto Sans Devanagari and Bengali, and Noto Color Emoji.
fonts/coverage.json lists the code points each face maps. Text is drawn with a *fallback chain*:
each grapheme (a character and the marks, joiners and selectors that belong to it) goes to the
first face of its weight's chain that maps all of it (emoji first to the emoji face), consecutive
graphemes of one face make a run, and runs are measured and drawn one after the other with
Pillow's raqm layout, so Devanagari and Bengali conjuncts and emoji ZWJ sequences are shaped.

`font(weight, size)` returns a `Stack`: what the renderers measure and draw with (getlength, size,
getmetrics, and `draw_text(draw, xy, text, stack, fill, anchor)`). `undrawable(text)` lists the
characters no face can draw (the name validators refuse them).
"""
from __future__ import annotations

import json
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from cachetools import LRUCache
from PIL import Image, ImageDraw, ImageFont, features

FONT_DIR = Path(__file__).resolve().parent / "fonts"
COVERAGE_FILE = FONT_DIR / "coverage.json"
EMOJI = "NotoColorEmoji.ttf"
EMOJI_PPEM = 109        # the one bitmap strike of Noto Color Emoji: FreeType loads it at this size only
EMOJI_SCALE = 0.92      # the emoji's em relative to the text's (its bitmaps are 1.17 em tall)

# The chain of each weight, in order of preference. The first face is the primary one: its metrics
# place baselines, and it draws everything it has (so Chinese and Latin look as they always did).
CHAINS = {
    "regular": ("NotoSansCJKsc-Regular.subset.otf", "NotoSans-Regular.subset.ttf",
                "NotoSansDevanagari-Regular.subset.ttf", "NotoSansBengali-Regular.subset.ttf", EMOJI),
    "bold": ("NotoSansCJKsc-Bold.subset.otf", "NotoSans-Bold.subset.ttf",
             "NotoSansDevanagari-Bold.subset.ttf", "NotoSansBengali-Bold.subset.ttf", EMOJI),
}
FONT_FILES = {name: FONT_DIR / name for chain in CHAINS.values() for name in chain}

ZWJ, ZWNJ = "\u200d", "\u200c"
VS15, VS16 = "\ufe0e", "\ufe0f"


class RaqmMissing(RuntimeError):
    """Pillow was built without libraqm: complex scripts cannot be shaped."""


def _require_raqm() -> None:
    if not features.check("raqm"):
        raise RaqmMissing("Pillow has no raqm layout (libraqm with FriBiDi and HarfBuzz): Devanagari, "
                          "Bengali and emoji sequences cannot be shaped; install the Pillow wheel "
                          "from PyPI (it bundles libraqm) or libraqm0")


# ----------------------------------------------------------------------------------------------
# Coverage
# ----------------------------------------------------------------------------------------------


def _expand(ranges: list[list[int]]) -> frozenset[int]:
    return frozenset(cp for first, last in ranges for cp in range(first, last + 1))


@lru_cache(maxsize=1)
def _doc() -> dict:
    return json.loads(COVERAGE_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def face_cmap(name: str) -> frozenset[int]:
    """The code points a bundled face maps (from coverage.json)."""
    return _expand(_doc()["faces"][name]["ranges"])


@lru_cache(maxsize=1)
def _emoji_presentation() -> frozenset[int]:
    return _expand(_doc()["emoji_presentation"])


def _is_ignorable(ch: str) -> bool:
    """Joiners, variation selectors and tag characters: shaped away, need no glyph of their own."""
    cp = ord(ch)
    return (ch in (ZWJ, ZWNJ) or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF
            or 0xE0020 <= cp <= 0xE007F)


def _is_modifier(ch: str) -> bool:
    return 0x1F3FB <= ord(ch) <= 0x1F3FF  # emoji skin tones


def _extends(ch: str, before: str) -> bool:
    """Whether ch belongs to the grapheme `before` (a skin tone only to an emoji)."""
    if _is_modifier(ch):
        return ord(before[0]) in face_cmap(EMOJI)
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or _is_ignorable(ch)


def joins_letters(text: str) -> bool:
    """Whether text has letters of a script that shaping joins (Devanagari, Bengali: conjuncts and the
    headstroke span letters). Such text is never letter-spaced: drawn grapheme by grapheme, `क्ष` would
    come apart."""
    return any(0x0900 <= ord(c) <= 0x09FF for c in text)


def graphemes(text: str) -> list[str]:
    """text split into graphemes (an approximation of UAX #29 good for names: a base character with
    its combining marks, joiners, variation selectors, skin tones and tags; what follows a ZWJ; a
    pair of regional indicators, i.e. a flag)."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if out and (_extends(ch, out[-1]) or out[-1].endswith(ZWJ)):
            out[-1] += ch
        elif (out and 0x1F1E6 <= cp <= 0x1F1FF and len(out[-1]) == 1
              and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _wants_emoji(cluster: str) -> bool:
    if VS15 in cluster:
        return False
    return (VS16 in cluster or ord(cluster[0]) in _emoji_presentation() or "\u20e3" in cluster
            or (ZWJ in cluster and any(ord(c) in _emoji_presentation() for c in cluster)))


@lru_cache(maxsize=8192)
def face_for(cluster: str, weight: str = "regular") -> str | None:
    """The face of the weight's chain that draws the grapheme: the first that maps every character
    of it except joiners and selectors (the emoji face first for an emoji). None: no face can."""
    needed = [ord(c) for c in cluster if not _is_ignorable(c)]
    if not needed:
        return None
    chain = CHAINS[weight]
    if _wants_emoji(cluster):
        chain = (EMOJI,) + tuple(n for n in chain if n != EMOJI)
    for name in chain:
        cmap = face_cmap(name)
        if all(cp in cmap for cp in needed):
            return name
    return None


def is_dropped(cluster: str) -> bool:
    """Graphemes that are never drawn and never refused: control and format characters (bidi
    controls, zero-width space, soft hyphen...), surrogates."""
    return all(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in cluster)


def is_covered(ch: str) -> bool:
    """Whether a bundled face draws the character (or grapheme) in both weights (spaces count)."""
    return ch == " " or all(face_for(ch, w) is not None for w in CHAINS)


def undrawable(text: str | None) -> list[str]:
    """The characters of text that no bundled face can draw, in order, without repeats (control and
    format characters do not count: the renderer drops them). [] when all of it draws."""
    if not text:
        return []
    bad: dict[str, None] = {}
    for cluster in graphemes(unicodedata.normalize("NFC", str(text))):
        if cluster.isspace() or is_dropped(cluster) or is_covered(cluster):
            continue
        missing = [c for c in cluster if not _is_ignorable(c)
                   and not any(ord(c) in face_cmap(n) for n in CHAINS["regular"])]
        if not missing:  # each has a face, not one face all: the marks the base's face lacks
            base = next((n for n in CHAINS["regular"] if ord(cluster[0]) in face_cmap(n)), None)
            missing = [c for c in cluster[1:] if not _is_ignorable(c)
                       and (base is None or ord(c) not in face_cmap(base))]
        for c in missing or [cluster[0]]:
            bad[c] = None
    return list(bad)


def describe(ch: str) -> str:
    """"U+E000 '\ue000'" for a message."""
    return f"U+{ord(ch):04X} '{ch}'"


# ----------------------------------------------------------------------------------------------
# Loading and measuring
# ----------------------------------------------------------------------------------------------


# Rasterised texts and advance widths, shared by every face of the process: a certificate's wording, its
# scenario's and project's names and the issuer are the same for every guest of an event, so all but the
# guest's own texts (name, kilograms, serials) are drawn from here. Bounded by the masks' pixels (one byte
# each, mode "L"); a lock, since a threaded server may render in several threads.
_MASK_BYTES = 16 * 1024 * 1024
_masks: LRUCache = LRUCache(maxsize=_MASK_BYTES, getsizeof=lambda entry: max(1, entry[0].size[0] * entry[0].size[1]))
_lengths: LRUCache = LRUCache(maxsize=65536)
_cache_lock = threading.Lock()


class CachedFace(ImageFont.FreeTypeFont):
    """A FreeTypeFont whose text masks and lengths are computed once per distinct call.

    Pillow's ImageDraw.text asks the font for a mask (getmask2: raqm layout and FreeType rasterising, most
    of a certificate's drawing) and pastes it with the ink; the mask depends only on the arguments, the
    fractional start position among them, so a cached one draws the very same pixels. Keyed by file and size,
    not by object, so a face dropped from face()'s cache and loaded again finds its entries. Colour masks
    (mode "RGBA", the emoji) are not cached: ImageDraw writes the ink's alpha into them."""

    def getmask2(self, text, mode="", direction=None, features=None, language=None, stroke_width=0,
                 anchor=None, ink=0, start=None, *args, **kwargs):
        if mode == "RGBA" or args or set(kwargs) - {"stroke_filled"}:
            return super().getmask2(text, mode, direction, features, language, stroke_width, anchor, ink, start,
                                    *args, **kwargs)
        key = (self.path, self.size, text, mode, direction, tuple(features) if features else None, language,
               stroke_width, anchor, tuple(start) if start else None, kwargs.get("stroke_filled", False))
        with _cache_lock:
            hit = _masks.get(key)
        if hit is None:
            hit = super().getmask2(text, mode, direction, features, language, stroke_width, anchor, ink, start,
                                   **kwargs)
            with _cache_lock:
                _masks[key] = hit
        return hit

    def getlength(self, text, mode="", direction=None, features=None, language=None) -> float:
        key = (self.path, self.size, text, mode, direction, tuple(features) if features else None, language)
        with _cache_lock:
            hit = _lengths.get(key)
        if hit is None:
            hit = super().getlength(text, mode, direction, features, language)
            with _cache_lock:
                _lengths[key] = hit
        return hit


@lru_cache(maxsize=512)
def face(name: str, size: int) -> ImageFont.FreeTypeFont:
    """One bundled face at a pixel size, with the raqm layout (cached: loading parses the tables).
    Loaded from its path, so FreeType reads the file as it needs it: from bytes, every size would
    hold its own copy of the 6.4 MiB CJK face. The emoji face only loads at EMOJI_PPEM."""
    _require_raqm()
    return CachedFace(str(FONT_FILES[name]), size, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=4096)
def split_runs(text: str, weight: str) -> tuple[tuple[str, str], ...]:
    """text as (face name, run) pairs: consecutive graphemes drawn by one face. Graphemes no face
    draws are left out (clean_text removes them before; this keeps a stray one from drawing)."""
    runs: list[list[str]] = []
    for cluster in graphemes(text):
        name = face_for(cluster, weight)
        if name is None:
            if cluster == " " or not cluster.strip():
                name = CHAINS[weight][0]
            else:
                continue
        if runs and runs[-1][0] == name:
            runs[-1][1] += cluster
        else:
            runs.append([name, cluster])
    return tuple((n, t) for n, t in runs)


class Stack:
    """The fallback chain of a weight at a pixel size: measures and draws mixed-script text."""

    def __init__(self, weight: str, size: int):
        if weight not in CHAINS:
            raise ValueError(f"weight must be one of {tuple(CHAINS)}, not {weight!r}")
        self.weight = weight
        self.size = size
        self.primary = face(CHAINS[weight][0], size)

    def __repr__(self) -> str:
        return f"Stack({self.weight!r}, {self.size})"

    def _face(self, name: str) -> tuple[ImageFont.FreeTypeFont, float]:
        if name == EMOJI:
            return face(EMOJI, EMOJI_PPEM), self.size * EMOJI_SCALE / EMOJI_PPEM
        return face(name, self.size), 1.0

    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        return split_runs(text, self.weight)

    def getlength(self, text: str) -> float:
        """The advance width of text (the sum of its runs', as drawn)."""
        total = 0.0
        for name, run in self.runs(text):
            f, scale = self._face(name)
            total += f.getlength(run) * scale
        return total

    def getmetrics(self) -> tuple[int, int]:
        """(ascent, descent) of the primary face."""
        return self.primary.getmetrics()

    def baseline_offset(self, vertical: str) -> float:
        """How far below a point anchored with this vertical anchor ('a', 'm', 's', 'd'...) the
        baseline is, as Pillow places it for the primary face."""
        if vertical == "s":
            return 0.0
        return float(self.primary.getbbox("中", anchor="l" + vertical)[1]
                     - self.primary.getbbox("中", anchor="ls")[1])

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, fill,
             anchor: str = "la") -> float:
        """Draw text run by run; returns its advance width."""
        runs = self.runs(text)
        if not runs:
            return 0.0
        # one face, the primary one (or on the baseline): Pillow places it exactly as it always did
        if len(runs) == 1 and runs[0][0] != EMOJI and (runs[0][0] == CHAINS[self.weight][0] or anchor[1] == "s"):
            f = face(runs[0][0], self.size)
            draw.text(xy, runs[0][1], font=f, fill=fill, anchor=anchor)
            return f.getlength(runs[0][1])
        total = self.getlength(text)
        x, y = xy
        x -= {"l": 0.0, "m": total / 2, "r": total}[anchor[0]]
        baseline = y + self.baseline_offset(anchor[1])
        for name, run in runs:
            f, scale = self._face(name)
            if name == EMOJI:
                _paste_emoji(draw, (x, baseline), run, f, scale)
            else:
                draw.text((x, baseline), run, font=f, fill=fill, anchor="ls")
            x += f.getlength(run) * scale
        return total


def _paste_emoji(draw: ImageDraw.ImageDraw, xy: tuple[float, float], run: str,
                 f: ImageFont.FreeTypeFont, scale: float) -> None:
    """Colour emoji: drawn at the strike size on a transparent layer, scaled, composited with its
    baseline on xy's."""
    left, top, right, bottom = f.getbbox(run, anchor="ls")
    layer = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((-left, -top), run, font=f, embedded_color=True, anchor="ls")
    w, h = max(1, round(layer.width * scale)), max(1, round(layer.height * scale))
    layer = layer.resize((w, h), Image.Resampling.LANCZOS)
    x, y = round(xy[0] + left * scale), round(xy[1] + top * scale)
    target = draw._image  # noqa: SLF001 - ImageDraw keeps the image it draws on here
    if target.mode == "RGBA":
        target.alpha_composite(layer, (max(0, x), max(0, y)), (max(0, -x), max(0, -y)))
    else:
        target.paste(layer.convert(target.mode), (x, y), layer.getchannel("A"))


@lru_cache(maxsize=256)
def font(weight: str, size: int) -> Stack:
    """The bundled chain of a weight ("regular" or "bold") at a pixel size (cached)."""
    return Stack(weight, size)


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, f: Stack, fill,
              anchor: str = "la") -> float:
    """ImageDraw.text for a Stack: draws text with its chain; returns the advance width."""
    return f.draw(draw, xy, text, fill, anchor)


def fonts_ok() -> bool:
    """Whether raqm is there, the bundled faces and their coverage file load, and each weight draws
    a Chinese, a Devanagari and a Bengali character and an emoji."""
    try:
        _require_raqm()
        for name in FONT_FILES:
            if not face_cmap(name):
                return False
        for weight in CHAINS:
            f = font(weight, 24)
            for sample in ("中", "क्ष", "ক্ষ", "🌱"):
                img = Image.new("RGB", (80, 40), (255, 255, 255))
                f.draw(ImageDraw.Draw(img), (4, 30), sample, (0, 0, 0), "ls")
                if img.convert("L").getextrema()[0] > 200:  # ink (the emoji is light green)
                    return False
        return True
    except Exception:  # noqa: BLE001 - a health probe: any failure means "not ok"
        return False
