#!/usr/bin/env python3
"""Build the fonts bundled under app/rendering/fonts/ (the certificate renderer's Chinese fonts).

The app draws its certificate images with Pillow from two subset OpenType fonts committed in the
repository, so a fresh machine needs no system font. This script makes them, offline, from Debian's
`fonts-noto-cjk` package (Noto Sans CJK, SIL Open Font License 1.1), with fontTools (pinned in
requirements-fonts.txt; a build-time tool only, the app never imports it). From the repository root:

    apt-get install fonts-noto-cjk                  # as root; 1:20220127+repack1-1 (Noto Sans CJK 2.004)
    python3.11 -m venv /tmp/fonts-venv
    /tmp/fonts-venv/bin/pip install -r requirements-fonts.txt
    /tmp/fonts-venv/bin/python scripts/build_fonts.py            # rewrites app/rendering/fonts/*
    /tmp/fonts-venv/bin/python scripts/build_fonts.py --check    # exit 1 if the committed files differ

What it writes (the build is reproducible: same source and fontTools version, same bytes):

* NotoSansCJKsc-Regular.subset.otf, NotoSansCJKsc-Bold.subset.otf: the Simplified Chinese faces of
  the two .ttc collections, subset to CHARSET (below), CFF outlines without hinting, with no
  OpenType layout tables (the renderer uses Pillow's basic layout: one glyph per character) and no
  vertical metrics, and with an EMPTY .notdef outline: a character the font lacks can never be drawn
  as a box ("tofu"), even if the coverage check below were bypassed.
* coverage.json: every code point BOTH fonts map, as [first, last] ranges, plus the SHA-256 of each
  font file. The renderer reads it at run time (fontTools is not a runtime dependency) to drop the
  characters a name uses that the fonts lack (emoji, rare CJK) instead of leaving gaps.
* OFL.txt: the licence (the upstream copyright line and the OFL 1.1 text from the package's
  copyright file).

CHARSET: all of GB2312 (levels 1 and 2: 6,763 hanzi, plus its punctuation, kana, Greek, Cyrillic and
symbols), Big5 level 1 (5,401 common Traditional hanzi: Hong Kong / Taiwan names, 2,076 not in
GB2312), EXTRA_HANZI (name characters outside GB2312), the Unicode blocks in BLOCKS (ASCII, Latin-1,
Latin Extended A/B and Additional, Greek, Cyrillic, punctuation, symbols, CJK punctuation, kana,
bopomofo, full-width forms), and every character of the string literals in the .py files under
app/rendering/ (so the renderers' own labels are always covered).
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "app" / "rendering" / "fonts"
RENDERER_DIR = ROOT / "app" / "rendering"

SRC_DIR = Path("/usr/share/fonts/opentype/noto")
DEB_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
FONTTOOLS_PIN = "4.68.0"
SOURCE_VERSION = "Version 2.004"  # the name-table version string of fonts-noto-cjk 1:20220127

# (source collection, full name of the face to take, output file)
FACES = [
    ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "NotoSansCJKsc-Regular.subset.otf"),
    ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC Bold", "NotoSansCJKsc-Bold.subset.otf"),
]

# Unicode blocks kept whole (only what the font has is kept).
BLOCKS = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x02B0, 0x02FF),  # spacing modifier letters (pinyin tone marks ˊˇˋ)
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x206F),  # general punctuation (– — ‘ ’ “ ” … • ‰)
    (0x2070, 0x209F),  # superscripts and subscripts (whatever the font has)
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x21FF),  # letterlike symbols, number forms, arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics ①
    (0x25A0, 0x27BF),  # geometric shapes, miscellaneous symbols, dingbats (★ ✓ ♥)
    (0x3000, 0x30FF),  # CJK symbols and punctuation, hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]

# Hanzi outside GB2312 that are common in given names and nicknames (those also in Big5 level 1 or
# GB2312 are harmless duplicates).
EXTRA_HANZI = (
    "玥堃喆珺祎昇琇瑄璟晞彧犇垚赟翀燊旻昶晧暻暐禛稹翊翃龑珅玚沄瑨珈琤瑒瑢玹珣珩珞瑭璠璐璨"
    "煜熠炅烜焜炘炟晗晟晔昱晁昀晏晖暄曌曦皓颢睿骞韬颉赫翚鹍鹏鹞鹮芃芊苒莜蓁蕙薏蘅茆茉荨荼"
    "萁菡菀蔚蔻蓓蓥蕤筠箐簌濛澍湉滢淏洺浛泓沅潆漪淇渼溦澄汐汭沺泫洢浠涴淩湜滈漩潼澈澔濯"
    "婕婧婳媞嫚嫱姮妘妤妧姞娉娌娈娴婠嫒嫘嬛孅嫄嫣嫕姣姝姗姒姹娅娆婉婵婷媛婺嫔"
    "桉桤柘栩梵棽楷樾椤槿楠梓棠橦檀樨檬榆槐栎桦柏桐梧杉"
    "铖锘镕钖钤钰铎铠锟锦镛镝钧钦钊铭锐锴镇"
    "骐骁骜骥骏驰骋驿骢"
    "琰琬瑾瑜瑀珏玙玮琛琨琦琪璞祺翎彤妍馨薇蕊萱荟茜芮芸"
    "懿懋竑赪祉祯祾禔禩禟"
    "喆嘉嘏喜嬉"
    "堇堉埕垣垲埔埼堃墉壎"
    "昉昺晅晙晢晳晷暎暘暝暾曈曜曙"
    "玏玓玗玠玢玦玭玳珂珉珙珧珮珰珲琀琅琏琮琯琳琼瑗瑛瑶璇璋璎璘璜璞璧瓒"
    "淼鑫焱森磊犇骉麤譶"
)

OFL_HEADER = """\
Noto Sans CJK SC (subset: NotoSansCJKsc-Regular.subset.otf, NotoSansCJKsc-Bold.subset.otf)

Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.
Noto is a trademark of Google Inc.

