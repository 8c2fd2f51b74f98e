"""The certificate renderer (app.rendering.certificate), checked on the pixels. No Flask needed.

QR codes are decoded with zxing-cpp (a test dependency); the fonts are the faces bundled in
app/rendering/fonts/ (tests/unit/test_fonts.py checks every script and the shaping).
"""
from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys
import unicodedata
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from app.i18n import LANGUAGES
from app.rendering import fonts
from app.rendering import text as rtext
from app.rendering.canvas import PNG_COMPRESS_LEVEL, png_bytes
from app.rendering.certificate import (
    CARD_SIZE,
    PORTRAIT_SIZE,
    CertificateData,
    clean_text,
    content,
    fonts_ok,
    layout,
    portrait,
    render_certificate,
    summarise_serials,
)

ROOT = Path(__file__).resolve().parents[2]
FONT_DIR = ROOT / "app" / "rendering" / "fonts"
URL = "https://diandian.example.cn/v/DD-AA9K-WT1T-7E2P-B"

BASE = CertificateData(
    serial="DD-AA9K-WT1T-7E2P-B",
    status="valid",
    holder="张小满",
    kg=475,
    subject="event",
    scenario_title="首届中国数字碳中和高峰论坛",
    venue="主论坛会场",
    city="成都",
    event_date=date(2025, 12, 6),
    project_name="龙泉山城市森林碳汇（演示）",
    standard="CDCER",
    credit_serials=("CDCER-FOR-2021-00000001", "CDCER-FOR-2021-00000002",
                    "CDCER-FOR-2021-00000003", "CDCER-FOR-2022-00000007"),
    issued_on=date(2025, 12, 6),
    issuer="点点碳中和 Diandian",
    verify_url=URL,
)
# The service gives the renderer the scenario's and project's texts in the picture's language.
BASE_EN = replace(BASE, scenario_title="The 1st China Digital Carbon Neutrality Summit", venue="Main Forum Hall",
                  city="Chengdu", project_name="Longquan Mountain Urban Forest Carbon Sink (demo)")
REVOKED = replace(BASE, status="revoked", revoked_on=date(2026, 1, 3))
VARIANTS = [("zh", "portrait"), ("en", "portrait"), ("zh", "card"), ("en", "card")]


