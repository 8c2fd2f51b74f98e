"""The staff console at `/console`, driven in headless Chromium against the live service (sandbox WeChat).

The console must be a real client of the staff API: these tests sign in as each role, click through it,
and check what the API did (posters decode to the door's printed link, the dashboard follows a guest's
journey without a reload, an organiser's top-up ends in an event certificate, payouts are recorded).
"""
from __future__ import annotations

import itertools
import re
import uuid
from pathlib import Path

import pytest
import requests

from tests.browser.conftest import CONSOLE_PASSWORD, screenshot

pytestmark = pytest.mark.browser

SERIAL = re.compile(r"^DD-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$")
# Chromium logs every non-2xx fetch as a console error; these are the ones a test provokes on purpose.
HTTP_401 = "status of 401"  # the console asks GET /api/v1/staff/session before anyone signed in
HTTP_403 = "status of 403"
PROJECT = "CDCER-EV"  # the preview's tests count CDCER-FOR's available tonnes: these tests buy elsewhere
OWNER = "成都绿色公交科技有限公司（演示）"
_codes = itertools.count(1)


def expect(locator_or_page):
    from playwright.sync_api import expect as _expect

    return _expect(locator_or_page)


def new_code(prefix: str) -> str:
    return f"{prefix}{next(_codes)}{uuid.uuid4().hex[:4].upper()}"


