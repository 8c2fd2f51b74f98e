"""Names that are drawn on certificates and posters: a character no bundled font has is refused when
the name is set (422 naming it, nothing changed); every other name is drawn, glyph for glyph, on the
real certificate picture."""
from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order
from tests.conftest import staff_headers
from tests.journey import Guest, confirm

UNDRAWABLE = ["小\ue000明", "\U0010fffd", "สมชาย"]


@pytest.mark.parametrize("nickname", UNDRAWABLE)
def test_an_undrawable_nickname_is_refused_and_nothing_changes(client, seeded, nickname):
    guest = Guest(client, "alice")
    assert client.patch("/api/v1/me", json={"nickname": "Alice"}, headers=guest.headers).status_code == 200
    rv = client.patch("/api/v1/me", json={"nickname": nickname, "show_places": True}, headers=guest.headers)
    assert rv.status_code == 422 and rv.json["error"]["code"] == "validation_error"
    message = " ".join(rv.json["error"]["fields"]["nickname"])
    for ch in nickname:
        if ch not in "小明":
            assert f"U+{ord(ch):04X} '{ch}'" in message, message
    assert "无法印在证书上" in message  # the default language; by code, in the guest's language
    english = client.patch("/api/v1/me?lang=en", json={"nickname": nickname}, headers=guest.headers).json
    assert "cannot be printed on a certificate" in " ".join(english["error"]["fields"]["nickname"])
    me = client.get("/api/v1/me", headers=guest.headers).json
    assert me["nickname"] == "Alice" and me.get("show_places") is not True


def test_drawable_nicknames_are_taken(client, seeded):
    guest = Guest(client, "alice")
    for nickname in ("李旸 & 陈頔", "禕", "Zoë Ørsted", "Đặng", "Анна", "अनन्या", "অনন্যা", "小明🌱",
                     "👨\u200d👩\u200d👧", "김민준"):
        rv = client.patch("/api/v1/me", json={"nickname": nickname}, headers=guest.headers)
        assert rv.status_code == 200, (nickname, rv.json)
        assert client.get("/api/v1/me", headers=guest.headers).json["nickname"] == nickname


@pytest.mark.parametrize("field, value", [("beneficiary", "陈\ue000頔"), ("beneficiary", "\U0010fffd"),
                                          ("organization", "四川\ue000大学")])
def test_an_undrawable_beneficiary_or_organization_is_refused_and_no_order_is_made(app, client, seeded, field,
                                                                                  value):
    guest = Guest(client, "alice")
    fp = guest.footprint()
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Order)).scalar()
    rv = client.post("/api/v1/orders", json={"footprint_id": fp["id"], "project": "CDCER-FOR", field: value},
                     headers=guest.headers)
    assert rv.status_code == 422 and rv.json["error"]["code"] == "validation_error"
    bad = [c for c in value if c in "\ue000\U0010fffd"]
    assert all(f"U+{ord(c):04X}" in " ".join(rv.json["error"]["fields"][field]) for c in bad)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Order)).scalar() == before


def test_an_undrawable_scenario_title_is_refused(client, accounts):
    h = staff_headers(client, "org@dd.test")

    def cdf() -> dict:
        listed = client.get("/api/v1/staff/scenarios", headers=h).json["data"]
        return next(s for s in listed if s["code"] == "CDF2021")

    before = cdf()
    rv = client.patch("/api/v1/staff/scenarios/CDF2021", json={"title": "论坛\ue000", "venue": "二号厅"}, headers=h)
    assert rv.status_code == 422 and rv.json["error"]["code"] == "validation_error"
    assert "U+E000" in " ".join(rv.json["error"]["fields"]["title"])
    after = cdf()
    assert after["title"] == before["title"] and after.get("venue") == before.get("venue")
    rv = client.patch("/api/v1/staff/scenarios/CDF2021", json={"city_en": "Chengdu\U0010fffd"}, headers=h)
    assert rv.status_code == 422 and "U+10FFFD" in " ".join(rv.json["error"]["fields"]["city_en"])
    ok = client.patch("/api/v1/staff/scenarios/CDF2021", json={"title": "论坛 अनन्या 🌱"}, headers=h)
    assert ok.status_code == 200, ok.json
    assert cdf()["title"] == "论坛 अनन्या 🌱"


def _png(rv) -> Image.Image:
    assert rv.status_code == 200 and rv.mimetype == "image/png"
    img = Image.open(io.BytesIO(rv.data))
    img.load()
    return img.convert("RGB")


def test_the_certificate_draws_every_character_of_the_beneficiary(app, client, seeded):
    """李旸 & 陈頔 used to be drawn as 李 & 陈 (旸 and 頔 were not in the font subset)."""
    from app.models import Certificate
    from app.rendering import render_certificate
    from app.rendering.certificate import layout
    from app.rendering.fonts import font
    from app.services.offsetting.certificate_images import certificate_data

    guest = Guest(client, "alice")
    order = guest.order(guest.footprint()["id"], beneficiary="李旸 & 陈頔")
    confirm(client, order)
    serial = guest.get_order(order["order"]["id"])["certificate"]["serial"]
    picture = _png(client.get(f"/api/v1/certificates/{serial}/image.png"))
    with app.app_context():
        cert = db.session.execute(select(Certificate).where(Certificate.serial == serial)).scalar_one()
        assert cert.holder == "李旸 & 陈頔"
        data = certificate_data(cert)
    box = layout(data)["holder"]
    # the picture served is the renderer's, and its name box differs from the old "李 & 陈"
    same = Image.open(io.BytesIO(render_certificate(data))).convert("RGB")
    assert ImageChops.difference(picture, same).getbbox() is None
    old = Image.open(io.BytesIO(render_certificate(replace(data, holder="李 & 陈")))).convert("RGB")
    diff = ImageChops.difference(picture.crop(box), old.crop(box)).convert("L")
    assert diff.point(lambda v: 255 if v > 60 else 0).histogram()[255] > 1500
    # crop and compare: 旸 and 頔 drawn alone in the name's font appear in the name box
    crop = picture.crop(box).convert("L")
    for ch in "旸頔":
        glyph = font("bold", 92).primary.getmask(ch)
        g = Image.frombytes("L", glyph.size, bytes(glyph))
        assert _find(crop, g), ch
        assert not _find(old.crop(box).convert("L"), g), ch  # and the old picture lacks them
    if os.environ.get("SHOTS"):
        picture.save(Path(os.environ["SHOTS"]) / "api-certificate-beneficiary.png")


def _find(haystack: Image.Image, glyph: Image.Image) -> bool:
    """Whether the glyph's ink (dark on the light paper) appears somewhere in haystack: the best
    position on a coarse grid, refined, differs from it in few pixels."""
    gw, gh = glyph.size
    ink = glyph.point(lambda v: 255 if v > 128 else 0)
    target = ink.histogram()[255]
    dark = haystack.point(lambda v: 255 if v < 110 else 0)
    best = None
    for y in range(0, dark.height - gh + 1, 2):
        for x in range(0, dark.width - gw + 1, 2):
            window = dark.crop((x, y, x + gw, y + gh))
            miss = ImageChops.difference(window, ink).histogram()[255]
            if best is None or miss < best:
                best = miss
    return best is not None and best < target * 0.25
