"""The staff console's texts all come from the catalogue: its JavaScript (app/static/console/*.js) writes no
Chinese outside comments, and every key it asks for (pair("…"), both("…"), field({key: "…"}) …) is one of
app/ui_strings.py's CONSOLE keys, so a new inline literal or a mistyped key cannot come back unnoticed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.ui_strings import CONSOLE

CONSOLE_JS = sorted((Path(__file__).resolve().parents[2] / "app" / "static" / "console").glob("*.js"))
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# The helpers that take a key (app/static/console/i18n.js and ui.js), and field({key: "…"}).
KEY_CALL = re.compile(r"\b(?:pair|zh|en|both|dotted|inline|withEn)\(\s*([\"'`])((?:(?!\1).)*)\1")
FIELD_KEY = re.compile(r"\bfield\(\{\s*key:\s*([\"'`])((?:(?!\1).)*)\1")
# A regular expression literal may start after these (otherwise `/` divides).
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}


def without_comments(source: str) -> str:
    """The source with // and /* */ comments blanked (strings, template literals and regexes kept)."""
    out: list[str] = []
    i, n = 0, len(source)
    last = ""  # the last significant character outside comments
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j
            continue
        if source.startswith("/*", i):
            j = source.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
            continue
        if c in "\"'`" or (c == "/" and last in REGEX_BEFORE):
            j = i + 1
            in_class = False
            while j < n:
                d = source[j]
                if d == "\\":
                    j += 2
                    continue
                if c == "/" and d == "[":
                    in_class = True
                elif c == "/" and d == "]":
                    in_class = False
                elif d == c and not in_class:
                    break
                elif c != "`" and d == "\n":
                    break
                j += 1
            out.append(source[i:j + 1])
            last = c
            i = j + 1
            continue
        out.append(c)
        if not c.isspace():
            last = c
        i += 1
    return "".join(out)


def test_the_comment_stripper_keeps_strings_and_regexes():
    code = 'const a = "http://x"; // 注释\n/* 注释 */ const r = /\\{(\\w+)\\}/g; const t = `a ${b} // c`;'
    kept = without_comments(code)
    assert "注释" not in kept
    assert '"http://x"' in kept and "/\\{(\\w+)\\}/g" in kept and "`a ${b} // c`" in kept


@pytest.mark.parametrize("path", CONSOLE_JS, ids=lambda p: p.name)
def test_no_chinese_literal_outside_comments(path):
    code = without_comments(path.read_text(encoding="utf-8"))
    found = [line.strip() for line in code.splitlines() if CJK.search(line)]
    assert not found, f"{path.name}: ask the catalogue (app/ui_strings.py CONSOLE, i18n.js pair()) for: {found}"


@pytest.mark.parametrize("path", CONSOLE_JS, ids=lambda p: p.name)
def test_every_key_the_console_asks_for_is_in_the_catalogue(path):
    code = without_comments(path.read_text(encoding="utf-8"))
    unknown = []
    for match in [*KEY_CALL.finditer(code), *FIELD_KEY.finditer(code)]:
        quote, key = match.groups()
        if quote == "`" and "${" in key:  # a key built from a prefix: some key must have it
            prefix = key.split("${", 1)[0]
            if not any(k.startswith(prefix) for k in CONSOLE):
                unknown.append(key)
        elif key not in CONSOLE:
            unknown.append(key)
    assert not unknown, f"{path.name}: not in app/ui_strings.py CONSOLE: {unknown}"