def sign_in(page, base: str, email: str, hash_: str = "") -> None:
    page.goto(f"{base}/console{hash_}")
    page.get_by_test_id("input-email").fill(email)
    page.get_by_test_id("input-password").fill(CONSOLE_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/staff/session") and r.request.method == "POST") as rv:
        page.get_by_test_id("signin-button").click()
    assert rv.value.status == 200, rv.value.text()
    expect(page.get_by_test_id("whoami")).to_be_visible()


class StaffApi:
    """The staff API with a bearer token, for setting the scene quickly (the console itself uses the cookie)."""

    def __init__(self, base: str, email: str):
        self.base = base
        rv = requests.post(f"{base}/api/v1/staff/sign-in", json={"email": email, "password": CONSOLE_PASSWORD},
                           timeout=10)
        assert rv.status_code == 200, rv.text
        self.headers = {"Authorization": f"Bearer {rv.json()['token']}"}

    def post(self, path: str, body: dict, expect_status: int = 201) -> dict:
        rv = requests.post(f"{self.base}/api/v1/staff{path}", json=body, headers=self.headers, timeout=10)
        assert rv.status_code == expect_status, rv.text
        return rv.json()

    def scenario(self, code: str, doors: tuple[str, ...] = ("gate1", "gate2"), **extra) -> dict:
        return self.post("/scenarios", {"code": code, "kind": "conference", "title": f"测试大会 {code}",
                                        "venue": "天府国际会议中心", "city": "成都", "grid": "southwest",
                                        "status": "active", "doors": [{"tag": d, "label": f"{d} 入口"} for d in doors],
                                        **extra})


def guest_journey(base: str, name: str, code: str, door: str) -> dict:
    """A sandbox guest scans a door's code, computes, orders and pays (the mini-program's calls)."""
    s = requests.Session()
    rv = s.post(f"{base}/api/v1/auth/login", json={"code": f"sandbox-{name}"}, timeout=10)
    assert rv.status_code == 200, rv.text
    s.headers["Authorization"] = f"Bearer {rv.json()['token']}"
    rv = s.get(f"{base}/api/v1/deeplinks/resolve", params={"scene": f"{code}.{door}"}, timeout=10)
    assert rv.status_code == 200, rv.text
    scan_id = rv.json()["entry"]["scan_id"]
    rv = s.post(f"{base}/api/v1/footprints", timeout=10, json={
        "scenario": code, "scan_id": scan_id, "stay": {"nights": 2},
        "travel": [{"mode": "flight.economy", "from": "PEK", "to": "TFU", "round_trip": True}]})
    assert rv.status_code == 201, rv.text
    rv = s.post(f"{base}/api/v1/orders", json={"footprint_id": rv.json()["id"], "project": PROJECT},
                headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)
    assert rv.status_code == 201, rv.text
    order = rv.json()
    prepay_id = order["payment"]["package"].split("=", 1)[1]
    rv = s.post(f"{base}/sandbox/wechatpay/confirm", json={"prepay_id": prepay_id}, timeout=30)
    assert rv.status_code == 200, rv.text
    rv = s.get(f"{base}/api/v1/orders/{order['order']['id']}", timeout=10)
    assert rv.json()["status"] == "fulfilled", rv.text
    return rv.json()


@pytest.fixture
def opened(live_server, console_staff):
    """Codes of scenarios a test opens; closed again afterwards, so the preview's list of open ones is the demo's."""
    codes: list[str] = []
    yield codes
    organizer = StaffApi(live_server, console_staff["organizer"])
    for code in codes:
        rv = requests.patch(f"{live_server}/api/v1/staff/scenarios/{code}", json={"status": "closed"},
                            headers=organizer.headers, timeout=10)
        assert rv.status_code == 200, rv.text


def decode_qr(image) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_organizer_creates_a_scenario_and_prints_posters(make_page, live_server, console_staff, opened, tmp_path):
    from PIL import Image

    page, watch = make_page(1280, 900)
    shell = page.goto(f"{live_server}/console")
    assert "script-src 'self'" in shell.headers["content-security-policy"]  # no inline or foreign scripts
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    # A wrong password is the API's message, shown in the form.
    page.get_by_test_id("input-email").fill(console_staff["organizer"])
    page.get_by_test_id("input-password").fill("not the password")
    page.get_by_test_id("signin-button").click()
    expect(page.get_by_test_id("signin-error")).to_have_attribute("data-code", "invalid_credentials")
    sign_in(page, live_server, console_staff["organizer"])
    expect(page.get_by_test_id("whoami-role")).to_contain_text("主办方")
    expect(page.get_by_test_id("whoami-org")).to_have_text("中国互联网发展基金会")
    expect(page.get_by_test_id("tab-scenarios")).to_be_visible()
    expect(page.get_by_test_id("tab-projects")).to_have_count(0)
    expect(page.get_by_test_id("tab-accounts")).to_have_count(0)
    expect(page.get_by_test_id("scenario-CDF2021")).to_be_visible()  # the demo scenario of this organisation
    expect(page.get_by_test_id("scenario-DJY")).to_have_count(0)  # another organisation's

    code = new_code("EXPO")
    opened.append(code)
    page.get_by_test_id("new-scenario").click()
    page.get_by_test_id("input-code").fill(code)
    page.get_by_test_id("input-kind").select_option("conference")
    page.get_by_test_id("input-title").fill("2026 成都低碳博览会")
    page.get_by_test_id("input-title_en").fill("Chengdu Low-Carbon Expo 2026")
    page.get_by_test_id("input-venue").fill("世纪城新会展中心")
    page.get_by_test_id("input-city").fill("成都")
    page.get_by_test_id("input-grid").select_option("southwest")
    page.get_by_test_id("input-starts_at").fill("2026-12-01T09:00")
    page.get_by_test_id("input-ends_at").fill("2026-12-03T18:00")
    page.get_by_test_id("input-doors.0.tag").fill("east")
    page.get_by_test_id("input-doors.0.label").fill("东门")
    page.get_by_test_id("add-door-row").click()
    page.get_by_test_id("input-doors.1.tag").fill("hall-b")
    page.get_by_test_id("input-doors.1.label").fill("B 馆")
    page.get_by_test_id("input-city_en").fill("Chengdu")
    page.get_by_test_id("texts-languages").locator("summary").click()
    page.get_by_test_id("input-texts-fr-title").fill("Salon bas carbone de Chengdu 2026")
    page.get_by_test_id("input-texts-hi-title").fill("चेंगदू लो-कार्बन एक्सपो 2026")
    screenshot(page, "console-1-create")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/staff/scenarios") and r.request.method == "POST") as rv:
        page.get_by_test_id("create-scenario").click()
    assert rv.value.status == 201, rv.value.text()
    sent = rv.value.request
    assert sent.headers["x-csrf-token"]  # the cookie session's CSRF token, echoed
    body = sent.post_data_json
    assert body["doors"] == [{"tag": "east", "label": "东门"}, {"tag": "hall-b", "label": "B 馆"}]
    assert body["starts_at"] == "2026-12-01T09:00:00+08:00" and body["status"] == "draft"
    assert body["texts"] == {"fr": {"title": "Salon bas carbone de Chengdu 2026"},
                             "hi": {"title": "चेंगदू लो-कार्बन एक्सपो 2026"}} and body["city_en"] == "Chengdu"

    # The new scenario opens on its doors; it is a draft until opened.
    expect(page.get_by_test_id("scenario-title")).to_have_text("2026 成都低碳博览会")
    expect(page.get_by_test_id("scenario-status")).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("door-east").get_by_test_id("door-link")).to_have_text(f"{live_server}/s/{code}?d=east")
    expect(page.get_by_test_id("door-hall-b")).to_contain_text("B 馆")
    with page.expect_response(lambda r: r.url.endswith(f"/scenarios/{code}") and r.request.method == "PATCH") as rv:
        page.get_by_test_id("open-scenario").click()
    assert rv.value.request.post_data_json == {"status": "active"} and rv.value.status == 200
    expect(page.get_by_test_id("scenario-status")).to_have_attribute("data-status", "active")
    assert requests.get(f"{live_server}/api/v1/scenarios/{code}", timeout=10).status_code == 200  # guests see it now
    french = requests.get(f"{live_server}/api/v1/scenarios/{code}?lang=fr", timeout=10).json()["localized"]
    assert (french["title"], french["city"]) == ("Salon bas carbone de Chengdu 2026", "Chengdu")

    # Posters: a PNG (A4) of one door and a PDF (table tent) of the other, both scanning to the door's link.
    with page.expect_download() as dl:
        page.get_by_test_id("door-east").get_by_test_id("poster-png").click()
    png = tmp_path / dl.value.suggested_filename
    dl.value.save_as(png)
    assert png.name == f"{code}-east-a4.png"
    assert decode_qr(Image.open(png)) == [f"{live_server}/s/{code}?d=east"]

    page.get_by_test_id("input-paper").select_option("tent")
    page.get_by_test_id("input-poster-lang").select_option("fr")  # a French poster, Chinese under it
    with page.expect_download() as dl:
        page.get_by_test_id("door-hall-b").get_by_test_id("poster-pdf").click()
    pdf_path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(pdf_path)
    assert pdf_path.name == f"{code}-hall-b-tent.pdf"
    assert pdf_path.read_bytes().startswith(b"%PDF")
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    rendered = pdf[0].render(scale=2).to_pil()
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert "Scannez avec WeChat" in text and "微信扫码" in text  # real text, in the languages chosen
    codes = decode_qr(rendered)  # a table tent prints the code on both of its faces
    assert codes and set(codes) == {f"{live_server}/s/{code}?d=hall-b"}, codes

    # A third door, added and removed again.
    page.get_by_test_id("input-tag").fill("north")
    page.get_by_test_id("input-label").fill("北门")
    page.get_by_test_id("add-door").click()
    expect(page.get_by_test_id("door-north")).to_be_visible()
    page.on("dialog", lambda d: d.accept())
    page.get_by_test_id("door-north").get_by_test_id("remove-door").click()
    expect(page.get_by_test_id("door-north")).to_have_count(0)
    # A tag that cannot travel in a QR scene: the API's field message sits next to the field.
    page.get_by_test_id("input-tag").fill("no spaces!")
    page.get_by_test_id("add-door").click()
    expect(page.get_by_test_id("error-tag")).to_be_visible()
    screenshot(page, "console-1-doors")
    watch.assert_clean(allowed_console=(HTTP_401, "status of 422"))


