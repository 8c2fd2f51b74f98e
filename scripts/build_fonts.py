#!/usr/bin/env python3
"""Build the fonts bundled under app/rendering/fonts/ (every face the renderers draw with).

The app draws its certificate and poster images with Pillow from fonts committed in the repository,
so a fresh machine needs no system font. This script makes them, offline, from Debian packages
(SIL Open Font License 1.1), with fontTools (pinned in requirements-fonts.txt; a build-time tool
only, the app never imports it). From the repository root:

    apt-get install fonts-noto-cjk fonts-noto-core fonts-noto-color-emoji unicode-data   # as root
    python3.11 -m venv /tmp/fonts-venv
    /tmp/fonts-venv/bin/pip install -r requirements-fonts.txt
    /tmp/fonts-venv/bin/python scripts/build_fonts.py            # rewrites app/rendering/fonts/*
    /tmp/fonts-venv/bin/python scripts/build_fonts.py --check    # exit 1 if the committed files differ

Sources (Debian bookworm): fonts-noto-cjk 1:20220127+repack1-1 (Noto Sans CJK 2.004),
fonts-noto-core 20201225-1 (Noto Sans 2.004, Noto Sans Devanagari / Bengali 2.001),
fonts-noto-color-emoji 2.042-0+deb12u1, unicode-data 15.0.0-1 (Unihan kTGH, emoji-data.txt).

What it writes (the build is reproducible: same sources and fontTools version, same bytes). The
renderer picks, per character, the first face of its chain (FACES order) that maps it:

* NotoSansCJKsc-{Regular,Bold}.subset.otf: the Simplified Chinese faces of the two .ttc collections,
  subset to CJK_CHARSET (below), CFF outlines without hinting, with no OpenType layout tables (CJK
  needs no shaping, and without GPOS the raqm layout measures exactly as the basic one did) and
  no vertical metrics.
* NotoSans-{Regular,Bold}.subset.ttf: Latin (all extensions, IPA, combining marks, Vietnamese),
  Greek and Cyrillic (with their extensions), layout tables kept (mark positioning), no hinting.
* NotoSansDevanagari-*.subset.ttf, NotoSansBengali-*.subset.ttf: the whole faces, layout tables
  kept (conjuncts, reordering: raqm shapes them), no hinting.
* NotoColorEmoji.ttf: copied unchanged (CBDT colour bitmaps, one 109 ppem strike; the GSUB
  ligatures make ZWJ sequences, flags and skin tones one glyph).
* Every subset face has an EMPTY .notdef: a character no face maps can never draw as a box.
* coverage.json: per face, its SHA-256 and the code points it maps as [first, last] ranges; plus
  the Emoji_Presentation ranges (emoji-data.txt), so a character drawn as emoji by default goes to
  the emoji face first. The renderer reads it at run time (fontTools is not a runtime dependency).
* OFL.txt: the licence (the upstream copyright lines and the OFL 1.1 text).

CJK_CHARSET: GB2312 (levels 1 and 2 = GB 18030's level 1 and 2 hanzi: 6,763, plus its
punctuation, kana, Greek, Cyrillic and symbols), the whole of Big5 (levels 1 and 2: 13,053 hanzi,
and its symbols), the 通用规范汉字表 (8,105 hanzi: Unihan's kTGH field), EXTRA_HANZI (name characters
outside those), every CJK Unified Ideograph U+4E00-9FFF and Extension A U+3400-4DBF the face has,
the Unicode blocks in BLOCKS (Hangul syllables included), and every character of the string literals in
the .py files under app/rendering/ (so the renderers' own labels are always covered).
"""

from __future__ import annotations

import argparse
import ast
import bz2
import filecmp
import hashlib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "app" / "rendering" / "fonts"
RENDERER_DIR = ROOT / "app" / "rendering"

CJK_DIR = Path("/usr/share/fonts/opentype/noto")
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
DEB_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
UNIHAN_OTHER = Path("/usr/share/unicode/Unihan_OtherMappings.txt.bz2")
EMOJI_DATA = Path("/usr/share/unicode/emoji/emoji-data.txt")
FONTTOOLS_PIN = "4.68.0"
SOURCE_VERSION = "Version 2.004"  # the name-table version string of fonts-noto-cjk 1:20220127

# (source collection, full name of the face to take, output file)
FACES = [
    ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "NotoSansCJKsc-Regular.subset.otf"),
    ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC Bold", "NotoSansCJKsc-Bold.subset.otf"),
]

