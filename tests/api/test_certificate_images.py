"""The certificate image endpoint: PNG, QR to the verify URL, caching, storage, revocation."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.journey import Guest, confirm


@pytest.fixture
def certificate(client, seeded):
    guest = Guest(client, "alice")
    order = guest.order(guest.footprint()["id"])
    confirm(client, order)
    return guest.get_order(order["order"]["id"]), order["order"]


def png(rv) -> Image.Image:
    assert rv.status_code == 200 and rv.mimetype == "image/png"
    return Image.open(io.BytesIO(rv.data))


def test_image_qr_decodes_to_the_verify_url(client, certificate):
    zxingcpp = pytest.importorskip("zxingcpp")
    order, _ = certificate
    rv = client.get(order["certificate"]["image_url"].replace("https://dd.example.test", ""))
    image = png(rv)
    assert image.height > image.width
    texts = [r.text for r in zxingcpp.read_barcodes(image.convert("RGB"))]
    assert order["certificate"]["verify_url"] in texts


def test_a_stored_picture_follows_what_it_draws(app, client, certificate, monkeypatch):
    """A stored render depends on everything it draws: after PUBLIC_BASE_URL moves, the QR code is the new
    verify address (not the stored old one); after the organiser renames the scenario, a new picture."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from app.extensions import db
    from app.models import Scenario

    order, _ = certificate
    url = f"/api/v1/certificates/{order['certificate']['serial']}/image.png"
    before = client.get(url)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://moved.example.test")
    moved = client.get(url)
    assert moved.headers["ETag"] != before.headers["ETag"]
    texts = [r.text for r in zxingcpp.read_barcodes(png(moved).convert("RGB"))]
    assert texts == [order["certificate"]["verify_url"].replace("https://dd.example.test",
                                                                "https://moved.example.test")]
    with app.app_context():
        db.session.execute(db.update(Scenario).where(Scenario.code == "CDF2021").values(title="改名后的论坛"))
        db.session.commit()
    renamed = client.get(url)
    assert renamed.headers["ETag"] != moved.headers["ETag"] and renamed.data != moved.data
    assert client.get(url, headers={"If-None-Match": renamed.headers["ETag"]}).status_code == 304


def test_variants_languages_and_caching(client, certificate):
    order, _ = certificate
    url = f"/api/v1/certificates/{order['certificate']['serial']}/image.png"
    zh = client.get(url)
    card = png(client.get(url + "?variant=card"))
    assert abs(card.width / card.height - 5 / 4) < 0.01
    en = client.get(url, headers={"Accept-Language": "en"})
    assert en.data != zh.data and client.get(url + "?lang=en").data == en.data
    assert zh.headers["ETag"] and "max-age" in zh.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": zh.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(url).data == zh.data
    bad = client.get(url + "?variant=poster")
    assert bad.status_code == 422 and "variant" in bad.json["error"]["fields"]
    missing = client.get("/api/v1/certificates/DD-0000-0000-0000-0/image.png")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "certificate_not_found"


def test_stored_files_are_reused_and_re_rendered_when_missing(app, client, certificate):
    order, _ = certificate
    url = f"/api/v1/certificates/{order['certificate']['serial']}/image.png"
    first = client.get(url).data
    files = list(Path(app.config["CERTIFICATE_STORAGE_DIR"]).rglob(f"{order['certificate']['serial']}.*.png"))
    assert len(files) == 1 and files[0].read_bytes() == first
    files[0].unlink()
    assert client.get(url).data == first  # the same bytes, rendered again
    assert files[0].exists()


def test_revoked_certificate_is_drawn_differently(client, runner, certificate):
    order, raw = certificate
    url = f"/api/v1/certificates/{order['certificate']['serial']}/image.png"
    valid = client.get(url)
    runner.invoke(args=["orders", "refund", raw["out_trade_no"], "--reason", "test"])
    revoked = client.get(url, headers={"If-None-Match": valid.headers["ETag"]})
    assert revoked.status_code == 200 and revoked.data != valid.data
    reds = sum(1 for r, g, b in png(revoked).convert("RGB").get_flattened_data() if r > 170 and g < 90 and b < 90)
    assert reds > 1000


def test_pictures_in_every_language(app, client, certificate):
    """Each of the six languages draws its own picture (the catalogue's wording, the scenario's texts in that
    language); an unknown language is Chinese; every one carries the same verify address in its QR code."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from app.extensions import db
    from app.models import Scenario

    order, _ = certificate
    url = f"/api/v1/certificates/{order['certificate']['serial']}/image.png"
    pictures = {lang: client.get(f"{url}?lang={lang}") for lang in ("zh", "en", "fr", "hi", "bn", "sw")}
    assert len({rv.data for rv in pictures.values()}) == 6
    assert len({rv.headers["ETag"] for rv in pictures.values()}) == 6
    for rv in pictures.values():
        texts = [r.text for r in zxingcpp.read_barcodes(png(rv).convert("RGB"))]
        assert texts == [order["certificate"]["verify_url"]]
    assert client.get(url, headers={"Accept-Language": "de-DE"}).data == pictures["zh"].data
    assert client.get(url, headers={"Accept-Language": "hi-IN"}).data == pictures["hi"].data
    # the scenario's French title, once given, is what the French picture draws (a new picture)
    with app.app_context():
        scenario = db.session.execute(db.select(Scenario).where(Scenario.code == "CDF2021")).scalar_one()
        scenario.texts = {**(scenario.texts or {}), "fr": {"title": "Forum de Chengdu sur la neutralité carbone"}}
        db.session.commit()
    french = client.get(f"{url}?lang=fr")
    assert french.data != pictures["fr"].data
    assert client.get(f"{url}?lang=sw").data == pictures["sw"].data  # Swahili has no title of its own: English
