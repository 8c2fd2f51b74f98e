"""The certificate of honour (碳中和荣誉证书): a PNG a guest saves and shares to their WeChat feed.

Pure code: CertificateData in, PNG bytes out (no Flask, no database, no network, no clock).

* Fonts: the faces bundled in app/rendering/fonts/ (Noto Sans CJK SC, Noto Sans, Devanagari,
  Bengali, Color Emoji; see its README.md and scripts/build_fonts.py), drawn per grapheme through a
  fallback chain with the raqm layout (fonts.py). Every text drawn goes through clean_text(), which
  keeps everything a face draws and drops only control and format characters (and what no face has:
  the name validators refuse that before it is stored); the subsets' .notdef is empty besides, so a
  coverage bug draws a gap, not a box. A holder name left empty becomes "点点用户" / "Diandian guest".
* Deterministic: the same input gives the same bytes (fixed sizes, one text layout (raqm), no
  randomness, no time, PNG without metadata at a fixed compression level).
* Variants: "portrait" 1080x1620 (2:3, for the social feed) and "card" 1000x800 (5:4, for chat share
  cards). lang: any of the catalogue's six (app.catalogue.LANGUAGES); the wording is the catalogue's
  (context "certificate:<key>"), the scenario's and project's texts come in that language already.
  A revoked certificate is greyed and stamped "已撤销" and "REVOKED" (in its language) in red.

This package's entry point (checks, render_certificate, layout). Its parts: content.py (CertificateData,
the wording, the texts derived from the data), elements.py (the kilogram figure, the revoked stamp),
portrait.py and card.py (the two layouts); the toolkit shared with the poster is one level up:
palette.py, fonts.py, text.py, qr.py, ornaments.py, canvas.py.
"""
from __future__ import annotations

from app.catalogue import LANGUAGES
from app.rendering.canvas import Box, Canvas, png_bytes
from app.rendering.certificate.card import CARD_SIZE, draw_card
from app.rendering.certificate.content import CertificateData, summarise_serials
from app.rendering.certificate.portrait import PORTRAIT_SIZE, draw_portrait
from app.rendering.fonts import fonts_ok, is_covered
from app.rendering.text import clean_text

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

LANGS = LANGUAGES
VARIANTS = ("portrait", "card")


def _check(data: CertificateData, lang: str, variant: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    if data.status not in ("valid", "revoked"):
        raise ValueError(f"status must be 'valid' or 'revoked', not {data.status!r}")
    if data.subject not in ("event", "visit", "life", "organizer"):
        raise ValueError(f"subject must be 'event', 'visit', 'life' or 'organizer', not {data.subject!r}")
    if not data.verify_url:
        raise ValueError("verify_url is required (the QR code encodes it)")


def _render(data: CertificateData, lang: str, variant: str) -> Canvas:
    _check(data, lang, variant)
    return draw_portrait(data, lang) if variant == "portrait" else draw_card(data, lang)


def layout(data: CertificateData, lang: str = "zh", variant: str = "portrait") -> dict[str, Box]:
    """The named boxes (left, top, right, bottom) of a render: holder (the slot the name is drawn
    in), kg, qr, title, serial, ... and stamp when revoked. For tests and previews."""
    return dict(_render(data, lang, variant).boxes)


def render_certificate(data: CertificateData, *, lang: str = "zh", variant: str = "portrait") -> bytes:
    """PNG bytes. lang: one of LANGS; variant: "portrait" (1080x1620, for the feed) | "card"
    (1000x800, 5:4, for chat share cards). Deterministic: same input, same bytes."""
    return png_bytes(_render(data, lang, variant).img)
