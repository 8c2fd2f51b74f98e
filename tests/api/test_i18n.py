"""Six languages over HTTP: `lang` (query or body) over Accept-Language, default zh; error and field
messages translated by code (marshmallow's messages are coded msgids, app/schemas/messages.py)."""
from __future__ import annotations

import pytest

from tests.api.test_public_pages import fulfilled

NOT_FOUND = {
    "zh": "找不到该场景",
    "en": "No such scenario.",
    "fr": "Scénario introuvable.",
    "hi": "ऐसा कोई परिदृश्य नहीं।",
    "bn": "এমন কোনো দৃশ্যপট নেই।",
    "sw": "Hakuna tukio kama hilo.",
}
HEADERS = {"zh": "zh-CN", "en": "en-GB", "fr": "fr-FR", "hi": "hi-IN", "bn": "bn-BD", "sw": "sw-KE"}


@pytest.mark.parametrize("lang", sorted(NOT_FOUND))
def test_an_error_in_each_language_by_accept_language(client, lang):
    rv = client.get("/api/v1/scenarios/NOPE", headers={"Accept-Language": f"{HEADERS[lang]},en;q=0.5"})
    assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"
    assert rv.json["error"]["message"] == NOT_FOUND[lang]


@pytest.mark.parametrize("lang", sorted(NOT_FOUND))
def test_an_error_in_each_language_by_lang(client, lang):
    rv = client.get(f"/api/v1/scenarios/NOPE?lang={lang}", headers={"Accept-Language": "de, en;q=0.1"})
    assert rv.json["error"]["message"] == NOT_FOUND[lang]


def test_lang_beats_accept_language_and_the_default_is_chinese(client):
    assert client.get("/api/v1/scenarios/NOPE?lang=fr", headers={"Accept-Language": "en"}).json["error"]["message"] \
        == NOT_FOUND["fr"]
    assert client.get("/api/v1/scenarios/NOPE").json["error"]["message"] == NOT_FOUND["zh"]
    assert client.get("/api/v1/scenarios/NOPE", headers={"Accept-Language": "de-DE"}).json["error"]["message"] \
        == NOT_FOUND["zh"]
    # an unknown lang= is ignored, Accept-Language decides
    assert client.get("/api/v1/scenarios/NOPE?lang=xx", headers={"Accept-Language": "sw"}).json["error"]["message"] \
        == NOT_FOUND["sw"]


def test_lang_in_a_json_body(client):
    rv = client.post("/api/v1/auth/login", json={"code": "", "lang": "hi"}, headers={"Accept-Language": "en"})
    assert rv.status_code == 422
    assert rv.json["error"]["message"] == "कुछ फ़ील्ड मान्य नहीं हैं।"
    assert rv.json["error"]["fields"] == {"code": ["लंबाई 1 और 128 के बीच होनी चाहिए।"]}


FOOTPRINT = {"scenario": "CDF2021", "stay": {"nights": 1, "country": "CN"}}


@pytest.mark.parametrize("lang, missing, too_long, wrong_type", [
    ("zh", "缺少必填字段", "长度应在 1 到 128 之间", "应为整数"),
    ("en", "Missing data for required field.", "Length must be between 1 and 128.", "Not a valid integer."),
    ("fr", "Champ obligatoire manquant.", "La longueur doit être comprise entre 1 et 128.",
     "Nombre entier non valide."),
    ("hi", "आवश्यक फ़ील्ड का डेटा नहीं है।", "लंबाई 1 और 128 के बीच होनी चाहिए।", "अमान्य पूर्णांक।"),
    ("bn", "আবশ্যিক ঘরের তথ্য নেই।", "দৈর্ঘ্য 1 থেকে 128-এর মধ্যে হতে হবে।", "অবৈধ পূর্ণসংখ্যা।"),
    ("sw", "Data ya sehemu inayohitajika haipo.", "Urefu lazima uwe kati ya 1 na 128.", "Namba kamili si sahihi."),
])
def test_marshmallow_messages_by_code(client, auth, seeded, lang, missing, too_long, wrong_type):
    """A missing field, a too long string and a wrong type, each translated from its coded msgid."""
    headers = {"Accept-Language": HEADERS[lang]}
    assert client.post("/api/v1/auth/login", json={}, headers=headers).json["error"]["fields"] == {"code": [missing]}
    assert client.post("/api/v1/auth/login", json={"code": "x" * 129}, headers=headers).json["error"]["fields"] \
        == {"code": [too_long]}
    guest = auth.login()
    body = {**FOOTPRINT, "stay": {"nights": "two", "country": "CN"}}
    rv = client.post("/api/v1/footprints", json=body, headers={**guest, **headers})
    assert rv.status_code == 422
    assert rv.json["error"]["fields"]["stay.nights"] == [wrong_type]