def test_dashboard_follows_a_guest_without_a_reload(make_page, live_server, console_staff, opened):
    organizer = StaffApi(live_server, console_staff["organizer"])
    code = new_code("DASH")
    organizer.scenario(code)
    opened.append(code)

    page, watch = make_page(1280, 900)
    page.clock.install()
    sign_in(page, live_server, console_staff["organizer"], f"#/scenarios/{code}/dashboard")
    dashboard = page.get_by_test_id("dashboard")
    expect(page.get_by_test_id("total-scans")).to_have_attribute("data-value", "0")
    expect(page.get_by_test_id("funnel-paid")).to_have_attribute("data-value", "0")
    expect(dashboard.get_by_test_id("chart")).to_be_visible()

    order = guest_journey(live_server, f"dash-{code.lower()}", code, "gate2")
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/dashboard" in r.url else None)
    page.clock.fast_forward("00:11")  # the dashboard polls every 10 s while visible
    expect(page.get_by_test_id("total-scans")).to_have_attribute("data-value", "1")
    assert polls, "the dashboard did not poll"
    expect(page.get_by_test_id("total-participants")).to_have_attribute("data-value", "1")
    expect(page.get_by_test_id("total-neutralized_kg")).to_have_attribute("data-value", str(int(order["kg"])))
    expect(page.get_by_test_id("total-amount_fen")).to_have_attribute("data-value", str(order["amount_fen"]))
    for step in ("scanned", "computed", "ordered", "paid"):
        expect(page.get_by_test_id(f"funnel-{step}")).to_have_attribute("data-value", "1")
    gate2 = page.get_by_test_id("door-stats-gate2")
    expect(gate2.get_by_test_id("scans")).to_have_text("1")
    expect(gate2.get_by_test_id("paid")).to_have_text("1")
    expect(page.get_by_test_id("door-stats-gate1").get_by_test_id("scans")).to_have_text("0")
    chart = dashboard.get_by_test_id("chart")
    expect(chart.locator('[data-key="participants"] circle').last).to_be_attached()
    assert int(chart.get_attribute("data-points")) >= 1
    expect(page.get_by_test_id("leaderboard")).to_contain_text(f"{int(order['kg'])}")
    screenshot(page, "console-2-dashboard")
    page.set_viewport_size({"width": 390, "height": 844})  # readable on a phone: no sideways scrolling
    expect(page.get_by_test_id("funnel-paid")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # The "By door" table shows its kg column without sideways scrolling.
    kg_cell = gate2.get_by_test_id("kg")
    kg_cell.scroll_into_view_if_needed()
    box, wrap = kg_cell.bounding_box(), page.get_by_test_id("door-stats").locator("xpath=..").bounding_box()
    assert box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1 and box["x"] >= wrap["x"], (box, wrap)
    assert page.evaluate("() => { const w = document.querySelector('[data-testid=door-stats]').parentElement;"
                         " return w.scrollWidth - w.clientWidth; }") <= 1
    screenshot(page, "console-2-dashboard-phone")

    with page.expect_download() as dl:
        page.get_by_test_id("csv-orders").click()
    assert dl.value.suggested_filename == f"{code}-orders.csv"
    rows = Path(dl.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("order_id,")
    assert any(r.startswith(f"{order['id']},") and r.endswith(",gate2") for r in rows), rows
    watch.assert_clean(allowed_console=(HTTP_401,))


def test_organizer_tops_up_to_an_event_certificate(make_page, live_server, console_staff, opened):
    organizer = StaffApi(live_server, console_staff["organizer"])
    code = new_code("EVT")
    organizer.scenario(code)
    opened.append(code)

    page, watch = make_page(1280, 1000)
    sign_in(page, live_server, console_staff["organizer"], f"#/scenarios/{code}/event")
    form = page.get_by_test_id("event-form")
    expect(form.get_by_test_id("section-venue")).to_be_visible()
    page.get_by_test_id("event-compute").click()  # nothing filled in: the API's message for the whole form
    expect(page.get_by_test_id("event-form-error").locator(".error-box")).to_have_attribute("data-code",
                                                                                          "validation_error")
    form.get_by_test_id("input-electricity_kwh").fill("12000")
    form.get_by_test_id("input-catering.guests").fill("300")
    form.get_by_test_id("input-catering.meals_per_guest").fill("2")
    form.get_by_test_id("add-materials").click()
    form.get_by_test_id("input-materials.0.material").select_option("paper")
    form.get_by_test_id("input-materials.0.kg").fill("150")
    form.get_by_test_id("add-staff_travel").click()
    form.get_by_test_id("input-staff_travel.0.mode").select_option("rail.hsr")
    form.get_by_test_id("input-staff_travel.0.distance_km").fill("300")
    form.get_by_test_id("input-staff_travel.0.round_trip").check()
    form.get_by_test_id("input-staff_travel.0.people").fill("6")
    form.get_by_test_id("add-attendees.travel").click()
    form.get_by_test_id("input-attendees.travel.0.mode").select_option("flight.economy")
    form.get_by_test_id("input-attendees.travel.0.from").fill("PEK")
    form.get_by_test_id("input-attendees.travel.0.to").fill("TFU")
    form.get_by_test_id("input-attendees.travel.0.round_trip").check()
    form.get_by_test_id("input-attendees.travel.0.people").fill("40")
    form.get_by_test_id("input-attendees.room_nights").fill("80")
    with page.expect_response(lambda r: r.url.endswith("/event/footprint")) as rv:
        page.get_by_test_id("event-compute").click()
    assert rv.value.status == 201, rv.value.text()
    sent = rv.value.request.post_data_json
    assert sent["electricity_kwh"] == 12000 and sent["catering"]["guests"] == 300
    assert sent["staff_travel"] == [{"mode": "rail.hsr", "distance_km": 300, "round_trip": True, "people": 6}]
    assert sent["attendees"]["travel"][0] == {"mode": "flight.economy", "from": "PEK", "to": "TFU",
                                             "round_trip": True, "people": 40}
    footprint = rv.value.json()
    expect(page.get_by_test_id("total-kg")).to_contain_text(f"{footprint['total_kg']:,}".rstrip("0").rstrip("."))
    expect(page.get_by_test_id("event-item")).to_have_count(len(footprint["items"]))
    screenshot(page, "console-3-event-footprint")

    page.get_by_test_id("topup-project").select_option(PROJECT)
    with page.expect_response(lambda r: r.url.endswith("/event/topups") and r.request.method == "POST") as rv:
        page.get_by_test_id("topup-quote").click()
    assert rv.value.status == 201, rv.value.text()
    quote = rv.value.json()
    assert quote["order"]["status"] == "pending" and quote["topup_kg"] == quote["total_kg"]
    qr = page.get_by_test_id("pay-qr")
    expect(qr).to_have_attribute("src", quote["order"]["qr_url"])
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    expect(page.get_by_test_id("quote-amount")).to_contain_text(f"{quote['amount_fen'] // 100:,}")
    screenshot(page, "console-3-pay")
    with page.expect_request(lambda r: r.url.endswith("/sandbox/wechatpay/confirm")) as confirm:
        page.get_by_test_id("pay-sandbox").click()
    assert confirm.value.post_data_json == {"code_url": quote["order"]["code_url"]}

    serial = page.get_by_test_id("certificate-serial")
    expect(serial).to_be_visible(timeout=20_000)
    assert SERIAL.match(serial.inner_text()), serial.inner_text()
    expect(page.get_by_test_id("topup-status")).to_have_attribute("data-status", "fulfilled")
    expect(page.get_by_test_id("pay-qr")).to_have_count(0)
    link = page.get_by_test_id("verify-link")
    expect(link).to_have_attribute("href", f"{live_server}/verify/{serial.inner_text()}")
    img = page.get_by_test_id("certificate-image")
    page.wait_for_function("(img) => img.complete && (img.naturalWidth > 0 || img.hidden)", arg=img.element_handle(),
                           timeout=20_000)
    screenshot(page, "console-3-certificate")
    # Back on the tab later, the console shows the certificate it already has.
    page.reload()
    expect(page.get_by_test_id("certificate-serial")).to_have_text(serial.inner_text())
    watch.assert_clean(allowed_console=(HTTP_401, "status of 422"))


def test_each_role_sees_only_its_own(make_page, live_server, console_staff, opened):
    organizer = StaffApi(live_server, console_staff["organizer"])
    mine, other = new_code("VEN"), new_code("OTH")
    organizer.scenario(mine, doors=("lobby",))
    organizer.scenario(other, doors=("side",))
    opened.extend([mine, other])
    guest_journey(live_server, f"owner-{mine.lower()}", mine, "lobby")  # a sale for the project owner

    # The organiser assigns the venue staff member to one of the two scenarios.
    page, watch = make_page(1280, 900)
    sign_in(page, live_server, console_staff["organizer"], f"#/scenarios/{mine}/staff")
    expect(page.get_by_test_id("assignment")).to_have_count(0)
    page.get_by_test_id("input-email").fill(console_staff["organizer"])  # not a venue staff account
    page.get_by_test_id("assign").click()
    expect(page.get_by_test_id("error-email")).to_be_visible()
    page.get_by_test_id("input-email").fill(console_staff["venue_staff"])
    page.get_by_test_id("assign").click()
    expect(page.locator(f'[data-testid="assignment"][data-email="{console_staff["venue_staff"]}"]')).to_be_visible()
    expect(page.get_by_test_id("error-email")).to_be_hidden()
    watch.assert_clean(allowed_console=(HTTP_401, "status of 422"))

    # Venue staff: only the assigned scenario, only its doors and posters.
    page, watch = make_page(390, 844, mobile=True)
    sign_in(page, live_server, console_staff["venue_staff"])
    expect(page.get_by_test_id(f"scenario-{mine}")).to_be_visible()
    expect(page.get_by_test_id("scenario-list").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("new-scenario")).to_have_count(0)
    expect(page.get_by_test_id("tabs").locator("a")).to_have_count(1)
    page.get_by_test_id(f"scenario-{mine}").click()
    expect(page.get_by_test_id("subtab-doors")).to_be_visible()
    for tab in ("dashboard", "settings", "staff", "event"):
        expect(page.get_by_test_id(f"subtab-{tab}")).to_have_count(0)
    expect(page.get_by_test_id("open-scenario")).to_have_count(0)
    expect(page.get_by_test_id("add-door-form")).to_have_count(0)
    expect(page.get_by_test_id("remove-door")).to_have_count(0)
    with page.expect_download() as dl:
        page.get_by_test_id("door-lobby").get_by_test_id("poster-png").click()
    assert dl.value.suggested_filename == f"{mine}-lobby-a4.png"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "console-4-venue-phone")
    # A page the role may not use: the API's 403 is a message, the console keeps working.
    page.goto(f"{live_server}/console#/projects")
    expect(page.get_by_test_id("view-error")).to_have_attribute("data-code", "forbidden")
    page.get_by_test_id("tab-scenarios").click()
    expect(page.get_by_test_id(f"scenario-{mine}")).to_be_visible()
    page.goto(f"{live_server}/console#/scenarios/{other}/doors")
    expect(page.get_by_test_id("view")).to_contain_text("No such scenario")
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    watch.assert_clean(allowed_console=(HTTP_401, HTTP_403))

    # Project owner: their projects with sales, and their balance.
    page, watch = make_page(1280, 900)
    sign_in(page, live_server, console_staff["project_owner"])
    expect(page.get_by_test_id("tab-scenarios")).to_have_count(0)
    row = page.get_by_test_id(f"project-{PROJECT}")
    expect(row).to_be_visible()
    expect(page.get_by_test_id("project-list").locator("tbody tr")).to_have_count(1)
    assert int(row.get_by_test_id("kg-sold").inner_text().replace(",", "")) > 0
    row.get_by_role("link").click()
    expect(page.get_by_test_id("sale").first).to_be_visible()
    page.get_by_test_id("tab-money").click()
    expect(page.get_by_test_id("balance-org")).to_have_text(OWNER)
    outstanding = int(page.get_by_test_id("balance-outstanding").get_attribute("data-value"))
    assert outstanding > 1000
    expect(page.get_by_test_id("payout-form")).to_have_count(0)
    screenshot(page, "console-4-owner")
    watch.assert_clean(allowed_console=(HTTP_401,))

    # Admin: records a payout to that owner; the owner's outstanding balance drops by it.
    page, watch = make_page(1280, 900)
    sign_in(page, live_server, console_staff["admin"], "#/money")
    page.get_by_test_id("input-organization").fill(OWNER)
    page.get_by_test_id("load-org").click()
    expect(page.get_by_test_id("balance-outstanding")).to_have_attribute("data-value", str(outstanding))
    page.get_by_test_id("input-amount").fill("10.00")
    reference = f"CMB-{uuid.uuid4().hex[:8]}"
    page.get_by_test_id("input-bank_reference").fill(reference)
    page.get_by_test_id("input-paid_on").fill("2026-11-20")
    page.get_by_test_id("input-note").fill("十一月结算")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/staff/payouts") and r.request.method == "POST") as rv:
        page.get_by_test_id("record-payout").click()
    assert rv.value.status == 201, rv.value.text()
    sent = rv.value.request.post_data_json
    assert sent["amount_fen"] == 1000 and sent["bank_reference"] == reference and sent["paid_on"] == "2026-11-20"
    expect(page.get_by_test_id("balance-outstanding")).to_have_attribute("data-value", str(outstanding - 1000))
    expect(page.locator(f'[data-testid="payout"][data-reference="{reference}"]')).to_contain_text("¥10.00")
    # The same bank reference twice is refused, with the API's message.
    page.get_by_test_id("input-amount").fill("1")
    page.get_by_test_id("input-bank_reference").fill(reference)
    page.get_by_test_id("record-payout").click()
    expect(page.get_by_test_id("payout-error").locator(".error-box")).to_be_visible()
    screenshot(page, "console-4-admin-payout")
    with page.expect_download() as dl:
        page.get_by_test_id("statement-csv").click()
    assert dl.value.suggested_filename.endswith(".csv")
    # And opens an account.
    page.get_by_test_id("tab-accounts").click()
    new_email = f"new-{uuid.uuid4().hex[:6]}@dd.test"
    page.get_by_test_id("input-email").fill(new_email)
    page.get_by_test_id("input-name").fill("新同事")
    page.get_by_test_id("input-password").fill("short")
    page.get_by_test_id("input-role").select_option("venue_staff")
    page.get_by_test_id("create-account").click()
    expect(page.get_by_test_id("error-password")).to_be_visible()
    page.get_by_test_id("input-password").fill("a-long-enough-password")
    page.get_by_test_id("create-account").click()
    expect(page.get_by_test_id("account-message")).to_contain_text("新同事")
    # The new account is listed; disabling it takes effect at once.
    row = page.locator(f'[data-testid="account-row"][data-email="{new_email}"]')
    expect(row).to_have_attribute("data-active", "true")
    row.get_by_test_id("disable-account").click()
    expect(row).to_have_attribute("data-active", "false")
    refused = requests.post(f"{live_server}/api/v1/staff/session",
                            json={"email": new_email, "password": "a-long-enough-password"}, timeout=10)
    assert refused.status_code == 401
    watch.assert_clean(allowed_console=(HTTP_401, "status of 409", "status of 422"))
