"""The QR poster renderer (app.rendering.poster), checked on the pixels. No Flask needed.

QR codes are decoded with zxing-cpp; PDFs are rasterised back with pypdfium2 (both test
dependencies).
"""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
import qrcode
from PIL import Image

from app.rendering.poster import FORMATS, PosterData, render_poster_pdf, render_poster_png

LINK = "https://diandian.example.cn/s/K7QX2M?d=door3"
OTHER = "https://mp.example.cn/wxacode/OTHER-CODE-123"

BASE = PosterData(
    title="首届中国数字碳中和高峰论坛",
    title_en="The 1st China Digital Carbon Neutrality Summit",
    venue="主论坛会场",
    city="成都",
    date_text="2021年9月7日",
    door="door3",
    code_image=None,
    link=LINK,
)


def decode(img: Image.Image) -> list[str]:
    import zxingcpp  # a test dependency (requirements-dev.txt): fail loudly if missing
    return [r.text for r in zxingcpp.read_barcodes(img)]


def png(data: PosterData, fmt: str) -> Image.Image:
    img = Image.open(io.BytesIO(render_poster_png(data, fmt)))
    img.load()
    return img


def pdf_page(data: PosterData, fmt: str) -> tuple[Image.Image, tuple[float, float], int]:
    """Page 0 rendered at scale 1 (72 dpi), the page size in points, and the page count."""
    import pypdfium2 as pdfium  # a test dependency
    doc = pdfium.PdfDocument(render_poster_pdf(data, fmt))
    try:
        page = doc[0]
        size = page.get_size()
        img = page.render(scale=1).to_pil().convert("RGB")
        return img, size, len(doc)
    finally:
        doc.close()


def halves(img: Image.Image) -> tuple[Image.Image, Image.Image]:
    """A tent sheet's two panels, both upright: the top one rotated back."""
    w, h = img.size
    top = img.crop((0, 0, w, h // 2)).rotate(180)
    bottom = img.crop((0, h - h // 2, w, h))
    return top, bottom


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_png_size_and_qr(fmt):
    img = png(BASE, fmt)
    assert img.size == FORMATS[fmt]
    assert img.mode == "RGB"
    assert img.info.get("dpi") and round(img.info["dpi"][0]) == 300
    found = decode(img)
    assert found and set(found) == {LINK}
    if fmt == "tent":
        assert len(found) == 2


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_pdf_single_page_300dpi_and_qr(fmt):
    img, (pw, ph), pages = pdf_page(BASE, fmt)
    assert pages == 1
    w, h = FORMATS[fmt]
    # 300 dpi: the page is the pixel size in points * 72 / 300 (A4 = 595 x 842 pt)
    assert abs(pw - w * 72 / 300) < 1 and abs(ph - h * 72 / 300) < 1
    assert set(decode(img)) == {LINK}


def test_tent_panels_both_decode_upright():
    img = png(BASE, "tent")
    top, bottom = halves(img)
    assert decode(top) == [LINK]
    assert decode(bottom) == [LINK]
    # the panels are the same picture, one turned: compare them away from the fold line
    w, h = top.size
    assert top.crop((0, 10, w, h - 10)).tobytes() == bottom.crop((0, 10, w, h - 10)).tobytes()


def test_tent_pdf_panels_decode():
    img, _, _ = pdf_page(BASE, "tent")
    for panel in halves(img):
        assert decode(panel) == [LINK]


def test_large_code_on_portrait_formats():
    """The drawn code with its quiet zone spans at least half the page width (A4 / A5)."""
    for fmt in ("a4", "a5"):
        img = png(BASE, fmt)
        import zxingcpp
        (res,) = zxingcpp.read_barcodes(img)
        p = res.position
        width = max(p.top_right.x, p.bottom_right.x) - min(p.top_left.x, p.bottom_left.x)
        assert width >= 0.4 * img.width  # symbol only, the quiet zone comes on top
        assert res.ec_level in ("M", "Q")


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
@pytest.mark.slow
def test_supplied_code_image_is_used(mode):
    qr = qrcode.QRCode(box_size=7, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(OTHER)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert(mode)
    data = replace(BASE, code_image=code)
    for fmt in sorted(FORMATS):
        found = decode(png(data, fmt))
        assert found and set(found) == {OTHER}, fmt
        assert LINK not in found


@pytest.mark.slow
def test_deterministic_png():
    for fmt in sorted(FORMATS):
        assert render_poster_png(BASE, fmt) == render_poster_png(replace(BASE), fmt)


def test_deterministic_pdf():
    assert render_poster_pdf(BASE, "a5") == render_poster_pdf(BASE, "a5")


@pytest.mark.slow
def test_sparse_and_awkward_inputs_still_decode():
    """No optional fields, a very long title with emoji and control characters: still a poster
    whose code decodes."""
    sparse = replace(BASE, title_en=None, venue=None, city=None, date_text=None, door=None)
    long = replace(BASE, title="🎉" + "二〇二一年全国低碳出行与绿色会展高质量发展国际交流大会暨第三届碳普惠论坛" * 2 + "\u200b",
                   title_en="An extremely long English subtitle " * 5, door="east-gate-entrance-7",
                   venue="国家会展中心（天津）" * 3)
    for data in (sparse, long):
        for fmt in sorted(FORMATS):
            assert set(decode(png(data, fmt))) == {LINK}, fmt


def test_bad_format_and_missing_link():
    with pytest.raises(ValueError):
        render_poster_png(BASE, "a3")
    with pytest.raises(ValueError):
        render_poster_png(replace(BASE, link=""))
