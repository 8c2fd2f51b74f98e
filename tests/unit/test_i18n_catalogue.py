"""The one catalogue (app/translations/<lang>/LC_MESSAGES/messages.po): complete in zh and en, what is
left per language, placeholders kept, the pages' JSON generated from it, the fallback rule."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n import LANGUAGES, MESSAGES, catalogue, fallback_chain, lookup, normalise, translate
from app.ui_strings import PAGES

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)")


def _po(lang: str):
    with open(ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def _template():
    with open(ROOT / "app" / "translations" / "messages.pot", "rb") as f:
        return read_po(f)


def untranslated(lang: str) -> list[str]:
    """The template's messages this language has no (non-fuzzy) translation for."""
    have = catalogue(lang)
    return [f"{m.context + ' | ' if m.context else ''}{m.id}" for m in _template()
            if m.id and (m.context, m.id) not in have]


def test_untranslated_messages_per_language(capsys):
    """Lists what each language lacks (printed with -s); Chinese and English must lack nothing."""
    counts = {lang: untranslated(lang) for lang in LANGUAGES}
    total = sum(1 for m in _template() if m.id)
    with capsys.disabled():
        print(f"\nuntranslated of {total}: " + ", ".join(f"{lang} {len(left)}" for lang, left in counts.items()))
        for lang, left in counts.items():
            for msgid in left:
                print(f"  {lang}: {msgid}")
    assert counts["zh"] == [] and counts["en"] == []


def test_every_po_file_has_the_templates_messages_and_no_others():
    wanted = {(m.context, m.id) for m in _template() if m.id}
    for lang in LANGUAGES:
        have = {(m.context, m.id) for m in _po(lang) if m.id}
        assert have == wanted, f"{lang}: run `make i18n`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_only_the_msgids_placeholders(lang):
    """A translation may drop a placeholder (a shorter sentence) but never invent one: str.format would fail."""
    for (context, msgid), text in catalogue(lang).items():
        assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(msgid)), (lang, context, msgid, text)


def test_every_error_code_has_a_message_in_every_language():
    for lang in ("zh", "en"):
        for code, msgid in MESSAGES.items():
            assert lookup(msgid, lang), (lang, code)


def test_the_pages_json_is_what_the_catalogue_gives():
    """app/static/i18n/<lang>.json are generated (`make i18n`): they must match the .po files."""
    rv = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"], capture_output=True, text=True)
    assert rv.returncode == 0, rv.stdout + rv.stderr


def test_every_preview_key_is_in_the_catalogue():
    for page, entries in PAGES.items():
        for key, msgid in entries.items():
            assert lookup(msgid, "zh", f"{page}:{key}"), key


def test_fallback_rule():
    """Latin script (fr, sw) falls back to English, other scripts (hi, bn) to Chinese; zh to English."""
    assert fallback_chain("fr") == ("fr", "en")
    assert fallback_chain("sw") == ("sw", "en")
    assert fallback_chain("hi") == ("hi", "zh", "en")
    assert fallback_chain("bn") == ("bn", "zh", "en")
    assert fallback_chain("zh") == ("zh", "en")
    assert fallback_chain("en") == ("en",)


def test_a_missing_translation_follows_the_rule(monkeypatch):
    from app import catalogue as i18n  # where lookup reads the .po files

    real = i18n.catalogue
    msgid = MESSAGES["scenario_not_found"]

    def without(lang):
        found = dict(real(lang))
        if lang in ("fr", "sw", "hi", "bn"):
            found.pop((None, msgid), None)
        return found

    monkeypatch.setattr(i18n, "catalogue", without)
    i18n.lookup.cache_clear()  # its answers came from the real catalogue
    assert translate(msgid, "fr") == translate(msgid, "sw") == "No such scenario."
    assert translate(msgid, "hi") == translate(msgid, "bn") == "找不到该场景"
    assert translate("A msgid nobody translated {n}", "bn", n=3) == "A msgid nobody translated 3"
    i18n.lookup.cache_clear()  # and these from the patched one


def test_regional_tags():
    assert [normalise(t) for t in ("zh-CN", "zh_Hans", "fr-FR", "en-GB", "sw-KE", "hi-IN", "bn-BD", "de", "", None)] \
        == ["zh", "zh", "fr", "en", "sw", "hi", "bn", None, None, None]


def test_units_read_naturally():
    from app.schemas.guest.footprints import unit_label

    assert unit_label("passenger.km", "zh") == "人·公里"
    assert unit_label("room.night", "zh") == "间·夜"
    assert unit_label("passenger.km", "en") == "passenger-km"
    assert unit_label("room.night", "fr") == "chambre·nuit"