def image(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    img.load()
    return img


def render(data: CertificateData = BASE, lang: str = "zh", variant: str = "portrait") -> Image.Image:
    return image(render_certificate(data, lang=lang, variant=variant))


def ink_pixels(img: Image.Image, threshold: int = 110) -> int:
    """Dark pixels (text ink) in an image."""
    return sum(img.convert("L").point(lambda v: 255 if v < threshold else 0).histogram()[255:])


def red_pixels(img: Image.Image) -> int:
    """Pixels of the stamp's red: r > 180, g < 80, b < 80."""
    r, g, b = img.convert("RGB").split()
    mask = ImageChops.multiply(ImageChops.multiply(
        r.point(lambda v: 255 if v > 180 else 0),
        g.point(lambda v: 255 if v < 80 else 0)),
        b.point(lambda v: 255 if v < 80 else 0))
    return mask.histogram()[255]


def decode_qr(img: Image.Image) -> list[str]:
    import zxingcpp  # a test dependency (requirements-dev.txt): fail loudly if missing
    return [r.text for r in zxingcpp.read_barcodes(img)]


# ----------------------------------------------------------------------------------------------
# Fonts and coverage
# ----------------------------------------------------------------------------------------------


def test_fonts_load_and_are_small():
    assert fonts_ok()
    sizes = {p.name: p.stat().st_size for p in FONT_DIR.iterdir() if p.is_file()}
    # the CJK faces carry ~21,000 hanzi and 11,172 Hangul syllables each; the colour emoji is Noto Color Emoji unchanged
    assert all(sizes[n] < 8 * 1024 * 1024 for n in sizes if n.startswith("NotoSansCJK")), sizes
    assert sizes["NotoColorEmoji.ttf"] < 12 * 1024 * 1024
    assert all(size < 400 * 1024 for n, size in sizes.items() if n.startswith(("NotoSans-", "NotoSansDev", "NotoSansBen")))
    assert sum(sizes.values()) < 27 * 1024 * 1024, sizes
    assert set(fonts.FONT_FILES) <= set(sizes)
    ofl = (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert ofl.count("SIL OPEN FONT LICENSE Version 1.1")
    assert all(face in ofl for face in ("Noto Sans CJK SC", "Noto Sans Devanagari", "Noto Sans Bengali",
                                        "Noto Color Emoji"))


def _codec_hanzi(codec: str, rows: range, cols: list[int]) -> set[str]:
    out = set()
    for hi in rows:
        for lo in cols:
            try:
                ch = bytes([hi, lo]).decode(codec)
            except UnicodeDecodeError:
                continue
            if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
                out.add(ch)
    return out


def test_coverage_file_matches_the_fonts():
    doc = json.loads((FONT_DIR / "coverage.json").read_text(encoding="utf-8"))
    for name, face in doc["faces"].items():
        assert hashlib.sha256((FONT_DIR / name).read_bytes()).hexdigest() == face["sha256"], name
        assert len(fonts.face_cmap(name)) == face["count"], name
    assert set(doc["faces"]) == set(fonts.FONT_FILES)
    cjk = fonts.face_cmap("NotoSansCJKsc-Regular.subset.otf") & fonts.face_cmap("NotoSansCJKsc-Bold.subset.otf")
    # GB2312 = GB 18030 levels 1 and 2 (6,763 hanzi), all of Big5 (levels 1 and 2: 13,053 hanzi), and
    # every CJK Unified Ideograph (a superset of the 8,105 of the 通用规范汉字表) are in both CJK faces
    gb = _codec_hanzi("gb2312", range(0xB0, 0xF8), list(range(0xA1, 0xFF)))
    big5 = _codec_hanzi("big5", range(0xA4, 0xFA), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))
    # 13,053 Big5 hanzi code points; two are duplicates (兀 嗀 at 0xC94A and 0xDDFC), so 13,051 characters
    assert len(gb) == 6763 and len(big5) == 13051
    assert {c for c in gb | big5 if ord(c) not in cjk} == set()
    assert sum(1 for cp in cjk if 0x4E00 <= cp <= 0x9FFF) > 20900
    assert all(fonts.is_covered(ch) for ch in "陳大文張偉玥堃喆禕旸頔ëØĐặАнна😀🌱अনক्ष김민준")
    assert not any(fonts.is_covered(ch) for ch in "\ue000\U0010fffd\u0e2a")


def test_covered_glyphs_have_ink_and_missing_ones_draw_nothing():
    """coverage.json tells the truth (a sample of each face's code points draws ink), and the subset
    faces' .notdef is empty: a missing character can never draw a box."""
    from PIL import ImageDraw

    for name in fonts.FONT_FILES:
        covered = sorted(cp for cp in fonts.face_cmap(name)
                         if chr(cp).isprintable() and not chr(cp).isspace()
                         and unicodedata.category(chr(cp))[0] not in "MC")
        sample = covered[::max(1, len(covered) // 300)]
        if name == fonts.EMOJI:
            f = fonts.face(name, fonts.EMOJI_PPEM)
            sample = [cp for cp in sample if cp > 0x2000]
            for cp in sample:
                img = Image.new("RGBA", (200, 200))
                ImageDraw.Draw(img).text((20, 150), chr(cp), font=f, embedded_color=True, anchor="ls")
                assert img.getbbox() is not None, (name, hex(cp))
            continue
        f = fonts.face(name, 40)
        for cp in sample:
            assert f.getmask(chr(cp)).getbbox() is not None, (name, hex(cp))
        for ch in "\ue000\U0010fffd\u0e2a":
            assert f.getmask(ch).getbbox() is None, (name, ch)


def test_every_static_text_is_covered():
    """Every language's wording (the catalogue's), its dates and the fixed marks draw with the bundled faces."""
    for lang in LANGUAGES:
        dates = [rtext.format_date(date(2026, month, 28), lang) for month in range(1, 13)]
        for key, text in [*content.wording(lang).items(), *(("date", d) for d in dates)]:
            missing = [c for c in fonts.graphemes(text) if not c.isspace() and not fonts.is_covered(c)]
            assert not missing, (lang, key, missing)
    for text in (content.SEAL_ARC, content.SEAL_BOTTOM, rtext.SEP, "…", "...", "★", "kg CO2e 0123456789,", " – ",
                 "（+）"):
        assert all(c.isspace() or fonts.is_covered(c) for c in text), text


# ----------------------------------------------------------------------------------------------
# The QR code
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,variant", VARIANTS)
def test_qr_decodes_to_the_verify_url(lang, variant):
    img = render(BASE, lang, variant)
    assert decode_qr(img) == [URL]
    # the QR box alone decodes too (its quiet zone is inside the box)
    assert decode_qr(img.crop(layout(BASE, lang, variant)["qr"])) == [URL]


@pytest.mark.parametrize("lang,variant", VARIANTS)
def test_qr_of_a_revoked_certificate_and_of_a_long_url_decode(lang, variant):
    assert decode_qr(render(REVOKED, lang, variant)) == [URL]
    long_url = URL + "?ref=" + "x" * 180
    assert decode_qr(render(replace(BASE, verify_url=long_url), lang, variant)) == [long_url]


# ----------------------------------------------------------------------------------------------
# The holder's name
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,variant", VARIANTS)
def test_different_names_draw_different_pixels_in_the_name_box(lang, variant):
    box = layout(BASE, lang, variant)["holder"]
    a = render(replace(BASE, holder="张小满"), lang, variant).crop(box)
    b = render(replace(BASE, holder="李明远"), lang, variant).crop(box)
    assert ink_pixels(a) > 1500 and ink_pixels(b) > 1500  # not blank: real glyphs
    diff = ImageChops.difference(a.convert("L"), b.convert("L")).point(lambda v: 255 if v > 60 else 0)
    assert diff.histogram()[255] > 1000
    # the name box holds the name: outside it, the two renders are the same
    full_a = render(replace(BASE, holder="张小满"), lang, variant)
    full_b = render(replace(BASE, holder="李明远"), lang, variant)
    full_a.paste((0, 0, 0), box)
    full_b.paste((0, 0, 0), box)
    assert ImageChops.difference(full_a, full_b).getbbox() is None


def test_traditional_and_latin_names_draw_glyphs():
    box = layout(BASE)["holder"]
    for name in ("陳大文", "Zoë Ångström", "Владимир", "さくら"):
        crop = render(replace(BASE, holder=name)).crop(box)
        assert ink_pixels(crop) > 800, name
    assert render_certificate(replace(BASE, holder="陳大文")) != render_certificate(replace(BASE, holder="大文"))


def test_controls_and_undrawable_characters_are_dropped_not_drawn_as_boxes():
    # private use and unassigned characters (the name validators refuse them; an old stored name may
    # still carry one), zero-width and bidi format characters: nothing is drawn for them
    with_junk = replace(BASE, holder="张\u200b小\ue000满\U0010fffd\u202e")
    assert render_certificate(with_junk) == render_certificate(BASE)
    assert render_certificate(with_junk, lang="en", variant="card") == \
        render_certificate(BASE, lang="en", variant="card")
    # control and bidi characters too, and whitespace runs collapse
    assert clean_text("\x00张\x07小\u202e满\n") == "张小满"
    assert clean_text("  Alice \t\n Zhang  ") == "Alice Zhang"
    assert clean_text("e\u0301") == "é"  # NFC first: the composed letter is covered
    # what draws is kept: emoji, their ZWJ sequences and selectors, Indic joiners, rare hanzi
    for kept in ("🌱张小满😀", "👨\u200d👩\u200d👧", "❤\ufe0f", "🇨🇳", "क्\u200dष", "ক্\u200cষ", "李旸 & 陈頔"):
        assert clean_text(kept) == kept


@pytest.mark.parametrize("holder", ["", "   ", "!!", "\u0000\u200b", "——", "\ue000\ue001"])
def test_empty_or_undrawable_holder_uses_the_fallback(holder):
    data = replace(BASE, holder=holder)
    assert content.clean_holder(holder, "zh") == "点点用户"
    assert content.clean_holder(holder, "en") == "Diandian guest"
    assert render_certificate(data) == render_certificate(replace(BASE, holder="点点用户"))
    assert render_certificate(data, lang="en") == render_certificate(replace(BASE, holder="Diandian guest"), lang="en")


def test_emoji_only_names_are_names():
    assert content.clean_holder("🌱🌱", "zh") == "🌱🌱"
    assert content.clean_holder("🎉!!🎉", "en") == "🎉!!🎉"


def test_every_drawn_holder_character_is_covered():
    for holder in ("🌱小绿😀\ue000", "Zoë🇨🇳", "ｈｅｌｌｏ　世界", "a\u0301b", "김민준 (Kim)", "x" * 80,
                   "👨\u200d👩\u200d👧 अनन्या"):
        for lang in ("zh", "en"):
            name = content.clean_holder(holder, lang)
            assert name and all(c == " " or fonts.is_covered(c) for c in fonts.graphemes(name)), (holder, name)
    assert content.clean_holder("x" * 80, "en") == "x" * 47 + "..."
    assert content.clean_holder("🌱" * 80, "en") == "🌱" * 47 + "…"  # cut between graphemes
    assert content.clean_holder("👨\u200d👩\u200d👧" * 60, "zh").startswith("👨\u200d👩\u200d👧" * 47)


def test_long_names_fit_on_two_lines():
    lines, f = rtext.fit_name("Maximilian Alexander Christopher Wolfeschlegelstein", 840, 92, 60, 56, 40)
    assert len(lines) == 2 and all(f.getlength(line) <= 840 for line in lines)
    lines, _ = rtext.fit_name("张小满", 840, 92, 60, 56, 40)
    assert lines == ["张小满"]


# ----------------------------------------------------------------------------------------------
# Language, status, sizes, determinism
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["portrait", "card"])
def test_english_differs_from_chinese(variant):
    zh, en = render(BASE, "zh", variant), render(BASE, "en", variant)
    box = layout(BASE, "zh", variant)["title"]
    diff = ImageChops.difference(zh.crop(box).convert("L"), en.crop(box).convert("L"))
    assert diff.point(lambda v: 255 if v > 60 else 0).histogram()[255] > 2000


@pytest.mark.parametrize("lang,variant", VARIANTS)
def test_revoked_is_greyed_and_stamped_red(lang, variant):
    valid, revoked = render(BASE, lang, variant), render(REVOKED, lang, variant)
    assert red_pixels(valid) == 0
    assert red_pixels(revoked) > 8000
    assert "stamp" in layout(REVOKED, lang, variant)
    # greyed: the dark green ground of the valid certificate is gone
    corner = (5, 5)
    r, g, b = revoked.getpixel(corner)
    assert abs(r - g) < 4 and abs(g - b) < 4
    r, g, b = valid.getpixel(corner)
    assert g - r > 20


def test_revoked_date_is_shown():
    without_date = render_certificate(replace(REVOKED, revoked_on=None))
    with_date = render_certificate(REVOKED)
    other_date = render_certificate(replace(REVOKED, revoked_on=date(2026, 2, 1)))
    assert len({without_date, with_date, other_date}) == 3


@pytest.mark.parametrize("lang,variant", VARIANTS)
def test_image_sizes(lang, variant):
    img = render(BASE, lang, variant)
    assert img.format == "PNG" and img.mode == "RGB"
    expected = PORTRAIT_SIZE if variant == "portrait" else CARD_SIZE
    assert img.size == expected
    if variant == "card":
        assert img.width * 4 == img.height * 5  # 5:4
    for name, (x0, y0, x1, y1) in layout(BASE, lang, variant).items():
        assert 0 <= x0 < x1 <= img.width and 0 <= y0 < y1 <= img.height, name


def png_chunks(png: bytes) -> list[bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind = png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + data) == int.from_bytes(png[pos + 8 + length:pos + 12 + length], "big")
        kinds.append(kind)
        pos += 12 + length
    return kinds


def png_rows(png: bytes) -> tuple[tuple[int, int, int, int], list[bytes]]:
    """The IHDR's width, height, bit depth and colour type, and the decompressed rows with their filter bytes."""
    chunks, pos = {}, 8
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        chunks.setdefault(png[pos + 4:pos + 8], b"")
        chunks[png[pos + 4:pos + 8]] += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    ihdr = chunks[b"IHDR"]
    width, height = int.from_bytes(ihdr[0:4], "big"), int.from_bytes(ihdr[4:8], "big")
    data = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    assert len(data) == stride * height
    return (width, height, ihdr[8], ihdr[9]), [data[at:at + stride] for at in range(0, len(data), stride)]


def test_png_bytes_keeps_every_pixel_of_any_rgb_picture():
    """The encoder is the service's own (unfiltered rows, canvas.png_bytes): what a decoder reads back is
    exactly what was drawn, for noise, flat areas, and a width that is not a multiple of anything."""
    rng = random.Random(7)
    noise = Image.frombytes("RGB", (37, 23), bytes(rng.randrange(256) for _ in range(37 * 23 * 3)))
    flat = Image.new("RGB", (301, 5), (12, 200, 7))
    flat.paste(noise, (250, 0))
    for img in (noise, flat, Image.new("RGB", (1, 1), (255, 255, 255))):
        png = png_bytes(img)
        png_chunks(png)  # the CRCs
        back = image(png)
        assert back.format == "PNG" and back.mode == "RGB" and back.size == img.size
        assert back.tobytes() == img.tobytes()
        (width, height, depth, colour), rows = png_rows(png)
        assert (width, height, depth, colour) == (*img.size, 8, 2)  # 8-bit truecolour
        assert {row[0] for row in rows} == {0}  # no filter on any row
    with pytest.raises(ValueError, match="RGB"):
        png_bytes(Image.new("RGBA", (4, 4)))


def test_png_bytes_dpi_reads_back_as_pillow_writes_it():
    img = Image.new("RGB", (10, 10), (1, 2, 3))
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(300, 300))
    ours = image(png_bytes(img, dpi=300))
    assert ours.info["dpi"] == image(buf.getvalue()).info["dpi"]
    assert png_chunks(png_bytes(img, dpi=300)) == [b"IHDR", b"pHYs", b"IDAT", b"IEND"]


@pytest.mark.parametrize("lang, variant", VARIANTS)
def test_a_certificate_re_encodes_to_its_own_bytes_and_is_smaller_than_pillows_png(lang, variant):
    """Decoding a certificate and encoding the pixels again gives the same bytes (the file is a function of
    the picture alone), and the unfiltered rows weigh less than Pillow's own encoding of the same picture
    (adaptive filter on every row, at the same or a lower zlib level)."""
    png = render_certificate(BASE_EN if lang == "en" else BASE, lang=lang, variant=variant)
    img = image(png)
    assert png_bytes(img) == png
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=PNG_COMPRESS_LEVEL)
    assert len(png) < len(buf.getvalue())


