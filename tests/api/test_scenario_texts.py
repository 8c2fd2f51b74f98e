"""Scenario texts per language (issue 11): given on create and in settings, read in the guest's language."""
from __future__ import annotations

from tests.conftest import staff_headers

URL = "/api/v1/staff/scenarios"
TEXTS = {"fr": {"title": "Séjour neutre en carbone", "city": "Chengdou", "description": "Compensez votre séjour."},
         "hi": {"title": "कार्बन-तटस्थ प्रवास"}}


def test_texts_per_language_with_the_fallback_rule(client, accounts):
    org = staff_headers(client, "org@dd.test")
    rv = client.post(URL, headers=org, json={
        "code": "LANGS1", "kind": "hotel", "title": "碳中和住宿", "title_en": "A carbon-neutral stay",
        "venue": "天府绿色酒店", "venue_en": "Tianfu Green Hotel", "city": "成都", "city_en": "Chengdu",
        "description": "扫码抵消住宿排放。", "description_en": "Offset your stay.", "status": "active",
        "texts": {**TEXTS, "sw": {"title": "", "venue": None}}})
    assert rv.status_code == 201, rv.json
    assert rv.json["texts"] == TEXTS  # empty ones are not kept

    def localized(lang):
        return client.get("/api/v1/scenarios/LANGS1", query_string={"lang": lang}).json["localized"]

    assert localized("zh") == {"lang": "zh", "title": "碳中和住宿", "venue": "天府绿色酒店", "city": "成都",
                               "description": "扫码抵消住宿排放。"}
    assert localized("en") == {"lang": "en", "title": "A carbon-neutral stay", "venue": "Tianfu Green Hotel",
                               "city": "Chengdu", "description": "Offset your stay."}
    # French: its own title, city and description; the venue falls back to English (Latin script).
    assert localized("fr") == {"lang": "fr", "title": "Séjour neutre en carbone", "venue": "Tianfu Green Hotel",
                               "city": "Chengdou", "description": "Compensez votre séjour."}
    # Hindi: its own title; the rest falls back to Chinese. Swahili: nothing of its own, English throughout.
    assert localized("hi") == {"lang": "hi", "title": "कार्बन-तटस्थ प्रवास", "venue": "天府绿色酒店", "city": "成都",
                               "description": "扫码抵消住宿排放。"}
    assert localized("sw")["title"] == "A carbon-neutral stay"

    # Settings replace the texts; the guests' page follows at once.
    rv = client.patch(f"{URL}/LANGS1", headers=org, json={"texts": {"bn": {"title": "কার্বন-নিরপেক্ষ থাকা"}},
                                                          "city_en": "Chengdu City"})
    assert rv.status_code == 200 and rv.json["texts"] == {"bn": {"title": "কার্বন-নিরপেক্ষ থাকা"}}
    assert localized("bn")["title"] == "কার্বন-নিরপেক্ষ থাকা" and localized("fr")["title"] == "A carbon-neutral stay"
    assert localized("en")["city"] == "Chengdu City"


def test_bad_texts_are_refused_and_change_nothing(client, accounts):
    org = staff_headers(client, "org@dd.test")
    base = {"code": "LANGS2", "kind": "hotel", "title": "住宿"}
    for texts, where in (({"de": {"title": "x"}}, "de"), ({"fr": {"title": "x" * 201}}, "title"),
                         ({"fr": {"motto": "x"}}, "motto"), ({"fr": {"title": "\ue000"}}, "U+E000"), ("fr", "")):
        rv = client.post(URL, headers=org, json={**base, "texts": texts})
        problems = rv.json["error"]["fields"] if rv.status_code == 422 else {}
        assert problems and all(name.startswith("texts") for name in problems), (texts, rv.json)
        assert where in str(problems), problems
    assert client.get("/api/v1/scenarios/LANGS2").status_code == 404