# The other faces: (source file under NOTO_DIR, output file, what to keep: "latin" or "all").
# "copy": the file is copied unchanged (the colour emoji: CBDT bitmaps, nothing to gain by subsetting).
OTHER_FACES = [
    ("NotoSans-Regular.ttf", "NotoSans-Regular.subset.ttf", "latin"),
    ("NotoSans-Bold.ttf", "NotoSans-Bold.subset.ttf", "latin"),
    ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Regular.subset.ttf", "all"),
    ("NotoSansDevanagari-Bold.ttf", "NotoSansDevanagari-Bold.subset.ttf", "all"),
    ("NotoSansBengali-Regular.ttf", "NotoSansBengali-Regular.subset.ttf", "all"),
    ("NotoSansBengali-Bold.ttf", "NotoSansBengali-Bold.subset.ttf", "all"),
    ("NotoColorEmoji.ttf", "NotoColorEmoji.ttf", "copy"),
]

# What Noto Sans contributes: Latin, Greek, Cyrillic and their marks (what the face has of these).
LATIN_BLOCKS = [
    (0x0020, 0x036F),  # ASCII, Latin-1, Latin Extended A/B, IPA, modifier letters, combining marks
    (0x0370, 0x052F),  # Greek and Coptic, Cyrillic, Cyrillic Supplement
    (0x1AB0, 0x1AFF),  # combining diacritical marks extended
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x1D00, 0x1DFF),  # phonetic extensions, combining marks supplement
    (0x1E00, 0x1FFF),  # Latin Extended Additional (Vietnamese), Greek Extended
    (0x2000, 0x20CF),  # punctuation, super/subscripts (₂), currency
    (0x20D0, 0x20FF),  # combining marks for symbols
    (0x2100, 0x218F),  # letterlike symbols, number forms
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFE20, 0xFE2F),  # combining half marks
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
    (0x1100, 0x11FF),  # Hangul jamo
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0xAC00, 0xD7A3),  # Hangul syllables (Korean names: 11,172, ~1 MiB per weight)
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
The fonts in this folder, all under the SIL Open Font License, Version 1.1 (text below):

* Noto Sans CJK SC (subset: NotoSansCJKsc-Regular.subset.otf, NotoSansCJKsc-Bold.subset.otf)
  Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.
* Noto Sans, Noto Sans Devanagari, Noto Sans Bengali (subsets: NotoSans-*.subset.ttf,
  NotoSansDevanagari-*.subset.ttf, NotoSansBengali-*.subset.ttf)
  Copyright 2015-2020 Google Inc. / Google LLC.
* Noto Color Emoji (NotoColorEmoji.ttf, unmodified)
  Copyright 2013-2017 Google Inc.
Noto is a trademark of Google Inc.

This Font Software is licensed under the SIL Open Font License, Version 1.1.
This license is copied below, and is also available with a FAQ at: https://openfontlicense.org

The *.subset.* files are Modified Versions (character subsets) of the fonts as shipped in Debian's
fonts-noto-cjk and fonts-noto-core packages; they keep the original font names, which do not use
the Reserved Font Name.

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


def big5_chars() -> set[str]:
    """All of Big5: symbols (0xA140-0xA3BF), level-1 (0xA440-0xC67E) and level-2 (0xC940-0xF9D5)
    hanzi."""
    out = set()
    for hi in range(0xA1, 0xFA):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                out.add(bytes([hi, lo]).decode("big5"))
            except UnicodeDecodeError:
                pass
    return out


