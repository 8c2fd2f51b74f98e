"""The guest preview page at `/`, driven in headless Chromium against the live service (sandbox WeChat).

The page must be a real client of the JSON API: these tests click through it like a guest and check what
the API answered shows up, and that nothing is loaded from outside the service.
"""
from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
import requests

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SERIAL = re.compile(r"^DD-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$")
# Chromium logs every non-2xx fetch as a console error; these are the ones a test provokes on purpose.
HTTP_422 = "status of 422"
HTTP_404 = "status of 404"


def expect(locator_or_page):
    from playwright.sync_api import expect as _expect

    return _expect(locator_or_page)


def choose_place(page, path: str, typed: str, place_id: str) -> None:
    """Type into a place field and pick the suggestion with this id (GET /api/v1/places?q=)."""
    field = page.get_by_test_id(f"input-{path}")
    field.fill(typed)
    option = page.get_by_test_id(f"field-{path}").locator(f'[data-testid="place-option"][data-place-id="{place_id}"]')
    option.click()
    expect(page.get_by_test_id(f"field-{path}").locator(".combo.chosen")).to_have_count(1)
    expect(field).to_have_attribute("aria-expanded", "false")


def scan_and_sign_in(page, base: str, guest: str, query: str = "") -> None:
    page.goto(f"{base}/{query}")
    if not query:
        page.get_by_test_id("scenario-card-CDF2021").click()
    expect(page.get_by_test_id("scenario-title")).to_be_visible()
    page.get_by_test_id("guest-name").fill(guest)
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("calculator")).to_be_visible()