def test_coded_messages_keep_their_values(client, auth, seeded):
    """Our own messages with values (`coded(...)`) are translated with the values put back."""
    guest = auth.login()
    rv = client.post("/api/v1/footprints", json={"scenario": "CDF2021", "stay": {"nights": 5, "country": "CN"}},
                     headers=guest)
    fp, least = rv.json["id"], rv.json["order_kg"]
    assert least > 1
    rv = client.post("/api/v1/orders?lang=fr", json={"footprint_id": fp, "project": "CDCER-FOR", "kg": 1},
                     headers=guest)
    assert rv.status_code == 422, rv.json
    assert rv.json["error"]["fields"]["kg"] == [f"Au moins les {least} kg de l’empreinte."]


def test_calculator_labels_and_units_per_language(client, seeded):
    zh = client.get("/api/v1/scenarios/CDF2021").json["calculator"]["sections"]
    fr = client.get("/api/v1/scenarios/CDF2021?lang=fr").json["calculator"]["sections"]
    hi = client.get("/api/v1/scenarios/CDF2021", headers={"Accept-Language": "hi"}).json["calculator"]["sections"]
    assert [s["label"] for s in zh][:2] != [s["label"] for s in fr][:2] != [s["label"] for s in hi][:2]
    assert "Hébergement" in [s["label"] for s in fr]


def test_footprint_lines_with_units(client, auth, seeded):
    guest = auth.login()
    rv = client.post("/api/v1/footprints", json={"scenario": "CDF2021", "stay": {"nights": 2, "country": "CN"}},
                     headers={**guest, "Accept-Language": "zh-CN"})
    item = rv.json["items"][0]
    assert item["unit"] == "room.night" and item["unit_label"] == "间·夜"
    assert item["label"] == "酒店住宿（中国内地）"
    fp = client.get(f"/api/v1/footprints/{rv.json['id']}?lang=sw", headers=guest).json
    assert fp["items"][0]["label"] == "Hoteli, China Bara" and fp["items"][0]["unit_label"] == "chumba·usiku"


@pytest.mark.parametrize("lang, html_lang, word", [
    ("zh", "zh-CN", "有效"), ("en", "en", "Valid"), ("fr", "fr", "Valide"),
    ("hi", "hi", "मान्य"), ("bn", "bn", "বৈধ"), ("sw", "sw", "Halali")])
def test_verify_page_in_each_language(client, seeded, lang, html_lang, word):
    _guest, _order, serial = fulfilled(client)
    page = client.get(f"/verify/{serial}?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in page
    assert word in page
    assert f"/registry?project=CDCER-FOR{'&amp;lang=' + lang if lang != 'zh' else ''}" in page


@pytest.mark.parametrize("lang, html_lang, title", [
    ("zh", "zh-CN", "未找到该证书"), ("en", "en", "No such certificate"), ("fr", "fr", "Certificat introuvable"),
    ("hi", "hi", "ऐसा कोई प्रमाणपत्र नहीं"), ("bn", "bn", "এমন কোনো সনদ নেই"), ("sw", "sw", "Hakuna cheti kama hicho")])
def test_not_found_page_in_each_language(client, seeded, lang, html_lang, title):
    rv = client.get(f"/verify/DD-0000-0000-0000-0?lang={lang}")
    assert rv.status_code == 404
    page = rv.get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in page and title in page


@pytest.mark.parametrize("lang, html_lang, text", [
    ("zh", "zh-CN", "请求参数有误"), ("fr", "fr", "Certains champs ne sont pas valides."),
    ("bn", "bn", "কিছু ঘর বৈধ নয়।"), ("sw", "sw", "Baadhi ya sehemu si sahihi.")])
def test_html_error_page_in_each_language(client, seeded, lang, html_lang, text):
    rv = client.get(f"/registry?offset=-1&lang={lang}")
    assert rv.status_code == 422 and rv.mimetype == "text/html"
    page = rv.get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in page and text in page


def test_printed_link_and_registry_pages(client, seeded):
    page = client.get("/s/CDF2021?d=door3&lang=sw").get_data(as_text=True)
    assert '<html lang="sw">' in page and "Lango" in page
    page = client.get("/registry?lang=hi").get_data(as_text=True)
    assert '<html lang="hi">' in page and "सार्वजनिक रजिस्टर" in page


def test_pages_json_is_served(client):
    with client.get("/static/i18n/bn.json") as rv:
        assert rv.status_code == 200 and rv.json["lang"] == "bn"
        assert rv.json["preview"]["steps.scan"] == "স্ক্যান"
