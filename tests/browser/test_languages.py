"""The verify page, a not-found page, an error page, the guest preview and the certificate picture in all six
languages, in headless Chromium with the machine's Noto fonts (fonts-noto-core, fonts-noto-cjk). Screenshots:
/tmp/wt-i18n-shots/ (LANGUAGE_SHOTS overrides), to be looked at: Devanagari and Bengali must be shaped, not boxes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from tests.journey import prepay_id

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("LANGUAGE_SHOTS", "/tmp/wt-i18n-shots"))
LANGS = {  # lang -> (html lang, the verify page's "Valid", the preview's first step title)
    "zh": ("zh-CN", "有效", "扫描场景二维码"),
    "en": ("en", "Valid", "Scan a scenario's code"),
    "fr": ("fr", "Valide", "Scannez le code d’un scénario"),
    "hi": ("hi", "मान्य", "परिदृश्य का कोड स्कैन करें"),
    "bn": ("bn", "বৈধ", "দৃশ্যপটের কোড স্ক্যান করুন"),
    "sw": ("sw", "Halali", "Changanua msimbo wa tukio"),
}


def expect(locator):
    from playwright.sync_api import expect as _expect

    return _expect(locator)


@pytest.fixture(scope="module")
def serial(live_server):
    """One fulfilled certificate on the live server, bought through the API as the mini-program does."""
    s = requests.Session()
    token = s.post(f"{live_server}/api/v1/auth/login", json={"code": "sandbox-polyglot"}).json()["token"]
    s.headers["Authorization"] = f"Bearer {token}"
    fp = s.post(f"{live_server}/api/v1/footprints", json={
        # TFHOTEL and CDCER-PV: test_preview and test_console count CDF2021's guests and CDCER-FOR's tonnes
        "scenario": "TFHOTEL", "travel": [{"mode": "rail.hsr", "from": "PEK", "to": "TFU", "round_trip": True}],
        "stay": {"nights": 2, "country": "CN"}, "meals": {"standard": 4}}).json()
    order = s.post(f"{live_server}/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-PV"},
                   headers={"Idempotency-Key": "polyglot-1"}).json()
    assert s.post(f"{live_server}/sandbox/wechatpay/confirm",
                  json={"prepay_id": prepay_id(order), "deliveries": 1}).status_code == 200
    return s.get(f"{live_server}/api/v1/orders/{order['order']['id']}").json()["certificate"]["serial"]


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.evaluate("() => { const bar = document.querySelector('.topbar'); if (bar) bar.style.position = 'relative'; }")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


def glyphs_are_drawn(page, text: str) -> bool:
    """Whether the page's fonts draw `text` as glyphs rather than missing-glyph boxes: its first character
    drawn on a canvas must differ, pixel for pixel, from a code point no font has (U+10FFFD)."""
    return page.evaluate("""(text) => {
        const draw = (s) => {
            const c = document.createElement('canvas'); c.width = 64; c.height = 64;
            const g = c.getContext('2d');
            g.font = '40px ' + getComputedStyle(document.body).fontFamily;
            g.fillText(s, 4, 48);
            return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
        };
        const first = [...text.replace(/[\\s\\p{P}\\p{N}]/gu, '')][0];
        return draw(first) !== draw('\\u{10FFFD}');
    }""", text)


@pytest.mark.parametrize("lang", LANGS)
def test_verify_page(make_page, live_server, serial, lang):
    html_lang, valid, _ = LANGS[lang]
    page, watch = make_page(1000, 900, locale="en-GB")
    page.goto(f"{live_server}/verify/{serial}?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.locator('[data-status="valid"]')).to_have_text(valid)
    assert glyphs_are_drawn(page, valid)
    shot(page, f"verify-{lang}")
    watch.assert_clean(allowed_console=("status of 404",))  # /favicon.ico


@pytest.mark.parametrize("lang", LANGS)
def test_certificate_picture(make_page, live_server, serial, lang):
    """The certificate a guest shares, in Chromium as a chat would show it: both variants in the language."""
    page, watch = make_page(1100, 1700)
    for variant in ("portrait", "card"):
        rv = page.goto(f"{live_server}/api/v1/certificates/{serial}/image.png?variant={variant}&lang={lang}")
        assert rv.status == 200 and rv.headers["content-type"] == "image/png"
        size = page.evaluate("() => [document.images[0].naturalWidth, document.images[0].naturalHeight]")
        assert size == ([1080, 1620] if variant == "portrait" else [1000, 800])
        shot(page, f"certificate-{variant}-{lang}")
    watch.assert_clean(allowed_console=("status of 404",))


@pytest.mark.parametrize("lang", LANGS)
def test_not_found_and_error_pages(make_page, live_server, lang):
    html_lang, _, _ = LANGS[lang]
    page, watch = make_page(800, 600)
    rv = page.goto(f"{live_server}/verify/DD-0000-0000-0000-0?lang={lang}")
    assert rv.status == 404
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    assert glyphs_are_drawn(page, page.locator("h1").inner_text())
    shot(page, f"not-found-{lang}")
    rv = page.goto(f"{live_server}/registry?offset=-1&lang={lang}")
    assert rv.status == 422
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    shot(page, f"error-{lang}")
    watch.assert_clean(allowed_console=("status of 404", "status of 422"))


@pytest.mark.parametrize("lang", LANGS)
def test_preview(make_page, live_server, lang):
    html_lang, _, scan_title = LANGS[lang]
    page, watch = make_page(1280, 900, locale="en-GB")
    page.goto(f"{live_server}/?lang={lang}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    expect(page.get_by_test_id("step-scan")).to_contain_text(scan_title)
    expect(page.get_by_test_id("lang-select")).to_have_value(lang)
    assert glyphs_are_drawn(page, scan_title)
    # Through to the calculator: its labels come from the API in the same language.
    page.get_by_test_id("scenario-card-CDF2021").click()
    page.get_by_test_id("guest-name").fill(f"shot-{lang}")
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("calculator")).to_be_visible()
    # Outside Chinese a typographic apostrophe is a Latin one, not the CJK face's full-width glyph.
    apostrophe = page.evaluate("""() => { const s = document.createElement("span"); s.textContent = "\u2019";
        document.body.append(s); const w = s.getBoundingClientRect().width / parseFloat(getComputedStyle(s).fontSize);
        s.remove(); return w; }""")
    assert (apostrophe > 0.6) if lang == "zh" else (apostrophe < 0.5), apostrophe
    shot(page, f"preview-{lang}")
    watch.assert_clean()


def test_preview_language_menu(make_page, live_server):
    """Choosing a language in the menu redraws the page, keeps the choice in the address and asks the API in it."""
    page, watch = make_page(390, 844, mobile=True)
    page.goto(f"{live_server}/")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    page.get_by_test_id("lang-select").select_option("sw")
    expect(page.locator("html")).to_have_attribute("lang", "sw")
    expect(page.get_by_test_id("step-scan")).to_contain_text(LANGS["sw"][2])
    assert "lang=sw" in page.url
    assert not glyphs_are_drawn(page, "\U0010FFFC")  # the check itself tells a box from a glyph
    shot(page, "preview-menu-sw-phone")
    watch.assert_clean()


@pytest.mark.parametrize("lang", ["en", "fr", "sw", "hi"])
def test_the_step_bar_and_the_top_bar_fit_a_phone(make_page, live_server, lang):
    """At 390 px, in the longer languages, the step bar and the top bar do not overflow the page, and the skip
    link speaks the page's language."""
    page, watch = make_page(390, 844, mobile=True)
    page.goto(f"{live_server}/?lang={lang}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    overflow = page.evaluate("""() => ["#stepper", ".topbar-inner", "body"].map((sel) => {
        const el = document.querySelector(sel); return [sel, el.scrollWidth - el.clientWidth]; })""")
    assert all(extra <= 1 for _, extra in overflow), overflow
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    skip = page.locator("a.skip").inner_text()
    assert skip and skip != "跳到步骤" and not any("\u4e00" <= ch <= "\u9fff" for ch in skip), skip
    watch.assert_clean()
