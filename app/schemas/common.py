"""Shared field helpers for request and response schemas."""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from app.i18n import N_
from app.jsonutil import isoformat
from app.rendering.fonts import describe, undrawable
from app.schemas.messages import coded

TENTH = Decimal("0.1")

# -- text typed by people -----------------------------------------------------------------------------------

ZWNJ, ZWJ, VS15, VS16, KEYCAP, BLACK_FLAG, CANCEL_TAG = "\u200c", "\u200d", "\ufe0e", "\ufe0f", "\u20e3", \
    "\U0001f3f4", "\U000e007f"
# Invisible although not Unicode "format" characters: the combining grapheme joiner, Hangul fillers, Khmer
# inherent vowels, Mongolian free variation selectors, the braille blank, and variation selectors 1-14.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0") | \
    frozenset(chr(c) for c in range(0xFE00, 0xFE0E))
# Extended_Pictographic, near enough (Python's unicodedata does not carry the emoji properties): the
# emoji blocks (regional indicators and skin-tone modifiers included) and the older symbols with an
# emoji presentation.
_PICTOGRAPHIC = ((0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
                 (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
                 (0x2388, 0x2388), (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
                 (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x27BF),
                 (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
                 (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1FAFF),
                 (0x1FC00, 0x1FFFD))
_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_CJK = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def _within(ch: str, ranges) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in ranges)


def _emoji_base(ch: str) -> bool:
    return _within(ch, _PICTOGRAPHIC)


def _keep_format(text: str, i: int, prev: str) -> bool:
    """Whether the invisible character at text[i] does a job where it stands (prev: the last kept character)."""
    ch = text[i]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    virama = bool(prev) and unicodedata.combining(prev) == 9
    if ch == ZWJ:  # 👨‍👩‍👧, ❤️‍🔥, 🧑🏽‍💻; and Indic conjuncts after a virama
        return virama or (bool(prev) and (_emoji_base(prev) or prev == VS16) and bool(nxt) and _emoji_base(nxt))
    if ch == ZWNJ:  # Indic after a virama; Persian between two Arabic-script letters (می‌خواهم)
        return virama or (bool(prev) and bool(nxt) and _within(prev, _ARABIC) and _within(nxt, _ARABIC))
    if ch in (VS15, VS16):  # ❤️, and the keycaps 1️⃣ #️⃣ (base, VS16, U+20E3)
        return bool(prev) and (_emoji_base(prev) or (prev in "0123456789#*" and nxt == KEYCAP))
    if 0xE0100 <= ord(ch) <= 0xE01EF:  # ideographic variation sequences (a name's exact glyph)
        return bool(prev) and _within(prev, _CJK)
    return False


def clean_text(value, *, keep_controls: bool = False):
    """The one cleaner of names people type (nicknames, beneficiaries, organisations, scenario titles and
    venues, door labels, staff names, bank references and notes).

    NFC; Unicode format characters (zero-width spaces, bidi controls, soft hyphen, BOM, invisible
    operators, tag characters) and other invisible ones (Hangul fillers, variation selectors where they
    select nothing) are removed, but the joiners sequences need are kept: ZWJ between emoji (👨‍👩‍👧),
    VS16 after an emoji (❤️) and in keycaps (1️⃣), the tag sequence of a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿), ZWJ and
    ZWNJ after a virama (Indic) and ZWNJ between Arabic-script letters (Persian); flags (🇨🇳) are visible
    characters already. Whitespace runs and line breaks become one space and the ends are trimmed;
    other control characters are dropped, or with keep_controls left for a validator to refuse.
    Empty -> None. Not a str -> returned unchanged (the field's type check reports it).
    """
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value)
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        category = unicodedata.category(ch)
        if ch == BLACK_FLAG:  # 🏴 followed by tag letters and CANCEL TAG: a subdivision flag, kept whole
            j = i + 1
            while j < len(text) and 0xE0020 <= ord(text[j]) <= 0xE007E:
                j += 1
            if j > i + 1 and j < len(text) and text[j] == CANCEL_TAG:
                out.append(text[i:j + 1])
                i = j + 1
                continue
            out.append(ch)
        elif category == "Cc":
            if keep_controls:
                out.append(ch)
            elif ch.isspace():
                out.append(" ")
        elif ch.isspace():
            out.append(" ")
        elif category in ("Cf", "Cs") or ch in _INVISIBLE or 0xFE0E <= ord(ch) <= 0xFE0F \
                or 0xE0100 <= ord(ch) <= 0xE01EF:
            if _keep_format(text, i, out[-1][-1] if out else ""):
                out.append(ch)
        else:
            out.append(ch)
        i += 1
    cleaned = _SPACES.sub(" ", "".join(out)).strip(" ")
    if keep_controls:
        cleaned = cleaned.strip()
    return cleaned or None


_SPACES = re.compile(r" {2,}")


class Drawable(validate.Validator):
    """A name that is drawn (on a certificate or a poster) must be drawable with the bundled fonts: a
    character no bundled face has (private use, unassigned, a script or rare hanzi the fonts lack) is
    refused, naming it, rather than dropped from the picture (app.rendering.fonts.undrawable)."""

    def __call__(self, value):
        if isinstance(value, str):
            bad = undrawable(value)
            if bad:
                raise ValidationError(coded("{chars} cannot be printed on a certificate.", "undrawable",
                                            chars=", ".join(describe(c) for c in bad)))
        return value


#: The one validator of every drawn name field (nickname, beneficiary, organisation, scenario texts).
DRAWABLE = Drawable()


class CleanTextSchema(Schema):
    """A request schema whose text fields named in CLEAN_TEXT (by their keys in the request) pass through
    clean_text before validation, those in KEEP_CONTROLS with keep_controls (a validator refuses them).
    Text that cleans to nothing is None where the field allows None, else "" (its length check says so)."""

    CLEAN_TEXT: tuple[str, ...] = ()
    KEEP_CONTROLS: tuple[str, ...] = ()

    @pre_load
    def _clean_text(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        by_key = {field.data_key or name: field for name, field in self.load_fields.items()}
        out = dict(data)
        for key in (*self.CLEAN_TEXT, *self.KEEP_CONTROLS):
            field = by_key.get(key)
            if field is not None and isinstance(out.get(key), str):
                cleaned = clean_text(out[key], keep_controls=key in self.KEEP_CONTROLS)
                out[key] = cleaned if cleaned is not None else (None if field.allow_none else "")
        return out


#: Row ids are INTEGER columns (and the path converter's bound, app.routes): a larger id names nothing.
MAX_ROW_ID = 2**31 - 1
#: Amounts (kilometres, kWh, kilograms) a person types: at most this many decimal places, and below 10^15.
DECIMAL_PLACES = 6
MAX_ADJUSTED_EXPONENT = 15


class Amount(fields.Decimal):
    """A decimal quantity from a request, exact (Decimal, never a float) and sane before any arithmetic:
    no NaN or infinity, at most DECIMAL_PLACES decimal places (1e-30 km is refused, 25.500000000 is fine),
    nothing at or above 10^15 ("1e999999999"). Only the digits and exponent are looked at, so no context
    operation can overflow or run for long on an absurd exponent."""

    default_error_messages = {
        "places": coded("At most {n} decimal places.", "decimal_places", n=DECIMAL_PLACES),
        "absurd": N_("Not a valid number (too many digits or an absurd exponent)."),
    }

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if number is None or not number.is_finite():
            return number
        _sign, digits, exponent = number.as_tuple()
        significant = len(digits)
        while significant > 1 and digits[significant - 1] == 0 and exponent < 0:  # 25.5000 is 25.5
            significant -= 1
            exponent += 1
        if not any(digits):
            return Decimal(0)
        if exponent < -DECIMAL_PLACES:
            raise self.make_error("places")
        if exponent + significant - 1 > MAX_ADJUSTED_EXPONENT:
            raise self.make_error("absurd")
        return number


class Pattern(validate.Regexp):
    """validate.Regexp that must match the whole value: `$` alone lets "CODE\n" through."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def round_kg(value) -> Decimal | None:
    """Kilograms for display: one decimal, half up. Computations keep full precision."""
    if value is None:
        return None
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


class DateTimeUTC(fields.Field):
    """ISO 8601 with an offset, also for the naive UTC values SQLite returns."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


def page_query(*, limit: int = 20, max_limit: int = 100, max_offset: int = 100_000) -> type[Schema]:
    """`?offset=&limit=` of a paged list, with that list's bounds; list filters subclass it.

    Every paged list answers `{"data": [...], "pagination": {"offset", "limit", "total"}}`.
    """
    return Schema.from_dict({
        "offset": fields.Integer(load_default=0, validate=validate.Range(min=0, max=max_offset)),
        "limit": fields.Integer(load_default=limit, validate=validate.Range(min=1, max=max_limit)),
    }, name="PageQuerySchema")