def test_whole_journey_on_a_desktop(make_page, live_server):
    page, watch = make_page(1280, 900)
    page.goto(f"{live_server}/")
    expect(page.get_by_test_id("mode-notice")).to_contain_text("沙箱")

    # 1. Scan: the posters come from GET /api/v1/scenarios; choosing one resolves scene=<code>.web.
    cards = page.locator('[data-testid^="scenario-card-"]')
    expect(cards).to_have_count(6)
    expect(page.get_by_test_id("scenario-card-CDF2021")).to_contain_text("首届中国数字碳中和高峰论坛")
    expect(page.get_by_test_id("scenario-card-CDF2021")).to_contain_text("主论坛会场")
    expect(page.get_by_test_id("scenario-card-CDF2021")).to_contain_text("会议")
    # Each card's code is the real QR code of the printed link (the web door), loaded and decodable.
    qr = page.get_by_test_id("scenario-qr-CDF2021")
    qr.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    png = requests.get(live_server + qr.get_attribute("src"), timeout=10).content
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image
    texts = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("RGB"))]
    assert texts == [f"{live_server}/s/CDF2021?d=web"], texts
    screenshot(page, "desktop-1-scan")
    with page.expect_response(lambda r: "/api/v1/deeplinks/resolve" in r.url) as resolved:
        page.get_by_test_id("scenario-card-CDF2021").click()
    assert "scene=CDF2021.web" in resolved.value.url and resolved.value.status == 200
    scan_id = resolved.value.json()["entry"]["scan_id"]
    expect(page.get_by_test_id("scenario-title")).to_have_text("首届中国数字碳中和高峰论坛")
    expect(page.get_by_test_id("scan-entry")).to_contain_text("web")
    assert "scene=CDF2021.web" in page.url

    # 2. Sign in as a sandbox guest, then change the nickname (PATCH /api/v1/me).
    page.get_by_test_id("guest-name").fill("desk")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/auth/login")) as login:
        page.get_by_test_id("signin-button").click()
    assert login.value.post_data_json == {"code": "sandbox-desk"}
    expect(page.get_by_test_id("user-chip")).to_contain_text("点点用户")
    page.get_by_test_id("edit-signin").click()
    expect(page.get_by_test_id("nickname")).to_contain_text("点点用户")
    page.get_by_test_id("nickname-edit").click()
    page.get_by_test_id("nickname-input").fill("桌面小绿")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me") and r.request.method == "PATCH") as patched:
        page.get_by_test_id("nickname-save").click()
    assert patched.value.status == 200
    expect(page.get_by_test_id("nickname")).to_have_text("桌面小绿")
    expect(page.get_by_test_id("user-chip")).to_have_text("桌面小绿")
    assert page.evaluate("() => Object.values(sessionStorage).some((v) => v.split('.').length === 3)")
    page.get_by_test_id("signin-continue").click()

    # 3. Calculate: the form comes from scenario.calculator.sections.
    expect(page.get_by_test_id("section-travel")).to_contain_text("交通出行")
    expect(page.get_by_test_id("section-stay")).to_contain_text("住宿")
    expect(page.get_by_test_id("section-meals")).to_contain_text("餐饮")
    page.get_by_test_id("input-travel.0.mode").select_option("flight.economy")
    expect(page.get_by_test_id("field-travel.0.passengers")).to_be_hidden()  # not a per-vehicle mode
    choose_place(page, "travel.0.from", "北京首都", "airport-PEK")
    choose_place(page, "travel.0.to", "TFU", "airport-TFU")
    expect(page.get_by_test_id("input-travel.0.to")).to_have_value(re.compile(r"成都天府国际机场 \(TFU\)"))
    page.get_by_test_id("input-travel.0.round_trip").check()
    page.get_by_test_id("add-travel").click()
    page.get_by_test_id("input-travel.1.mode").select_option("road.taxi")
    page.get_by_test_id("input-travel.1.distance_km").fill("25")
    page.get_by_test_id("input-travel.1.round_trip").check()
    page.get_by_test_id("add-travel").click()
    page.get_by_test_id("input-travel.2.mode").select_option("road.car_petrol")
    page.get_by_test_id("input-travel.2.distance_km").fill("300")
    page.get_by_test_id("input-travel.2.passengers").fill("3")
    page.get_by_test_id("add-travel").click()  # a fourth leg, removed again
    expect(page.get_by_test_id("travel-item")).to_have_count(4)
    page.get_by_test_id("travel-item").nth(3).get_by_test_id("remove-item").click()
    expect(page.get_by_test_id("travel-item")).to_have_count(3)
    page.get_by_test_id("input-stay.nights").fill("2")
    page.get_by_test_id("input-meals.standard").fill("4")
    screenshot(page, "desktop-2-calculator")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/footprints") and r.request.method == "POST") as posted:
        page.get_by_test_id("compute").click()
    sent = posted.value.request.post_data_json
    assert sent == {
        "scenario": "CDF2021", "scan_id": scan_id,
        "travel": [{"mode": "flight.economy", "from": "airport-PEK", "to": "airport-TFU", "round_trip": True},
                   {"mode": "road.taxi", "distance_km": 25, "round_trip": True},
                   {"mode": "road.car_petrol", "distance_km": 300, "round_trip": False, "passengers": 3}],
        "stay": {"nights": 2, "country": "CN", "guests_per_room": 1},
        "meals": {"standard": 4, "vegetarian": 0, "vegan": 0},
    }, sent
    footprint = posted.value.json()
    assert posted.value.status == 201
    assert posted.value.request.headers["accept-language"] == "zh-CN"
    items = page.get_by_test_id("footprint-item")
    expect(items).to_have_count(len(footprint["items"]))
    expect(page.get_by_test_id("footprint-total")).to_have_text(f"{footprint['total_kg']} kg")
    assert footprint["total_kg"] == 475.4  # the README's example journey
    first = items.nth(0)
    expect(first.get_by_test_id("item-label")).to_have_text("飞机（经济舱） 北京首都国际机场 → 成都天府国际机场 往返")
    expect(first.get_by_test_id("item-kg")).to_have_text("337.2 kg")
    # Units and sources as a Chinese reader writes them; the citation as published stays on the line (title).
    expect(first.get_by_test_id("item-factor")).to_have_text("0.10916 kg CO₂e/人·公里")
    expect(first.get_by_test_id("item-calc")).to_contain_text("人·公里 ×")
    expect(first.get_by_test_id("item-source")).to_contain_text("英国能源安全与净零排放部（DESNZ）")
    for i, item in enumerate(footprint["items"]):
        source = items.nth(i).get_by_test_id("item-source")
        expect(source).to_contain_text(item["factor"]["source_label"])
        expect(source).to_have_attribute("title", item["factor"]["source"])
        expect(items.nth(i).get_by_test_id("item-calc")).not_to_contain_text(item["unit"])
    screenshot(page, "desktop-3-footprint")

    # 4. Neutralise: projects of the scenario, an order with an Idempotency-Key, the sandbox payment.
    page.get_by_test_id("to-offset").click()
    expect(page.get_by_test_id("project-CDCER-FOR")).to_contain_text("龙泉山城市森林碳汇")
    expect(page.get_by_test_id("project-CDCER-FOR")).to_contain_text("¥60.00")
    expect(page.get_by_test_id("project-CDCER-FOR").get_by_test_id("available")).to_contain_text("1,200")
    page.get_by_test_id("project-radio-CDCER-FOR").check()
    page.get_by_test_id("beneficiary").fill("王小明")
    page.get_by_test_id("organization").fill("四川大学")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/orders") and r.request.method == "POST") as ordered:
        page.get_by_test_id("place-order").click()
    assert ordered.value.status == 201, ordered.value.text()
    assert UUID.match(ordered.value.request.headers["idempotency-key"])
    assert ordered.value.request.post_data_json == {"footprint_id": footprint["id"], "project": "CDCER-FOR",
                                                   "beneficiary": "王小明", "organization": "四川大学"}
    created = ordered.value.json()
    fen = created["order"]["amount_fen"]
    expect(page.get_by_test_id("order-amount")).to_have_text(f"¥{fen // 100}.{fen % 100:02d}")
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "pending")
    page.locator(".pay-params summary").click()
    shown = json.loads(page.get_by_test_id("payment-params").inner_text())
    assert shown == created["payment"] and shown["package"].startswith("prepay_id=")
    screenshot(page, "desktop-4-order")
    with page.expect_request(lambda r: r.url.endswith("/sandbox/wechatpay/confirm")) as confirm:
        page.get_by_test_id("pay-sandbox").click()
    assert confirm.value.post_data_json == {"prepay_id": shown["package"].split("=", 1)[1], "deliveries": 1}

    # 5. Certificate, verify links and leaderboards.
    serial_el = page.get_by_test_id("certificate-serial")
    expect(serial_el).to_be_visible(timeout=30_000)
    serial = serial_el.inner_text()
    assert SERIAL.match(serial), serial
    order = page.request.get(f"{live_server}/api/v1/orders/{created['order']['id']}", headers={
        "Authorization": "Bearer " + page.evaluate("() => sessionStorage.getItem('diandian.preview.token')")}).json()
    assert order["status"] == "fulfilled" and order["certificate"]["serial"] == serial
    cert = order["certificate"]
    expect(page.get_by_test_id("verify-link")).to_have_attribute("href", cert["verify_url"])
    expect(page.get_by_test_id("certificate-json-link")).to_have_attribute("href", f"/api/v1/certificates/{serial}")
    expect(page.get_by_test_id("certificate-holder")).to_have_text("王小明")
    expect(page.get_by_test_id("certificate-status")).to_have_text("有效")
    image = page.request.get(cert["image_url"])
    image_exists = image.status == 200 and image.headers.get("content-type", "").startswith("image/png")
    img = page.get_by_test_id("certificate-image")
    expect(img).to_have_attribute("src", f"{cert['image_url']}?lang=zh")  # an <img> cannot send Accept-Language
    fallback = page.get_by_test_id("certificate-fallback")
    if image_exists:
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img.element_handle(),
                               timeout=30_000)
        expect(fallback).to_be_hidden()
    else:
        expect(fallback).to_be_visible()
        expect(fallback).to_contain_text(serial)
        expect(fallback.get_by_role("link")).to_have_attribute("href", cert["verify_url"])
    for board in ("leaderboard-scenario", "leaderboard-all"):
        me = page.get_by_test_id(board).get_by_test_id("leaderboard-me")
        expect(me).to_contain_text("桌面小绿")
        expect(me).to_contain_text(f"{order['kg']} kg")
    page.get_by_test_id("board-by-organization").click()
    expect(page.get_by_test_id("leaderboard-scenario").get_by_test_id("leaderboard-me")).to_contain_text("四川大学")
    page.get_by_test_id("board-by-user").click()
    expect(page.get_by_test_id("leaderboard-scenario").get_by_test_id("leaderboard-me")).to_contain_text("桌面小绿")
    expect(page.get_by_test_id("scenario-hero")).to_contain_text(f"{order['kg']} kg")  # the scenario's counters moved
    screenshot(page, "desktop-5-certificate")
    watch.assert_clean(allowed_console=() if image_exists else (HTTP_404,))

    # Without a picture (image service down), the page says so and links to the verify page instead.
    page.route("**/image.png*", lambda route: route.fulfill(status=404, content_type="application/json",
                                                            body='{"error": {"code": "not_found"}}'))
    page.get_by_test_id("lang-toggle").click()  # draws the certificate again, asking for the English picture
    expect(img).to_have_attribute("src", f"{cert['image_url']}?lang=en")
    expect(fallback).to_be_visible()
    expect(img).to_be_hidden()
    expect(fallback).to_contain_text(serial)
    expect(fallback.get_by_role("link")).to_have_attribute("href", f"{cert['verify_url']}?lang=en")
    expect(page.get_by_test_id("leaderboard-scenario").get_by_test_id("leaderboard-me")).to_contain_text("Me")
    screenshot(page, "desktop-5-certificate-fallback-en")
    page.unroute("**/image.png*")

    # The server-rendered pages the certificate links to.
    credit = page.request.get(f"{live_server}/api/v1/certificates/{serial}").json()["allocations"][0]["credit_serial"]
    page.goto(cert["verify_url"])
    expect(page.locator('[data-status="valid"]')).to_have_text("有效")
    expect(page.locator("body")).to_contain_text(serial)
    expect(page.locator("#claims")).to_contain_text(credit)
    expect(page.locator("body")).to_contain_text("龙泉山城市森林碳汇（演示）")
    expect(page.locator("#holder")).to_have_text("王小明")
    screenshot(page, "desktop-6-verify")
    page.goto(f"{cert['verify_url']}?lang=en")
    expect(page.locator('[data-status="valid"]')).to_have_text("Valid")
    expect(page.locator("body")).to_contain_text("Longquan Mountain urban forest carbon sink (demo)")
    page.goto(f"{live_server}/registry?project=CDCER-FOR")
    expect(page.locator("#projects")).to_contain_text("龙泉山城市森林碳汇（演示）")
    expect(page.locator("#units")).to_contain_text("龙泉山城市森林碳汇（演示）")
    expect(page.locator("body")).to_contain_text(credit)
    expect(page.locator("body")).to_contain_text(serial)


