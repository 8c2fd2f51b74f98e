"""The message catalogue itself: the six languages, the .po files read once, the fallback rule, and the
helpers that pick a text in a language. No Flask: the pure renderers (app.rendering) read their wording
here, as they read their fonts; app.i18n adds the request's language on top (negotiation, `translate`
with the request's language by default, error and validation messages, template helpers).
"""
from __future__ import annotations

import os
from functools import cache, lru_cache

LANGUAGES: tuple[str, ...] = ("zh", "en", "fr", "hi", "bn", "sw")
DEFAULT_LANGUAGE = "zh"
#: Languages written in the Latin script: their missing messages fall back to English, others' to Chinese.
LATIN_SCRIPT = frozenset({"en", "fr", "sw"})
TRANSLATIONS_DIR = os.path.join(os.path.dirname(__file__), "translations")


def N_(msgid: str) -> str:
    """Mark a msgid for extraction where it is translated later (`translate(MESSAGES[code], lang)`)."""
    return msgid


def keyed(context: str, msgid: str) -> tuple[str, str]:
    """(key, English msgid) of a message whose context is `<group>:<key>` (Babel keyword `keyed:1c,2`):
    `dict([keyed("certificate:title", "Certificate of Carbon Neutrality"), ...])` declares a group's
    wording by key, and `translate(msgid, lang, f"certificate:{key}")` reads it."""
    return context.split(":", 1)[1], msgid


@cache
def catalogue(lang: str) -> dict[tuple[str | None, str], str]:
    """{(msgctxt, msgid): msgstr} of one language's .po file (fuzzy and empty entries left out)."""
    from babel.messages.pofile import read_po

    path = os.path.join(TRANSLATIONS_DIR, lang, "LC_MESSAGES", "messages.po")
    if not os.path.exists(path):
        return {}
    with open(path, "rb") as f:
        cat = read_po(f, locale=lang if lang != "zh" else "zh_Hans")
    out: dict[tuple[str | None, str], str] = {}
    for m in cat:
        if not m.id or m.fuzzy or isinstance(m.id, tuple):
            continue
        if m.string:
            out[(m.context, m.id)] = m.string
    return out


def fallback_chain(lang: str) -> tuple[str, ...]:
    """The languages looked in, in order: the language, then English (Latin script) or Chinese."""
    lang = normalise(lang) or DEFAULT_LANGUAGE
    if lang == "en":
        return ("en",)
    if lang == "zh":
        return ("zh", "en")
    return (lang, "en") if lang in LATIN_SCRIPT else (lang, "zh", "en")


@lru_cache(maxsize=16384)
def lookup(msgid: str, lang: str, context: str | None = None) -> str | None:
    """The translation of `msgid` in `lang` after the fallback rule; None when no language has it.
    Cached (bounded): a footprint's answer translates its labels and units thirty-odd times, the same
    ones for every guest."""
    for candidate in fallback_chain(lang):
        found = catalogue(candidate).get((context, msgid))
        if found:
            return found
    return None


def translate(msgid: str, lang: str, context: str | None = None, **params) -> str:
    """`msgid` in `lang`, `{name}` placeholders filled from `params`: what the renderers call
    (`translate("Revoked on {date}", "fr", "certificate:revoked_on", date=...)`). An unknown msgid comes
    back as itself (English), formatted."""
    text = lookup(msgid, lang, context) or msgid
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder
            return msgid.format(**params)
    return text


def pgettext(context: str, msgid: str, lang: str, **params) -> str:
    return translate(msgid, lang, context, **params)


def normalise(tag: str | None) -> str | None:
    """'fr-FR' -> 'fr', 'zh_Hans_CN' -> 'zh', 'SW' -> 'sw'; None for a language we do not speak."""
    if not tag or not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def zh_or_en(lang: str) -> str:
    """For texts kept in Chinese and English only (scenario `title`/`title_en`): the fallback rule's pick."""
    return "en" if lang in LATIN_SCRIPT else "zh"


def pick(zh_text, en_text, lang: str):
    """A `x` / `x_en` pair in `lang`: the English one for a Latin-script language when there is one."""
    return (en_text or zh_text) if zh_or_en(lang) == "en" else zh_text


def pick_text(given: dict[str, str | None], lang: str) -> str | None:
    """A text given in several languages ({code: text}), in `lang` after the fallback rule; the Chinese one
    (always given) when no language on the way has it."""
    for candidate in fallback_chain(lang):
        if given.get(candidate):
            return given[candidate]
    return given.get("zh")


def _section_names(lang: str) -> dict[str, str]:
    """A claim's sections (app.domain.claims.SECTIONS) as its sentence names them."""
    return {"travel": pgettext("claim", "travel", lang), "stay": pgettext("claim", "accommodation", lang),
            "meal": pgettext("claim", "meals", lang), "energy": pgettext("claim", "household energy", lang),
            "diet": pgettext("claim", "diet", lang)}


def covers_phrase(sections, lang: str) -> str:
    """The sections a claim covers as one phrase in `lang`: "travel, accommodation and meals"."""
    named = _section_names(lang)
    names = [named[s] for s in sections]
    if len(names) <= 1:
        return "".join(names)
    return pgettext("claim", "{items} and {last}", lang, items=pgettext("claim", ", ", lang).join(names[:-1]),
                    last=names[-1])