DETERMINISM_SCRIPT = """
import hashlib, sys, time
sys.path.insert(0, {root!r})
from tests.unit.test_rendering import BASE, REVOKED
from app.rendering.certificate import render_certificate
t = time.perf_counter()
png = render_certificate(BASE)
cold = time.perf_counter() - t
print(hashlib.sha256(png).hexdigest(), cold)
for data, lang, variant in ((BASE, "en", "portrait"), (BASE, "zh", "card"), (REVOKED, "en", "card")):
    print(hashlib.sha256(render_certificate(data, lang=lang, variant=variant)).hexdigest())
"""


@pytest.mark.slow
def test_same_input_same_bytes_across_calls_and_processes():
    renders = [(BASE, "zh", "portrait"), (BASE, "en", "portrait"), (BASE, "zh", "card"),
               (REVOKED, "en", "card")]
    here = []
    for data, lang, variant in renders:
        a = render_certificate(data, lang=lang, variant=variant)
        b = render_certificate(replace(data), lang=lang, variant=variant)
        assert a == b
        chunks = png_chunks(a)
        assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
        assert set(chunks) == {b"IHDR", b"IDAT", b"IEND"}  # no tIME, tEXt, pHYs...
        here.append(hashlib.sha256(a).hexdigest())
    out = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT.format(root=str(ROOT))],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert [out[0]] + out[2:] == here
    print(f"\ncold render in a fresh process (after import): {float(out[1]) * 1000:.0f} ms")