def test_phone_scan_from_the_url_and_sign_in(make_page, live_server):
    page, watch = make_page(390, 844, mobile=True)
    page.goto(f"{live_server}/")
    expect(page.locator('[data-testid^="scenario-card-"]')).to_have_count(6)
    screenshot(page, "phone-1-scan")
    # No horizontal scrolling on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # /?scene= starts at the scanned scenario, like the mini-program's onLoad(query.scene).
    with page.expect_response(lambda r: "/api/v1/deeplinks/resolve" in r.url) as resolved:
        page.goto(f"{live_server}/?scene=CDF2021.door3")
    assert "scene=CDF2021.door3" in resolved.value.url
    expect(page.get_by_test_id("scenario-title")).to_have_text("首届中国数字碳中和高峰论坛")
    expect(page.get_by_test_id("scan-entry")).to_contain_text("door3")
    expect(page.get_by_test_id("scan-entry")).to_contain_text("小程序码")
    expect(page.get_by_test_id("step-signin")).to_have_attribute("data-state", "current")
    page.get_by_test_id("guest-name").fill("phone")
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("user-chip")).to_contain_text("点点用户")
    expect(page.get_by_test_id("step-calc")).to_have_attribute("data-state", "current")
    page.get_by_test_id("input-travel.0.mode").select_option("rail.hsr")
    choose_place(page, "travel.0.from", "chengdu", "city-510100")
    choose_place(page, "travel.0.to", "重庆", "city-500000")
    page.get_by_test_id("input-stay.nights").fill("1")
    screenshot(page, "phone-2-calculator")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("footprint-item")).to_have_count(2)
    expect(page.get_by_test_id("footprint-item").first).to_contain_text("高铁")
    page.get_by_test_id("to-offset").click()
    expect(page.get_by_test_id("project-CDCER-FOR")).to_be_visible()
    screenshot(page, "phone-3-projects")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # A reload keeps the guest (token in sessionStorage) and the scanned scenario (in the URL).
    page.reload()
    expect(page.get_by_test_id("user-chip")).to_contain_text("点点用户")
    expect(page.get_by_test_id("step-calc")).to_have_attribute("data-state", "current")
    watch.assert_clean()


