"""Claims that say what they cover (issue 11): a meals-only footprint is a claim about meals."""
from __future__ import annotations

import pytest

from app.domain.claims import covered_sections
from app.i18n import covers_phrase
from tests.journey import SMALL, Guest, confirm


def test_covered_sections_are_the_sections_with_emissions_in_order():
    items = [{"category": "meal", "kg": "1.9"}, {"category": "travel", "kg": "3"}, {"category": "stay", "kg": "0"}]
    assert covered_sections(items) == ("travel", "meal")
    assert covered_sections([]) == ()
    assert covers_phrase(("travel", "stay", "meal"), "zh") == "出行、住宿与餐饮"
    assert covers_phrase(("travel", "stay", "meal"), "en") == "travel, accommodation and meals"


@pytest.fixture
def meals_only(client, seeded):
    guest = Guest(client, "meals-only")
    order = guest.order(guest.footprint(SMALL)["id"], "CDCER-EV")  # SMALL: one standard meal
    confirm(client, order)
    return guest.get_order(order["order"]["id"])["certificate"]["serial"]


def test_a_meals_only_certificate_says_meals_everywhere(app, client, meals_only):
    api = client.get(f"/api/v1/certificates/{meals_only}").json
    assert api["covers"] == ["meal"]
    for lang, says, never in (("zh", "餐饮", "出行与住宿"), ("en", "meals", "travel and stay"),
                              ("fr", "repas", "déplacements"), ("sw", "milo", "malazi")):
        page = client.get(f"/verify/{meals_only}?lang={lang}").get_data(as_text=True)
        assert says in page and never not in page, lang
    with app.app_context():
        from app.rendering.certificate.content import sentence
        from app.services.offsetting.certificate_images import certificate_data
        from app.services.offsetting.certificates import get_certificate

        data = certificate_data(get_certificate(meals_only), lang="en")
        assert data.sections == ("meal",)
        assert "their meals for" in sentence(data, "en") and "accommodation" not in sentence(data, "en")
        assert "的餐饮碳排放" in sentence(data, "zh")


def test_the_conference_journey_still_names_travel_and_accommodation(client, seeded):
    guest = Guest(client, "full-trip")
    order = guest.order(guest.footprint()["id"])  # flight + two nights
    confirm(client, order)
    serial = guest.get_order(order["order"]["id"])["certificate"]["serial"]
    assert client.get(f"/api/v1/certificates/{serial}").json["covers"] == ["travel", "stay"]
    assert "travel and accommodation for" in client.get(f"/verify/{serial}?lang=en").get_data(as_text=True)


def test_the_verify_page_carries_share_metadata_in_the_holders_language(client, meals_only):
    """A pasted link shows the card: Open Graph title, description and the card picture in the page's language;
    the picture it names is served."""
    import re

    for lang, title_part in (("zh", "已中和"), ("en", "neutralised"), ("hi", "तटस्थ किया")):
        page = client.get(f"/verify/{meals_only}?lang={lang}").get_data(as_text=True)
        meta = dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)"', page))
        assert title_part in meta["og:title"] and "2 kg" in meta["og:title"], meta
        assert meals_only in meta["og:description"] and meta["og:url"].endswith(f"/verify/{meals_only}")
        assert "variant=card" in meta["og:image"] and (lang == "zh") == ("lang=" not in meta["og:image"])
        image = client.get(meta["og:image"].replace("https://dd.example.test", ""))
        assert image.status_code == 200 and image.mimetype == "image/png"