def test_cached_text_masks_draw_the_same_pixels_as_fresh_ones():
    """fonts.CachedFace: every language and variant, an emoji and a mixed-script holder, a revoked
    certificate: the same bytes from empty caches as from warm ones; a second guest of the same event is
    drawn mostly from the cache (only their own texts are new)."""
    cases = [(replace(BASE, holder="🌱小绿 Zoë अनन्या"), lang, variant) for lang in LANGUAGES
             for variant in ("portrait", "card")] + [(REVOKED, "en", "card"), (REVOKED, "zh", "portrait")]

    def render_all():
        return [render_certificate(data, lang=lang, variant=variant) for data, lang, variant in cases]

    fonts._masks.clear()
    fonts._lengths.clear()
    cold = render_all()
    warm = render_all()
    assert warm == cold
    fonts._masks.clear()
    fonts._lengths.clear()
    assert render_all() == cold  # and the caches filled by a warm run give no other bytes either
    before = len(fonts._masks)
    render_certificate(replace(BASE, holder="王大明", kg=512, serial="DD-ZZ9K-WT1T-7E2P-C"), lang="zh")
    assert 0 < len(fonts._masks) - before < 8  # the new guest's name, kilograms, serial: not the wording
    assert fonts._masks.currsize <= fonts._MASK_BYTES


