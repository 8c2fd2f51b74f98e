"""Text as the renderers draw it: cleaned (control characters out, everything drawable kept),
broken into lines, shrunk to fit (cut with an ellipsis only past the last line allowed at the
smallest size), and the dates and numbers they print.

Everything is measured with the bundled fonts' fallback chains (fonts.font: a Stack, raqm layout),
grapheme by grapheme, so the same text always breaks and fits the same way and no line break or
cut ever splits a conjunct or an emoji sequence.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from babel import dates as babel_dates

from app.rendering.fonts import Stack, font, graphemes, is_covered, is_dropped, joins_letters

SEP = "·"  # full-width in the CJK font: it brings its own spacing

_SPACE_RE = re.compile(r"\s+")
_CLOSING = set("，。、；：？！）」』】》〉〕’”,.;:?!)]}…%·")
_OPENING = set("（「『【《〈〔‘“([{")


#: The CLDR locale each language's dates are written in (British English: day, month, year).
DATE_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB", "fr": "fr", "hi": "hi", "bn": "bn", "sw": "sw"}


def format_date(d: date, lang: str) -> str:
    """A date as the language writes it in full: "2021年9月7日", "7 September 2021", "7 septembre 2021"."""
    return babel_dates.format_date(d, "long", locale=DATE_LOCALES.get(lang, "en_GB"))


def format_kg(kg: int) -> str:
    return f"{int(kg):,}"


def clean_text(text: str | None, fallback: str = "") -> str:
    """What is drawn: NFC, whitespace runs as one space, no control or format characters (bidi
    controls, zero-width spaces; but the ZWJ/ZWNJ and variation selectors inside a grapheme stay:
    emoji sequences, Indic conjuncts). Every grapheme a bundled face draws is kept; one none draws
    (private use, unassigned: the name validators refuse those) is left out. Empty -> fallback."""
    if not text:
        return fallback
    text = unicodedata.normalize("NFC", str(text))
    out = []
    for cluster in graphemes(text):
        if cluster.isspace():
            out.append(" ")
        elif is_dropped(cluster):
            continue
        elif unicodedata.category(cluster[0]) in ("Cc", "Cf", "Cs"):
            # a format character carrying marks: keep what follows it if it draws
            rest = "".join(c for c in cluster[1:] if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
            if rest and is_covered(rest):
                out.append(rest)
        elif is_covered(cluster):
            out.append(cluster)
    cleaned = _SPACE_RE.sub(" ", "".join(out)).strip()
    return cleaned or fallback


def is_wide(ch: str) -> bool:
    """Whether the character is full-width (CJK): lines break around it, "…" follows it."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Break opportunities: between CJK characters, at spaces, never before a closing or after an
    opening punctuation mark. Spaces come back as " " tokens."""
    raw: list[str] = []
    word = ""
    for ch in graphemes(text):
        if ch == " ":
            if word:
                raw.append(word)
                word = ""
            raw.append(" ")
        elif is_wide(ch[0]):
            if word:
                raw.append(word)
                word = ""
            raw.append(ch)
        else:
            word += ch
    if word:
        raw.append(word)
    merged: list[str] = []
    carry = ""
    for tok in raw:
        if tok == " ":
            if carry:
                merged.append(carry)
                carry = ""
            merged.append(tok)
        elif tok[0] in _CLOSING and merged and merged[-1] != " " and not carry:
            merged[-1] += tok
        elif tok[-1] in _OPENING and len(tok) == 1:
            carry += tok
        else:
            merged.append(carry + tok)
            carry = ""
    if carry:
        merged.append(carry)
    return merged


def ellipsize(text: str, f: Stack, width: float) -> str:
    """text, cut to width with an ellipsis: "…" after CJK (the font's is full-width), "..." after
    Latin."""
    if f.getlength(text) <= width:
        return text
    clusters = graphemes(text)
    while clusters:
        clusters.pop()
        text = "".join(clusters).rstrip()
        mark = "…" if text and is_wide(text[-1]) else "..."
        if f.getlength(text + mark) <= width:
            return text + mark
    return ""


def wrap(text: str, f: Stack, width: float, max_lines: int | None = None) -> list[str]:
    """Greedy line breaking measured with the font; the last allowed line ends in "…" if cut."""
    lines: list[str] = []
    cur = ""
    for tok in _tokens(text):
        if tok == " ":
            if cur:
                cur += " "
            continue
        if f.getlength((cur + tok).rstrip()) <= width:
            cur += tok
            continue
        if cur.strip():
            lines.append(cur.rstrip())
            cur = ""
        while f.getlength(tok) > width:  # a word wider than the line: break it between graphemes
            parts = graphemes(tok)
            if len(parts) < 2:
                break
            cut = len(parts) - 1
            while cut > 1 and f.getlength("".join(parts[:cut])) > width:
                cut -= 1
            lines.append("".join(parts[:cut]))
            tok = "".join(parts[cut:])
        cur = tok
    if cur.strip():
        lines.append(cur.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1:]) if not is_wide(lines[max_lines - 1][-1:] or "a") \
            else "".join(lines[max_lines - 1:])
        lines = lines[:max_lines - 1] + [ellipsize(rest, f, width)]
    return lines


def fit_size(text: str, weight: str, max_size: int, min_size: int, width: float) -> int:
    """The largest size in [min_size, max_size] at which text fits width (min_size if none)."""
    length = font(weight, max_size).getlength(text)
    if length <= width:
        return max_size
    size = max(min_size, int(width * max_size / length))  # advances scale about linearly
    while size > min_size and font(weight, size).getlength(text) > width:
        size -= 1
    return size


def fit_lines(text: str, weight: str, max_size: int, min_size: int, width: float,
              max_lines: int, step: int = 2) -> tuple[list[str], Stack]:
    """A title: wrapped at the largest size in [min_size, max_size] (by step) at which it takes at
    most max_lines; cut with an ellipsis at min_size only if even that needs more lines."""
    for s in range(max_size, min_size - 1, -step):
        f = font(weight, s)
        lines = wrap(text, f, width)
        if len(lines) <= max_lines:
            return lines, f
    f = font(weight, min_size)
    return wrap(text, f, width, max_lines=max_lines), f


def fit_name(name: str, width: float, max_size: int, min_one: int, max_two: int,
             min_two: int) -> tuple[list[str], Stack]:
    """A name in bold on one line (max_size down to min_one), else on two (max_two down to
    min_two), else two lines with an ellipsis."""
    size = fit_size(name, "bold", max_size, min_one, width)
    f = font("bold", size)
    if f.getlength(name) <= width:
        return [name], f
    for s in range(max_two, min_two - 1, -3):
        f = font("bold", s)
        lines = wrap(name, f, width)
        if len(lines) <= 2:
            return lines, f
    f = font("bold", min_two)
    return wrap(name, f, width, max_lines=2), f


def name_baselines(n: int, f: Stack, mid: float) -> list[float]:
    """Baselines of n name lines whose block is centred on mid (CJK glyphs centre ~0.38 em above
    the baseline)."""
    lh = f.size * 1.22
    first = mid - (n - 1) * lh / 2 + f.size * 0.38
    return [first + i * lh for i in range(n)]


def tracked_width(text: str, f: Stack, tracking: float) -> float:
    """The advance of text drawn with tracking between characters (as Canvas.text draws it)."""
    if joins_letters(text):
        return f.getlength(text)
    parts = graphemes(text)
    return sum(f.getlength(ch) for ch in parts) + tracking * max(0, len(parts) - 1)