def test_printed_link_in_the_url(make_page, live_server):
    page, watch = make_page(390, 844, mobile=True)
    printed = f"{live_server}/s/DJY?d=gate2"
    with page.expect_response(lambda r: "/api/v1/deeplinks/resolve" in r.url) as resolved:
        page.goto(f"{live_server}/?q={quote(printed, safe='')}")
    assert resolved.value.status == 200
    expect(page.get_by_test_id("scenario-title")).to_have_text("都江堰景区低碳游")
    expect(page.get_by_test_id("scan-entry")).to_contain_text("印刷链接")
    expect(page.get_by_test_id("scan-entry")).to_contain_text("gate2")
    # A closed scenario and garbage are shown as the API words them.
    page.get_by_test_id("edit-scan").click()
    page.locator(".manual summary").click()
    page.get_by_test_id("scan-manual-input").fill("CDF2020.door1")
    page.get_by_test_id("scan-manual-go").click()
    expect(page.get_by_test_id("scan-error")).to_contain_text("该场景已结束")
    expect(page.get_by_test_id("scan-error")).to_have_attribute("data-code", "scenario_closed")
    page.get_by_test_id("scan-manual-input").fill("no such thing!")
    page.get_by_test_id("scan-manual-go").click()
    expect(page.get_by_test_id("scan-error")).to_have_attribute("data-code", "invalid_deeplink")
    expect(page.get_by_test_id("scan-error")).to_contain_text("二维码内容无法识别")
    watch.assert_clean(allowed_console=("status of 410", HTTP_422))