# ----------------------------------------------------------------------------------------------
# Texts
# ----------------------------------------------------------------------------------------------


def test_summarise_serials():
    s = summarise_serials
    assert s(["CDCER-FOR-2021-00000001", "CDCER-FOR-2021-00000002", "CDCER-FOR-2021-00000003",
              "CDCER-FOR-2022-00000007"]) == "CDCER-FOR-2021-00000001 – 00000003, CDCER-FOR-2022-00000007"
    assert s([]) == ""
    assert s(["A-1"]) == "A-1"
    # unsorted input and duplicates
    assert s(["X-0003", "X-0001", "X-0002", "X-0002"]) == "X-0001 – 0003"
    # a gap splits a run; digit widths and prefixes must match to join
    assert s(["X-0001", "X-0002", "X-0004"]) == "X-0001 – 0002, X-0004"
    assert s(["X-10", "X-9"]) == "X-9, X-10"  # ordered by number, not as text
    assert s(["X-09", "X-10"]) == "X-09 – 10"
    assert s(["A-0001", "B-0002"]) == "A-0001, B-0002"
    # serials without a trailing number stay as they are
    assert s(["VCS-ABC", "VCS-ABD"]) == "VCS-ABC, VCS-ABD"
    # a 999 -> 1000 carry in a fixed width
    assert s(["Y-0999", "Y-1000"]) == "Y-0999 – 1000"
    # long lists: "… (+N more)", N the serials not shown
    many = [f"CDCER-FOR-2021-{i:08d}" for i in range(1, 40, 2)]  # 20 singletons
    out = s(many)
    assert out.startswith("CDCER-FOR-2021-00000001, CDCER-FOR-2021-00000003, ")
    assert out.endswith(" … (+16 more)")
    assert s(many, max_groups=2).endswith("CDCER-FOR-2021-00000003 … (+18 more)")
    runs = [f"Z-{i:03d}" for i in (1, 2, 3, 10, 11, 20, 30, 31, 32, 33)]
    assert s(runs, max_groups=2) == "Z-001 – 003, Z-010 – 011 … (+5 more)"


