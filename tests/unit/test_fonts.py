"""The fallback chain of the bundled fonts (app.rendering.fonts), checked on the pixels: every
grapheme of names in seven scripts is drawn by a face that has it and puts ink on the image, the
emoji is in colour, and Devanagari and Bengali conjuncts are shaped (raqm). No Flask needed.

Set SHOTS=/some/dir to save the images looked at.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from app.rendering import fonts

NAMES = ["李旸 & 陈頔", "禕", "Zoë Ørsted", "Đặng", "Анна", "अनन्या", "অনন্যা", "小明🌱"]
WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def drawn(text: str, weight: str = "bold", size: int = 64, name: str | None = None) -> Image.Image:
    f = fonts.font(weight, size)
    img = Image.new("RGB", (int(f.getlength(text)) + 2 * size, 2 * size), WHITE)
    f.draw(ImageDraw.Draw(img), (size, int(size * 1.4)), text, BLACK, "ls")
    if os.environ.get("SHOTS") and name:
        Path(os.environ["SHOTS"]).mkdir(parents=True, exist_ok=True)
        img.save(Path(os.environ["SHOTS"]) / f"{name}.png")
    return img


def ink(img: Image.Image) -> int:
    """Pixels that are not white paper."""
    return img.convert("L").point(lambda v: 255 if v < 200 else 0).histogram()[255]


def differing(a: Image.Image, b: Image.Image) -> int:
    w, h = max(a.width, b.width), max(a.height, b.height)
    pa, pb = Image.new("RGB", (w, h), WHITE), Image.new("RGB", (w, h), WHITE)
    pa.paste(a)
    pb.paste(b)
    return ImageChops.difference(pa, pb).convert("L").point(lambda v: 255 if v > 60 else 0).histogram()[255]


def saturated(img: Image.Image) -> int:
    """Pixels with a clear colour (HSV saturation > 0.4 and not near white or black)."""
    _, s, v = img.convert("RGB").convert("HSV").split()
    mask = ImageChops.multiply(s.point(lambda x: 255 if x > 102 else 0), v.point(lambda x: 255 if x > 51 else 0))
    return mask.histogram()[255]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_every_grapheme_of_the_names_is_drawn(name, weight):
    clusters = fonts.graphemes(name)
    assert "".join(clusters) == name
    full = drawn(name, weight, name=f"name-{weight}-{NAMES.index(name)}")
    assert fonts.undrawable(name) == []
    for i, cluster in enumerate(clusters):
        if cluster == " ":
            continue
        face = fonts.face_for(cluster, weight)
        assert face is not None, (name, cluster)
        # the face maps every character of the grapheme (its cmap: a real glyph, not .notdef) ...
        assert all(ord(c) in fonts.face_cmap(face) for c in cluster if c not in "\u200c\u200d\ufe0f"), (face, cluster)
        # ... and the glyph has ink (the subsets' .notdef is empty: no ink would be a missing glyph)
        if face == fonts.EMOJI:
            layer = Image.new("RGBA", (200, 200))
            ImageDraw.Draw(layer).text((20, 150), cluster, font=fonts.face(face, fonts.EMOJI_PPEM),
                                       embedded_color=True, anchor="ls")
            assert layer.getbbox() is not None, cluster
        else:
            assert fonts.face(face, 64).getmask(cluster).getbbox() is not None, (face, cluster)
        # drawing it puts ink on the image: alone, and in the name (the name without it differs)
        assert ink(drawn(cluster, weight)) > 30, cluster
        without = "".join(clusters[:i] + clusters[i + 1:])
        assert differing(full, drawn(without, weight)) > 100, (name, cluster)


def test_each_script_goes_to_its_face():
    face = {c: fonts.face_for(c, "regular") for c in ("旸", "頔", "禕", "ë", "Đ", "ặ", "А", "न्", "ন্", "🌱", "₂")}
    assert face["旸"] == face["頔"] == face["禕"] == "NotoSansCJKsc-Regular.subset.otf"
    assert face["ë"] == face["Đ"] == face["ặ"] == face["А"] == "NotoSansCJKsc-Regular.subset.otf"
    assert face["न्"] == "NotoSansDevanagari-Regular.subset.ttf"
    assert face["ন্"] == "NotoSansBengali-Regular.subset.ttf"
    assert face["🌱"] == fonts.EMOJI
    assert face["₂"] == "NotoSans-Regular.subset.ttf"  # the CJK face has no subscript two
    # emoji presentation: ☀ with VS16 is the colour emoji, alone or with VS15 (text) the CJK glyph;
    # 🌱 (Emoji_Presentation) and ❤ (only the emoji face has it) are the colour emoji
    assert fonts.face_for("☀\ufe0f") == fonts.EMOJI
    assert fonts.face_for("☀") == fonts.face_for("☀\ufe0e") == "NotoSansCJKsc-Regular.subset.otf"
    assert fonts.face_for("❤") == fonts.face_for("❤\ufe0f") == fonts.EMOJI
    # a decomposed accent the CJK face lacks as a combining mark goes to Noto Sans, whole
    assert fonts.face_for("q\u0323") == "NotoSans-Regular.subset.ttf"
    assert fonts.font("regular", 40).runs("小明🌱 अनन्या") == (
        ("NotoSansCJKsc-Regular.subset.otf", "小明"), (fonts.EMOJI, "🌱"),
        ("NotoSansCJKsc-Regular.subset.otf", " "), ("NotoSansDevanagari-Regular.subset.ttf", "अनन्या"))


def test_emoji_is_in_colour_and_sized_to_the_text():
    img = drawn("小明🌱", name="emoji")
    assert saturated(img) > 300
    assert saturated(drawn("小明")) == 0
    # the emoji is about as tall as the hanzi next to it
    f = fonts.font("bold", 64)
    hanzi = drawn("明").convert("L").point(lambda v: 255 if v < 200 else 0).getbbox()
    emoji = drawn("🌱").convert("L").point(lambda v: 255 if v < 250 else 0).getbbox()
    assert 0.8 < (emoji[3] - emoji[1]) / (hanzi[3] - hanzi[1]) < 1.35, (emoji, hanzi)
    assert abs(f.getlength("🌱") - 64 * fonts.EMOJI_SCALE * 136 / 109) < 3
    # a ZWJ family is one glyph, as wide as one emoji; a flag is one glyph
    assert f.getlength("👨\u200d👩\u200d👧") == pytest.approx(f.getlength("👨"), abs=1)
    assert f.getlength("🇨🇳") == pytest.approx(f.getlength("👨"), abs=1)


def _mask(face: str, text: str, layout) -> Image.Image:
    f = ImageFont.truetype(io.BytesIO(fonts.FONT_FILES[face].read_bytes()), 80, layout_engine=layout)
    img = Image.new("L", (300, 140), 0)
    ImageDraw.Draw(img).text((20, 110), text, font=f, fill=255, anchor="ls")
    return img


@pytest.mark.parametrize("text, face", [("क्ष", "NotoSansDevanagari-Regular.subset.ttf"),
                                        ("ক্ষ", "NotoSansBengali-Regular.subset.ttf"),
                                        ("कि", "NotoSansDevanagari-Regular.subset.ttf")])
def test_conjuncts_are_shaped_with_raqm(text, face):
    from PIL import features

    assert features.check("raqm")
    basic = _mask(face, text, ImageFont.Layout.BASIC)
    raqm = _mask(face, text, ImageFont.Layout.RAQM)
    assert ImageChops.difference(basic, raqm).point(lambda v: 255 if v > 60 else 0).histogram()[255] > 200
    # the service's loader uses raqm: what it draws is the raqm shaping, not the basic one
    assert fonts.face(face, 80).layout_engine == ImageFont.Layout.RAQM
    service = Image.new("L", (300, 140), 0)
    fonts.font("regular", 80).draw(ImageDraw.Draw(service), (20, 110), text, 255, "ls")
    assert ImageChops.difference(service, raqm).getbbox() is None
    assert ImageChops.difference(service, basic).getbbox() is not None
    if os.environ.get("SHOTS"):
        both = Image.new("L", (600, 140))
        both.paste(basic, (0, 0))
        both.paste(raqm, (300, 0))
        both.save(Path(os.environ["SHOTS"]) / ("shaping-" + "-".join(f"{ord(c):04x}" for c in text) + ".png"))


def test_every_face_the_service_loads_uses_raqm():
    for name in fonts.FONT_FILES:
        size = fonts.EMOJI_PPEM if name == fonts.EMOJI else 24
        assert fonts.face(name, size).layout_engine == ImageFont.Layout.RAQM, name


def test_a_clear_error_without_raqm(monkeypatch):
    monkeypatch.setattr(fonts.features, "check", lambda feature: False)
    with pytest.raises(fonts.RaqmMissing, match="raqm"):
        fonts._require_raqm()
    fonts.face.cache_clear()
    fonts.font.cache_clear()
    try:
        with pytest.raises(fonts.RaqmMissing):
            fonts.font("regular", 33)
        assert not fonts.fonts_ok()
    finally:
        fonts.face.cache_clear()
        fonts.font.cache_clear()


def test_undrawable_names_the_characters():
    assert fonts.undrawable("李旸 & 陈頔") == []
    assert fonts.undrawable("小明🌱 Zoë Đặng Анна अनन्या অনন্যা 👨\u200d👩\u200d👧 🇨🇳 1\ufe0f\u20e3") == []
    assert fonts.undrawable("a\ue000b\U0010fffd\ue000") == ["\ue000", "\U0010fffd"]
    assert fonts.undrawable("\x07\u200b\u202e") == []  # controls and format characters: dropped, not refused
    assert fonts.undrawable("김민준") == []  # Hangul syllables are in the CJK subset
    assert fonts.undrawable("สมชาย") == list("สมชาย")  # Thai is not bundled
    assert fonts.describe("\ue000") == "U+E000 '\ue000'"
    # a mark no face draws on its base is what is named, not the base
    assert fonts.undrawable("中\u0301") == ["\u0301"]
    # a skin tone belongs to an emoji only: after a letter it is an emoji of its own
    assert fonts.graphemes("👍🏽A🏽") == ["👍🏽", "A", "🏽"]
    assert fonts.undrawable("👍🏽A🏽") == []


def test_measuring_matches_drawing():
    """getlength (what wrapping and fitting use) is the advance the drawing makes, run by run."""
    f = fonts.font("regular", 40)
    for text in NAMES + ["Zoë 小明🌱 अनन्या & ক্ষ", "₂"]:
        img = Image.new("RGB", (1400, 100), WHITE)
        width = f.draw(ImageDraw.Draw(img), (10, 70), text, BLACK, "ls")
        assert width == pytest.approx(f.getlength(text))
        box = img.convert("L").point(lambda v: 255 if v < 250 else 0).getbbox()
        assert box[2] - 10 <= width + 8, text  # no ink far past the advance
        # right and centre anchors place the same advance
        for anchor, x in (("rs", 10 + width), ("ms", 10 + width / 2)):
            other = Image.new("RGB", (1400, 100), WHITE)
            f.draw(ImageDraw.Draw(other), (x, 70), text, BLACK, anchor)
            box2 = other.convert("L").point(lambda v: 255 if v < 250 else 0).getbbox()
            assert all(abs(a - b) <= 1 for a, b in zip(box, box2)), (text, anchor, box, box2)


LONG_ZH = "首届中国数字碳中和高峰论坛暨2025年全球可持续发展与气候行动青年领袖对话会（成都站）🌱"
LONG_EN = ("The First China Digital Carbon Neutrality Summit and the 2025 Global Youth Leaders Dialogue on "
           "Sustainable Development and Climate Action")


def _drawn_lines(monkeypatch, render) -> list[str]:
    lines: list[str] = []
    original = fonts.Stack.draw

    def record(self, draw, xy, text, fill, anchor="la"):
        lines.append(text)
        return original(self, draw, xy, text, fill, anchor)

    monkeypatch.setattr(fonts.Stack, "draw", record)
    render()
    return lines


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("lang, variant", [("zh", "portrait"), ("en", "portrait"), ("zh", "card"), ("en", "card")])
def test_long_titles_wrap_on_every_certificate_layout(monkeypatch, lang, variant):
    from dataclasses import replace

    from app.rendering.certificate import render_certificate
    from tests.unit.test_rendering import BASE

    data = replace(BASE, scenario_title=LONG_ZH if lang == "zh" else LONG_EN)
    lines = _drawn_lines(monkeypatch, lambda: render_certificate(data, lang=lang, variant=variant))
    title = LONG_ZH if lang == "zh" else LONG_EN
    assert not [line for line in lines if line.rstrip().endswith(("…", "..."))], lines
    # the whole title is drawn, over several lines: the sentence (portrait), the details row, the card
    assert _squeezed(title) in _squeezed("".join(lines)), lines
    assert sum(1 for line in lines if line and _squeezed(line) in _squeezed(title)) >= 2


@pytest.mark.parametrize("fmt", ["a4", "a5", "tent"])
def test_long_titles_wrap_on_every_poster(monkeypatch, fmt):
    from dataclasses import replace

    from app.rendering.poster import render_poster_png
    from tests.unit.test_posters import BASE

    data = replace(BASE, title=LONG_ZH, title_second=LONG_EN)
    lines = _drawn_lines(monkeypatch, lambda: render_poster_png(data, fmt))
    assert not [line for line in lines if line.rstrip().endswith(("…", "..."))], lines
    joined = _squeezed("".join(lines))
    assert _squeezed(LONG_ZH) in joined and _squeezed(LONG_EN) in joined, lines


def test_stored_certificate_pictures_are_keyed_by_the_fonts(monkeypatch, tmp_path):
    """The stored-render key (certificate_fingerprint) hashes coverage.json, which holds every bundled
    face's SHA-256: a font rebuild is a new key, so no old picture is served."""
    import json
    import shutil

    import app.rendering as rendering

    doc = json.loads(fonts.COVERAGE_FILE.read_text(encoding="utf-8"))
    assert set(doc["faces"]) == set(fonts.FONT_FILES)
    here = Path(rendering.__file__).resolve().parent
    copy = tmp_path / "rendering"
    shutil.copytree(here, copy, ignore=shutil.ignore_patterns("*.otf", "*.ttf", "__pycache__"))
    monkeypatch.setattr(rendering, "_HERE", copy)
    before = rendering.certificate_fingerprint.__wrapped__()
    assert before == rendering.certificate_fingerprint()
    doc["faces"][fonts.EMOJI]["sha256"] = "0" * 64  # as if the emoji font were rebuilt
    (copy / "fonts" / "coverage.json").write_text(json.dumps(doc), encoding="utf-8")
    assert rendering.certificate_fingerprint.__wrapped__() != before