This Font Software is licensed under the SIL Open Font License, Version 1.1.
This license is copied below, and is also available with a FAQ at: https://openfontlicense.org

These files are a Modified Version (a character subset) of the fonts as shipped in Debian's
fonts-noto-cjk package; they keep the original font names, which do not use the Reserved Font Name.

"""


def gb2312_chars() -> set[str]:
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def big5_level1_chars() -> set[str]:
    """Big5 symbols (0xA140-0xA3BF) and level-1 hanzi (0xA440-0xC67E)."""
    out = set()
    for hi in range(0xA1, 0xC7):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                out.add(bytes([hi, lo]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return out


def renderer_literal_chars() -> set[str]:
    """Every character of every string literal in the renderers' sources, app/rendering/**/*.py
    (labels, month names, symbols)."""
    out: set[str] = set()
    for path in sorted(RENDERER_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.update(node.value)
    return out


def charset() -> set[int]:
    chars = gb2312_chars() | big5_level1_chars() | set(EXTRA_HANZI) | renderer_literal_chars()
    cps = {ord(c) for c in chars if len(c) == 1}
    for first, last in BLOCKS:
        cps.update(range(first, last + 1))
    # never control characters (the renderer strips them anyway)
    return {cp for cp in cps if cp >= 0x20 and not 0x7F <= cp < 0xA0}


def load_face(ttc: Path, full_name: str):
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(ttc), lazy=False)
    for font in collection.fonts:
        if font["name"].getDebugName(4) == full_name:
            version = font["name"].getDebugName(5) or ""
            if not version.startswith(SOURCE_VERSION):
                print(f"warning: {ttc.name}: {version!r}, expected {SOURCE_VERSION!r}", file=sys.stderr)
            return font
    raise SystemExit(f"{ttc}: no face named {full_name!r}")


def subset_face(font, cps: set[int]):
    from fontTools import subset

    options = subset.Options()
    options.hinting = False              # CFF hints: ~15% of the size, no use at the sizes drawn
    options.layout_features = []         # Pillow's basic layout: cmap glyphs only
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "VORG", "vhea", "vmtx"]
    options.notdef_outline = False       # empty .notdef: a missing glyph draws nothing, never a box
    options.notdef_glyph = True
    options.name_IDs = ["*"]
    options.name_languages = [0x0409]
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(cps))
    subsetter.subset(font)
    font.recalcTimestamp = False         # keep head.modified from the source: reproducible bytes
    return font


def to_ranges(cps: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def ofl_text() -> str:
    """The OFL 1.1 text, as the Debian copyright file quotes it (de-indented)."""
    text = DEB_COPYRIGHT.read_text(encoding="utf-8")
    m = re.search(r"^License: SIL-1\.1\n((?: .*\n?)+)", text, re.M)
    if not m:
        raise SystemExit(f"{DEB_COPYRIGHT}: no 'License: SIL-1.1' paragraph")
    lines = []
    for line in m.group(1).splitlines():
        line = line[1:] if line.startswith(" ") else line
        lines.append("" if line == "." else line)
    body = "\n".join(lines).strip() + "\n"
    if "SIL OPEN FONT LICENSE Version 1.1" not in body:
        raise SystemExit("unexpected licence text")
    return body


def build(out_dir: Path) -> None:
    import fontTools

    if fontTools.version != FONTTOOLS_PIN:
        print(f"warning: fontTools {fontTools.version}, pinned {FONTTOOLS_PIN}: bytes may differ",
              file=sys.stderr)
    out_dir.mkdir(parents=True, exist_ok=True)
    cps = charset()
    cmaps = []
    hashes = {}
    for ttc_name, full_name, out_name in FACES:
        font = subset_face(load_face(SRC_DIR / ttc_name, full_name), cps)
        cmaps.append(set(font.getBestCmap()))
        path = out_dir / out_name
        font.save(str(path))
        hashes[out_name] = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{out_name}: {path.stat().st_size / 1024:.0f} KiB, {len(font.getGlyphOrder())} glyphs")
    covered = sorted(set.intersection(*cmaps))
    coverage = {
        "comment": "Code points both bundled fonts map (scripts/build_fonts.py). "
                   "Characters outside these ranges are dropped before drawing.",
        "fonts": hashes,
        "count": len(covered),
        "ranges": to_ranges(covered),
    }
    (out_dir / "coverage.json").write_text(
        json.dumps(coverage, ensure_ascii=True, separators=(",", ":")) + "\n", encoding="utf-8")
    (out_dir / "OFL.txt").write_text(OFL_HEADER + ofl_text(), encoding="utf-8")
    hanzi = sum(1 for cp in covered if 0x4E00 <= cp <= 0x9FFF)
    missing_gb = sorted(c for c in gb2312_chars() if ord(c) not in covered)
    print(f"coverage.json: {len(covered)} code points ({hanzi} CJK unified ideographs), "
          f"{len(coverage['ranges'])} ranges; GB2312 characters missing: {''.join(missing_gb) or 'none'}")
    covered_set = set(covered)
    literal_gaps = sorted(c for c in renderer_literal_chars() if c.isprintable() and c != " "
                          and ord(c) not in covered_set)
    if literal_gaps:  # e.g. U+2082 (subscript 2): Noto Sans CJK has none; the renderer must not use it
        print("warning: characters of app/rendering string literals the fonts lack: "
              + " ".join(f"U+{ord(c):04X}" for c in literal_gaps), file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="build into a temporary folder and compare with the committed files")
    args = parser.parse_args()
    for path in (SRC_DIR / FACES[0][0], SRC_DIR / FACES[1][0], DEB_COPYRIGHT):
        if not path.exists():
            raise SystemExit(f"{path} missing: apt-get install fonts-noto-cjk")
    if not args.check:
        build(OUT_DIR)
        return 0
    names = [f[2] for f in FACES] + ["coverage.json", "OFL.txt"]
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        differ = [n for n in names
                  if not (OUT_DIR / n).exists() or not filecmp.cmp(Path(tmp) / n, OUT_DIR / n, shallow=False)]
    if differ:
        print("differ from the committed files: " + ", ".join(differ), file=sys.stderr)
        return 1
    print("committed fonts are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
