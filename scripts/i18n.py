"""The catalogue's upkeep (`make i18n`): extract, update the six .po files, write the pages' JSON.

    python scripts/i18n.py            # all three steps (what `make i18n` runs)
    python scripts/i18n.py json       # only app/static/i18n/<lang>.json from the .po files
    python scripts/i18n.py check      # exit 1 when the JSON files are not what the .po files give

English is the source language: msgids are the English texts, and `en` gets each new msgid as its
msgstr (a translator may reword English there without touching any id). The other languages get the
new msgids untranslated; tests/unit/test_i18n_catalogue.py lists what is left per language.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from babel.messages.pofile import read_po, write_po  # noqa: E402

TRANSLATIONS = os.path.join(ROOT, "app", "translations")
POT = os.path.join(TRANSLATIONS, "messages.pot")
JSON_DIR = os.path.join(ROOT, "app", "static", "i18n")
KEYWORDS = ["N_", "ui:1c,2", "keyed:1c,2", "_l:1,1t", "_l:1,2c,2t", "coded:1", "pgettext:1c,2",
            "translate:1", "_:1"]


def po_path(lang: str) -> str:
    return os.path.join(TRANSLATIONS, lang, "LC_MESSAGES", "messages.po")


def extract() -> None:
    pybabel = os.path.join(os.path.dirname(sys.executable), "pybabel")
    args = [pybabel, "-q", "extract", "-F", os.path.join(ROOT, "babel.cfg"), "--no-location", "--omit-header",
            "--sort-output", "-o", POT]
    for k in KEYWORDS:
        args += ["-k", k]
    subprocess.run(args + [ROOT], check=True, cwd=ROOT)


def update() -> None:
    from app.i18n import LANGUAGES

    for lang in LANGUAGES:
        # A fresh template per language: Catalog.update() adopts the template's new Message objects, so a
        # shared template would carry English's msgstr (set below) into every language updated after it.
        with open(POT, "rb") as f:
            template = read_po(f)
        path = po_path(lang)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            with open(path, "rb") as f:
                catalog = read_po(f, locale=_locale(lang))
        else:
            from babel.messages.catalog import Catalog
            catalog = Catalog(locale=_locale(lang), project="Diandian")
        catalog.update(template, no_fuzzy_matching=True)
        if lang == "en":
            for m in catalog:
                if m.id and not m.string:
                    m.string = m.id
        catalog.obsolete.clear()
        with open(path, "wb") as f:
            write_po(f, catalog, omit_header=False, no_location=True, sort_output=True, width=110)


def _locale(lang: str) -> str:
    return "zh_Hans" if lang == "zh" else lang


def pages_json() -> dict[str, str]:
    """{path: text} of every page's JSON, as the .po files give it now (fallback rule applied)."""
    from app.i18n import LANGUAGES, catalogue, lookup, translate
    from app.ui_strings import PAGES

    catalogue.cache_clear()
    lookup.cache_clear()
    out = {}
    for lang in LANGUAGES:
        strings = {}
        for page, entries in PAGES.items():
            strings[page] = {key: translate(msgid, lang, f"{page}:{key}") for key, msgid in entries.items()}
        out[os.path.join(JSON_DIR, f"{lang}.json")] = json.dumps(
            {"lang": lang, **strings}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return out


def write_json() -> None:
    os.makedirs(JSON_DIR, exist_ok=True)
    for path, text in pages_json().items():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def check() -> int:
    stale = [p for p, text in pages_json().items()
             if not os.path.exists(p) or open(p, encoding="utf-8").read() != text]
    for p in stale:
        print(f"stale: {os.path.relpath(p, ROOT)} (run `make i18n`)")
    return 1 if stale else 0


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else "all"
    if step == "check":
        sys.exit(check())
    if step in ("all", "extract"):
        extract()
    if step in ("all", "update"):
        update()
    if step in ("all", "json"):
        write_json()