def test_validation_errors_are_shown_next_to_their_fields(make_page, live_server):
    page, watch = make_page(1280, 900)
    scan_and_sign_in(page, live_server, "checker")
    page.get_by_test_id("input-travel.0.mode").select_option("road.taxi")
    page.get_by_test_id("input-travel.0.distance_km").fill("50000")
    page.get_by_test_id("add-travel").click()
    page.get_by_test_id("input-travel.1.mode").select_option("flight.economy")
    page.get_by_test_id("input-travel.1.from").fill("PEK")  # typed, no suggestion chosen: sent as the code
    page.get_by_test_id("input-stay.country").select_option("JP")  # the stay section without its nights
    with page.expect_response(lambda r: r.url.endswith("/api/v1/footprints")) as posted:
        page.get_by_test_id("compute").click()
    assert posted.value.status == 422
    fields = posted.value.json()["error"]["fields"]
    assert set(fields) == {"travel.0.distance_km", "travel.1.to", "stay.nights"}, fields
    error = page.get_by_test_id("error-travel.0.distance_km")
    expect(error).to_be_visible()
    expect(error).to_contain_text("40000")
    expect(page.get_by_test_id("input-travel.0.distance_km")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("error-travel.1.to")).to_be_visible()
    expect(page.get_by_test_id("error-stay.nights")).to_be_visible()
    expect(page.get_by_test_id("calc-error")).to_contain_text("请求参数有误")
    screenshot(page, "desktop-422")
    # Correcting a field clears its message; an empty form is the API's "_schema" error.
    page.get_by_test_id("input-travel.0.distance_km").fill("30")
    expect(error).to_be_hidden()
    for _ in range(2):
        page.get_by_test_id("travel-item").first.get_by_test_id("remove-item").click()
    page.get_by_test_id("input-stay.country").select_option("CN")
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("calc-error")).to_contain_text("请至少填写一项")  # the API speaks Chinese by default
    watch.assert_clean(allowed_console=(HTTP_422,))