def tgh_chars() -> set[str]:
    """The 通用规范汉字表 (2013, 8,105 hanzi): the kTGH field of Unihan (Debian's unicode-data)."""
    out = set()
    with bz2.open(UNIHAN_OTHER, "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] == "kTGH":
                out.add(chr(int(parts[0][2:], 16)))
    if len(out) != 8105:
        raise SystemExit(f"{UNIHAN_OTHER}: {len(out)} kTGH characters, expected 8105")
    return out


def emoji_presentation() -> list[list[int]]:
    """The Emoji_Presentation code points of emoji-data.txt, as ranges."""
    cps = set()
    for line in EMOJI_DATA.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        field, prop = (x.strip() for x in line.split(";")[:2])
        if prop != "Emoji_Presentation":
            continue
        first, _, last = field.partition("..")
        cps.update(range(int(first, 16), int(last or first, 16) + 1))
    return to_ranges(sorted(cps))


def cjk_charset() -> set[int]:
    chars = (gb2312_chars() | big5_chars() | tgh_chars() | set(EXTRA_HANZI)
             | renderer_literal_chars())
    cps = {ord(c) for c in chars if len(c) == 1}
    for first, last in BLOCKS:
        cps.update(range(first, last + 1))
    # never control characters (the renderer strips them anyway)
    return {cp for cp in cps if cp >= 0x20 and not 0x7F <= cp < 0xA0}


def latin_charset() -> set[int]:
    cps: set[int] = set()
    for first, last in LATIN_BLOCKS:
        cps.update(range(first, last + 1))
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


def subset_face(font, cps: set[int] | None, shaping: bool):
    """cps None: every code point the face maps. shaping: keep the OpenType layout tables (raqm
    shapes with them), else drop them."""
    from fontTools import subset

    options = subset.Options()
    options.hinting = False              # hints: ~15% of the size, no use at the sizes drawn
    if shaping:
        options.layout_features = ["*"]
    else:
        options.layout_features = []     # CJK: one glyph per character
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF"]
    options.drop_tables += ["VORG", "vhea", "vmtx", "DSIG"]
    options.notdef_outline = False       # empty .notdef: a missing glyph draws nothing, never a box
    options.notdef_glyph = True
    options.name_IDs = ["*"]
    options.name_languages = [0x0409]
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(cps if cps is not None else font.getBestCmap()))
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
    from fontTools.ttLib import TTFont

    if fontTools.version != FONTTOOLS_PIN:
        print(f"warning: fontTools {fontTools.version}, pinned {FONTTOOLS_PIN}: bytes may differ",
              file=sys.stderr)
    out_dir.mkdir(parents=True, exist_ok=True)
    cps = cjk_charset()
    faces: dict[str, dict] = {}

    def record(out_name: str, cmap: set[int]) -> None:
        path = out_dir / out_name
        mapped = sorted(cp for cp in cmap if cp >= 0x20)
        faces[out_name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                           "count": len(mapped), "ranges": to_ranges(mapped)}
        print(f"{out_name}: {path.stat().st_size / 1024:.0f} KiB, {len(mapped)} code points")

    for ttc_name, full_name, out_name in FACES:
        source = load_face(CJK_DIR / ttc_name, full_name)
        # every CJK Unified Ideograph (and Extension A) the face has: a superset of the lists above
        face_cps = cps | {cp for cp in source.getBestCmap() if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF}
        font = subset_face(source, face_cps, shaping=False)
        font.save(str(out_dir / out_name))
        record(out_name, set(font.getBestCmap()))
    for src_name, out_name, keep in OTHER_FACES:
        if keep == "copy":
            shutil.copyfile(NOTO_DIR / src_name, out_dir / out_name)
            record(out_name, set(TTFont(str(out_dir / out_name)).getBestCmap()))
            continue
        font = subset_face(TTFont(str(NOTO_DIR / src_name)), latin_charset() if keep == "latin" else None,
                           shaping=True)
        font.save(str(out_dir / out_name))
        record(out_name, set(font.getBestCmap()))
    coverage = {
        "comment": "Per bundled face, the code points it maps (scripts/build_fonts.py); the renderer "
                   "draws each character with the first face of its chain that maps it.",
        "faces": faces,
        "emoji_presentation": emoji_presentation(),
    }
    (out_dir / "coverage.json").write_text(
        json.dumps(coverage, ensure_ascii=True, separators=(",", ":")) + "\n", encoding="utf-8")
    (out_dir / "OFL.txt").write_text(OFL_HEADER + ofl_text(), encoding="utf-8")
    cjk = set.intersection(*(set(_expand(faces[f[2]]["ranges"])) for f in FACES))
    hanzi = sum(1 for cp in cjk if 0x4E00 <= cp <= 0x9FFF)
    for label, chars in (("GB2312", gb2312_chars()), ("Big5", big5_chars()), ("TGH", tgh_chars())):
        missing = sorted(c for c in chars if ord(c) not in cjk)
        print(f"{label}: {len(chars)} characters, missing from the CJK faces: {len(missing)} "
              f"{''.join(missing[:40])}")
    print(f"CJK faces: {len(cjk)} code points in both, {hanzi} CJK unified ideographs")
    every = set().union(*(set(_expand(f["ranges"])) for f in faces.values()))
    literal_gaps = sorted(c for c in renderer_literal_chars() if c.isprintable() and c != " "
                          and ord(c) not in every and not 0xFE00 <= ord(c) <= 0xFE0F)
    if literal_gaps:
        print("warning: characters of app/rendering string literals no face has: "
              + " ".join(f"U+{ord(c):04X}" for c in literal_gaps), file=sys.stderr)


def _expand(ranges: list[list[int]]) -> list[int]:
    return [cp for first, last in ranges for cp in range(first, last + 1)]


def output_names() -> list[str]:
    return [f[2] for f in FACES] + [f[1] for f in OTHER_FACES] + ["coverage.json", "OFL.txt"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="build into a temporary folder and compare with the committed files")
    args = parser.parse_args()
    needed = [CJK_DIR / f[0] for f in FACES] + [NOTO_DIR / f[0] for f in OTHER_FACES] \
        + [DEB_COPYRIGHT, UNIHAN_OTHER, EMOJI_DATA]
    for path in needed:
        if not path.exists():
            raise SystemExit(f"{path} missing: apt-get install fonts-noto-cjk fonts-noto-core "
                             "fonts-noto-color-emoji unicode-data")
    if not args.check:
        build(OUT_DIR)
        return 0
    names = output_names()
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
