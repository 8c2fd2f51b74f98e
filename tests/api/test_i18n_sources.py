"""Texts that were English or zh/en only, now from the catalogue in six languages: factor sources
(`source_label`, the citation `source` unchanged), units, the masked name and the event boundary."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from app.i18n import LANGUAGES
from app.schemas.guest.factor_sources import NUMBER, SOURCE_DETAILS, detail_template, source_label, split_source
from tests.api.test_i18n import HEADERS
from tests.api.test_leaderboards import board, neutralise
from tests.api.test_public_pages import fulfilled
from tests.conftest import staff_headers
from tests.journey import Guest

FACTORS = Path(__file__).resolve().parents[2] / "app" / "data" / "factors"
HOTEL_CN = "UK DESNZ GHG conversion factors 2025: Hotel stay, China"
HOTEL_CN_LABEL = {
    "zh": "英国能源安全与净零排放部（DESNZ）2025 年温室气体换算系数：酒店住宿，中国",
    "en": "UK Department for Energy Security and Net Zero (DESNZ), greenhouse gas conversion factors 2025: "
          "Hotel stay, China",
    "fr": "Ministère britannique de la Sécurité énergétique et de la Neutralité carbone (DESNZ), facteurs de "
          "conversion des gaz à effet de serre 2025 : Séjour à l’hôtel, Chine",
    "hi": "यूके ऊर्जा सुरक्षा और नेट ज़ीरो विभाग (DESNZ), ग्रीनहाउस गैस रूपांतरण गुणांक 2025: होटल में ठहरना, चीन",
    "bn": "যুক্তরাজ্যের জ্বালানি নিরাপত্তা ও নেট জিরো বিভাগ (DESNZ), গ্রিনহাউস গ্যাস রূপান্তর গুণক 2025: হোটেলে থাকা, চীন",
    "sw": "Idara ya Usalama wa Nishati na Net Zero ya Uingereza (DESNZ), vipengele vya ubadilishaji wa gesi joto "
          "2025: Kukaa hotelini, China",
}
TRIP = {"scenario": "CDF2021", "travel": [{"mode": "flight.economy", "from": "PEK", "to": "TFU"}],
        "stay": {"nights": 2, "country": "CN"}, "meals": {"standard": 2}}
ANONYMOUS = {"zh": "匿名用户", "en": "Anonymous guest", "fr": "Invité anonyme", "hi": "अनाम अतिथि",
             "bn": "বেনামি অতিথি", "sw": "Mgeni asiyejulikana"}


def shipped_sources() -> set[str]:
    out = set()
    for path in sorted(FACTORS.glob("diandian-*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            out |= {row["source"] for row in csv.DictReader(f)}
    return out


# -- factor sources ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en", "fr", "hi", "bn", "sw"])
def test_footprint_items_carry_the_source_label_and_keep_the_citation(client, seeded, lang):
    rv = client.post(f"/api/v1/footprints?lang={lang}", json=TRIP)
    assert rv.status_code == 201, rv.json
    flight, stay, meal = rv.json["items"]
    assert stay["factor"]["source"] == HOTEL_CN  # the citation exactly as the factor set has it
    assert stay["factor"]["source_label"] == HOTEL_CN_LABEL[lang]
    assert flight["factor"]["source"].startswith("UK DESNZ GHG conversion factors 2025: Business travel air")
    assert meal["factor"]["source"].startswith("derived: Scarborough et al. 2014")
    for item in (flight, meal):
        label = item["factor"]["source_label"]
        assert sorted(NUMBER.findall(label)) == sorted(NUMBER.findall(item["factor"]["source"]))
    if lang == "zh":
        assert flight["factor"]["source_label"].startswith("英国能源安全与净零排放部（DESNZ）2025 年温室气体换算系数：商务航空旅行")
        assert meal["factor"]["source_label"].startswith("推算：Scarborough 等 2014")
    # The same footprint read again in another language: only the labels change.
    other = client.get(f"/api/v1/footprints/{rv.json['id']}", headers={"Accept-Language": HEADERS[lang]}).json
    assert [i["factor"] for i in other["items"]] == [i["factor"] for i in rv.json["items"]]


def test_source_label_by_accept_language_and_lang(client, seeded):
    fp = client.post("/api/v1/footprints", json=TRIP, headers={"Accept-Language": "fr-FR"}).json
    assert fp["items"][1]["factor"]["source_label"] == HOTEL_CN_LABEL["fr"]
    again = client.get(f"/api/v1/footprints/{fp['id']}?lang=hi", headers={"Accept-Language": "fr"}).json
    assert again["items"][1]["factor"]["source_label"] == HOTEL_CN_LABEL["hi"]
    assert again["items"][1]["factor"]["source"] == HOTEL_CN


def test_factor_set_serves_source_labels_per_language(client):
    zh = client.get("/api/v1/factor-sets/diandian-2025.1")
    en = client.get("/api/v1/factor-sets/diandian-2025.1?lang=en")
    fr = client.get("/api/v1/factor-sets/diandian-2025.1", headers={"Accept-Language": "fr-FR"})
    for rv in (zh, en, fr):
        assert rv.status_code == 200 and rv.headers["Vary"] == "Accept-Language"
    hotel = {lang: next(f for f in rv.json["factors"] if f["key"] == "stay.hotel.CN")
             for lang, rv in (("zh", zh), ("en", en), ("fr", fr))}
    assert {h["source"] for h in hotel.values()} == {HOTEL_CN}
    assert {lang: h["source_label"] for lang, h in hotel.items()} == {k: HOTEL_CN_LABEL[k] for k in hotel}
    # One ETag per language: a cache never answers a French reader with the Chinese page.
    assert len({zh.headers["ETag"], en.headers["ETag"], fr.headers["ETag"]}) == 3
    assert client.get("/api/v1/factor-sets/diandian-2025.1?lang=fr",
                      headers={"If-None-Match": fr.headers["ETag"]}).status_code == 304
    assert client.get("/api/v1/factor-sets/diandian-2025.1?lang=fr",
                      headers={"If-None-Match": zh.headers["ETag"]}).status_code == 200


def test_verify_page_shows_the_label_in_the_page_language_and_the_citation(client, seeded):
    _guest, _order, serial = fulfilled(client)
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    # tests.api.test_public_pages' small footprint: a high-speed rail ride.
    assert "毛保华（北京交通大学），2019 年中国高铁全过程排放，《中国环境报》2024-03-05 报道" in page
    assert re.search(r'<small class="muted source-original" lang="en">Mao Baohua \(Beijing Jiaotong University\), '
                     r'China high-speed rail full-process emissions 2019', page)
    assert "人·公里" in page and "passenger.km</span>" not in page and "/passenger.km" not in page
    fr = client.get(f"/verify/{serial}?lang=fr").get_data(as_text=True)
    assert "Mao Baohua (Université Jiaotong de Pékin)" in fr and "passager·km" in fr


@pytest.mark.parametrize("source", sorted(shipped_sources()))
def test_every_shipped_source_is_in_the_catalogue_and_keeps_its_numbers(source):
    """Each factor of the shipped sets gets a label with a known title (or none, for the one citation that
    is a sentence) and a known rest, and no language drops or mistypes one of its numbers."""
    _derived, title, rest = split_source(source)
    template = detail_template(rest)[0] if rest else None
    assert template is None or template in SOURCE_DETAILS, template
    assert title is not None or template is not None
    numbers = NUMBER.findall(source)
    for lang in LANGUAGES:
        label = source_label(source, lang)
        assert sorted(NUMBER.findall(label)) == sorted(numbers), (lang, label)
        if lang != "en":
            assert label != source and label != source_label(source, "en"), (lang, label)


def test_an_unknown_citation_is_kept_as_it_is():
    assert source_label("Someone 2031, a new factor 4.2", "zh") == "Someone 2031, a new factor 4.2"
    assert source_label("UK DESNZ GHG conversion factors 2025: Tram", "zh") == \
        "英国能源安全与净零排放部（DESNZ）2025 年温室气体换算系数：Tram"
    assert source_label("derived: a {brace}", "fr") == "Dérivé : a {brace}"
    assert source_label("", "zh") == "" and source_label(None, "zh") is None


# -- units ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, passenger_km, room_night", [
    ("zh", "人·公里", "间·夜"), ("en", "passenger-km", "room-night"), ("fr", "passager·km", "chambre·nuit"),
    ("hi", "यात्री·km", None), ("bn", "যাত্রী·km", None), ("sw", "abiria·km", None),
])
def test_units_guests_see_are_labelled_in_each_language(client, seeded, lang, passenger_km, room_night):
    items = client.post(f"/api/v1/footprints?lang={lang}", json=TRIP).json["items"]
    flight, stay = items[0], items[1]
    assert flight["unit"] == flight["factor"]["unit"] == "passenger.km"
    assert flight["unit_label"] == flight["factor"]["unit_label"] == passenger_km
    assert stay["unit"] == "room.night" and stay["unit_label"] not in ("room.night", "")
    if room_night:
        assert stay["unit_label"] == room_night
    # The calculator's fields (what the mini-program renders) carry a unit_label too.
    calculator = client.get(f"/api/v1/scenarios/CDF2021?lang={lang}").json["calculator"]
    fields = {f["name"]: f for s in calculator["sections"] for f in s["fields"]}
    assert fields["nights"]["unit"] == "night"
    assert fields["nights"]["unit_label"] == {"zh": "晚", "en": "nights", "fr": "nuits", "hi": "रातें", "bn": "রাত",
                                              "sw": "usiku"}[lang]
    assert fields["distance_km"]["unit"] == "km" and fields["distance_km"]["unit_label"]


# -- the masked name ----------------------------------------------------------------------------------------

def test_the_masked_name_in_six_languages(client, seeded):
    shown, hidden = Guest(client, "shown"), Guest(client, "hidden")
    client.patch("/api/v1/me", json={"nickname": "Shown"}, headers=shown.headers)
    neutralise(client, shown, 300)
    order = neutralise(client, hidden, 500)
    client.patch("/api/v1/me", json={"show_on_leaderboard": False}, headers=hidden.headers)
    serial = hidden.get_order(order["id"])["certificate"]["serial"]
    for lang in LANGUAGES:
        names = [e["name"] for e in board(client, {"Accept-Language": HEADERS[lang]}, scenario="CDF2021")["entries"]]
        assert names == [ANONYMOUS[lang], "Shown"], lang
        public = client.get(f"/api/v1/certificates/{serial}?lang={lang}").json
        assert public["holder"] == ANONYMOUS[lang] and public["holder_masked"] is True
        page = client.get(f"/verify/{serial}?lang={lang}").get_data(as_text=True)
        assert ANONYMOUS[lang] in page, lang


# -- the event certificate's boundary -------------------------------------------------------------------------

BOUNDARY_STARTS = {
    "zh": "本证书涵盖活动本身的排放：场馆用电",
    "en": "This certificate covers the event's own emissions: venue electricity",
    "fr": "Ce certificat couvre les émissions propres à l’événement",
    "hi": "यह प्रमाणपत्र कार्यक्रम के अपने उत्सर्जन को कवर करता है",
    "bn": "এই সনদ অনুষ্ঠানের নিজস্ব নিঃসরণ অন্তর্ভুক্ত করে",
    "sw": "Cheti hiki kinajumuisha utoaji wa tukio lenyewe",
}


def test_the_event_boundary_in_six_languages(client, accounts):
    org = staff_headers(client, "org@dd.test")
    url = "/api/v1/staff/scenarios/CDF2021/event"
    footprint = client.post(f"{url}/footprint", json={"electricity_kwh": 2000}, headers=org).json
    order = client.post(f"{url}/topups", json={"footprint_id": footprint["id"], "project": "CDCER-FOR"},
                        headers=org).json["order"]
    assert client.post("/sandbox/wechatpay/confirm", json={"code_url": order["code_url"]}).status_code == 200
    serial = client.get(f"{url}/topups/{order['id']}", headers=org).json["certificate"]["serial"]

    for lang in LANGUAGES:
        event = client.get(f"/api/v1/certificates/{serial}?lang={lang}").json["event"]
        # zh and en as before; the four others added; the same whatever the request's language.
        assert set(event["boundary"]) == set(LANGUAGES)
        assert {k: v[:len(BOUNDARY_STARTS[k])] for k, v in event["boundary"].items()} == BOUNDARY_STARTS
        page = client.get(f"/verify/{serial}?lang={lang}").get_data(as_text=True)
        shown = re.search(r'<p class="muted" id="boundary">(.*?)</p>', page, re.S).group(1)
        assert shown.startswith(BOUNDARY_STARTS[lang].replace("'", "&#39;")), (lang, shown[:60])
    assert event["boundary"]["en"].endswith("Attendees' travel and life outside the event are not covered.")