def test_english(make_page, live_server):
    page, watch = make_page(1280, 900)
    scan_and_sign_in(page, live_server, "english")
    page.get_by_test_id("input-travel.0.mode").select_option("rail.metro")
    expect(page.get_by_test_id("field-travel.0.from")).to_be_hidden()  # metro: a distance, no places
    page.get_by_test_id("input-travel.0.distance_km").fill("12")
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("footprint-item")).to_have_count(1)
    expect(page.get_by_test_id("item-label")).to_have_text("地铁")

    with page.expect_request(lambda r: "/api/v1/scenarios/CDF2021" in r.url) as refetched:
        page.get_by_test_id("lang-toggle").click()
    assert refetched.value.headers["accept-language"] == "en"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("scenario-title")).to_have_text("The First China Digital Carbon Neutrality Forum")
    expect(page.locator("#h-calc")).to_have_text("Calculate your footprint")
    expect(page.get_by_test_id("section-travel").locator("legend")).to_have_text("Travel")
    expect(page.get_by_test_id("input-travel.0.distance_km")).to_have_value("12")  # typed values survive
    expect(page.get_by_test_id("item-label")).to_have_text("Metro")  # the footprint, fetched again in English
    screenshot(page, "desktop-english")
    page.reload()  # the choice sticks (?lang=en and localStorage)
    expect(page.locator("#h-scan")).to_have_text("Scan a scenario's code")
    watch.assert_clean()


def test_a_reload_keeps_the_scan_and_the_form_and_a_failed_attempt_drops_the_old_result(make_page, live_server):
    page, watch = make_page(1280, 900)
    scan_and_sign_in(page, live_server, "reloader")
    scan_id = page.evaluate("() => JSON.parse(sessionStorage.getItem('diandian.preview.session')).entry.scan_id")
    page.get_by_test_id("input-travel.0.mode").select_option("road.taxi")
    page.get_by_test_id("input-travel.0.distance_km").fill("25")
    page.get_by_test_id("input-stay.nights").fill("2")
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("footprint-result")).to_be_visible()

    resolves: list[str] = []
    page.on("request", lambda r: resolves.append(r.url) if "/api/v1/deeplinks/resolve" in r.url else None)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("calculator")).to_be_visible()
    assert resolves == []  # the same scan, not a new one
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('diandian.preview.session')).entry.scan_id") == scan_id
    expect(page.get_by_test_id("input-travel.0.distance_km")).to_have_value("25")
    expect(page.get_by_test_id("input-stay.nights")).to_have_value("2")

    # A result on screen, then an attempt the API refuses: the old result and its offset step go.
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("footprint-result")).to_be_visible()
    page.get_by_test_id("input-travel.0.distance_km").fill("50000")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/footprints")) as posted:
        page.get_by_test_id("compute").click()
    assert posted.value.status == 422
    expect(page.get_by_test_id("error-travel.0.distance_km")).to_be_visible()
    expect(page.get_by_test_id("footprint-result")).to_have_count(0)
    watch.assert_clean(allowed_console=(HTTP_422,))