@pytest.mark.parametrize("lang", ["zh", "en", "fr", "hi", "bn", "sw"])
@pytest.mark.parametrize("variant", ["portrait", "card"])
def test_certificates_are_worded_in_every_language(monkeypatch, lang, variant):
    """The picture says its title, the certify line, the claim's sentence (naming the sections covered) and
    the dates in its own language, from the catalogue; a Devanagari or Bengali text is drawn as one shaped
    run, never grapheme by grapheme (letter-spacing would break its conjuncts), and lands on the page."""
    from dataclasses import replace

    from app.i18n import covers_phrase
    from app.rendering.certificate import render_certificate
    from app.rendering.certificate.content import wording
    from app.rendering.text import format_date
    from tests.unit.test_rendering import BASE

    data = replace(BASE, sections=("travel", "meal"), holder="अनन्या क्षत्रिय")
    png = render_certificate(data, lang=lang, variant=variant)
    lines = _drawn_lines(monkeypatch, lambda: render_certificate(data, lang=lang, variant=variant))
    drawn = _squeezed("".join(lines))
    t = wording(lang)
    assert _squeezed(t["card_title" if variant == "card" else "title"]) in drawn
    assert _squeezed(t["certify"]) in drawn and "अनन्याक्षत्रिय" in drawn
    assert _squeezed(format_date(data.issued_on, lang)) in drawn
    if variant == "portrait":
        assert _squeezed(covers_phrase(data.sections, lang)) in drawn
    assert "क्" not in lines and "ष" not in lines  # the name's conjunct was never drawn in pieces
    # and every language's picture is its own
    other = "en" if lang == "zh" else "zh"
    assert png != render_certificate(data, lang=other, variant=variant)