def test_wrap_breaks_cjk_anywhere_and_keeps_punctuation_attached():
    f = fonts.font("regular", 32)
    text = "通过点点碳中和平台，抵消了参加「首届中国数字碳中和高峰论坛」的出行与住宿碳排放。"
    lines = rtext.wrap(text, f, 300)
    assert "".join(lines) == text
    assert all(f.getlength(line) <= 300 for line in lines)
    assert not any(line[0] in "，。、」）" for line in lines)
    assert not any(line[-1] in "「（" for line in lines)
    latin = rtext.wrap("has offset the carbon emissions of their travel and accommodation", f, 300)
    assert " ".join(latin) == "has offset the carbon emissions of their travel and accommodation"
    assert all(f.getlength(line) <= 300 for line in latin)
    cut = rtext.wrap(text, f, 300, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…") and f.getlength(cut[-1]) <= 300
    long_word = rtext.wrap("CDCER-FOR-2021-00000001-CDCER-FOR-2021-00000002", f, 200)
    assert all(f.getlength(line) <= 200 for line in long_word) and len(long_word) > 1


def test_dates_and_numbers():
    assert rtext.format_date(date(2025, 12, 6), "zh") == "2025年12月6日"
    assert rtext.format_date(date(2025, 12, 6), "en") == "6 December 2025"
    assert rtext.format_kg(1234567) == "1,234,567"


def test_life_subject_and_missing_fields_render():
    life = replace(BASE, subject="life", scenario_title="日常生活", venue=None, city=None, event_date=None,
                   credit_serials=())
    for lang, variant in VARIANTS:
        img = render(life, lang, variant)
        assert decode_qr(img) == [URL]
    assert content.sentence(life, "zh") == "通过点点碳中和平台，抵消了日常生活的碳排放。"
    assert content.sentence(BASE, "zh") == "通过点点碳中和平台，抵消了参加「首届中国数字碳中和高峰论坛」的出行与住宿碳排放。"
    # the texts are drawn as given (the service picked their language): Chinese ones on an English picture
    assert content.scenario_title(BASE) == "首届中国数字碳中和高峰论坛"
    assert content.place_line(BASE) == "主论坛会场·成都"
    assert render_certificate(BASE, lang="en") != render_certificate(BASE_EN, lang="en")


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        render_certificate(BASE, lang="de")
    with pytest.raises(ValueError):
        render_certificate(BASE, variant="square")
    with pytest.raises(ValueError):
        render_certificate(replace(BASE, status="pending"))
    with pytest.raises(ValueError):
        render_certificate(replace(BASE, verify_url=""))


def test_visits_say_what_was_neutralised():
    from dataclasses import replace

    from app.rendering.certificate.content import sentence as _sentence

    data = replace(BASE, subject="visit", scenario_title="都江堰景区低碳游")
    assert _sentence(data, "zh") == "通过点点碳中和平台，抵消了在「都江堰景区低碳游」的出行与消费碳排放。"
    assert "consumption at \"Dujiangyan\"" in _sentence(replace(data, scenario_title="Dujiangyan"), "en")
    assert render_certificate(data) != render_certificate(replace(data, subject="event"))


def test_an_organizers_event_certificate_states_both_parts():
    base = replace(BASE, subject="event")
    organizer = replace(base, subject="organizer", holder="中国互联网发展基金会", kg=26000,
                        event_parts=(27994, 1994, 2, 26000))
    zh = {key: value for key, _label, value, *_ in portrait._details_rows(organizer, "zh")}
    assert "27,994" in zh["parts"] and "1,994" in zh["parts"] and "26,000" in zh["parts"]
    assert "场馆用电" in zh["boundary"]
    assert "主办方" in content.sentence(organizer, "zh") and "organiser" in content.sentence(organizer, "en")
    a, b = render(base), render(organizer)
    assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None
    assert decode_qr(b) == [organizer.verify_url]
    assert decode_qr(render(organizer, lang="en")) == [organizer.verify_url]
