"""The guest's privacy choices and personal-data endpoints through the API (the attack is in tests/security)."""
from __future__ import annotations

import pytest

from app.config import ConfigError, TestConfig
from app.domain.privacy import mask_identifier, masked_name, public_holder
from app.errors import TokenInvalid
from app.extensions import db
from app.i18n import translate
from app.models import Footprint, User
from app.services.guest import me, privacy
from tests.journey import CONFERENCE, Guest, confirm


def test_show_places_is_an_opt_in_profile_flag(client, seeded):
    guest = Guest(client, "alice")
    me = client.get("/api/v1/me", headers=guest.headers).json
    assert me["show_places"] is False and me["show_on_leaderboard"] is True
    rv = client.patch("/api/v1/me", json={"show_places": True}, headers=guest.headers)
    assert rv.status_code == 200 and rv.json["show_places"] is True
    for bad in ("yes", "true", None):
        rv = client.patch("/api/v1/me", json={"show_places": bad}, headers=guest.headers)
        assert rv.status_code == 422 and "show_places" in rv.json["error"]["fields"], bad
    assert client.get("/api/v1/me", headers=guest.headers).json["show_places"] is True
    # The login answer keeps the contract's four user fields.
    login = client.post("/api/v1/auth/login", json={"code": "sandbox-alice"}).json["user"]
    assert set(login) == {"id", "nickname", "avatar_url", "show_on_leaderboard"}


def test_export_of_a_new_guest_and_its_shape(client, seeded):
    guest = Guest(client, "fresh")
    rv = client.get("/api/v1/me/export", headers=guest.headers)
    assert rv.status_code == 200 and "attachment" in rv.headers["Content-Disposition"]
    data = rv.json
    assert data["format"] == "diandian-export-1" and data["profile"]["id"] == guest.user_id
    assert {k: data[k] for k in ("footprints", "scans", "orders", "payments", "refunds", "ledger", "certificates",
                                 "leaderboard")} == {k: [] for k in ("footprints", "scans", "orders", "payments",
                                                                     "refunds", "ledger", "certificates",
                                                                     "leaderboard")}
    assert data["profile"]["wechat"]["openid"].count("…") == 1 and data["profile"]["wechat"]["unionid"] is None


def test_an_anonymous_footprint_follows_its_first_orderer_into_export_and_erasure(app, client, seeded):
    anonymous = client.post("/api/v1/footprints", json=CONFERENCE).json
    guest = Guest(client, "later")
    confirm(client, guest.order(anonymous["id"]))
    exported = client.get("/api/v1/me/export", headers=guest.headers).json
    assert [f["id"] for f in exported["footprints"]] == [anonymous["id"]]
    assert client.delete("/api/v1/me", headers=guest.headers).status_code == 204
    with app.app_context():
        fp = db.session.get(Footprint, anonymous["id"])
        assert fp.inputs == {} and all(i.get("from") is None and i.get("to") is None for i in fp.items)
    public = client.get(f"/api/v1/footprints/{anonymous['id']}").json  # the lines stay, as the proof
    assert public["total_kg"] == anonymous["total_kg"]
    assert [(i["mode"], i["kg"], i["factor"]) for i in public["items"]] == \
           [(i["mode"], i["kg"], i["factor"]) for i in anonymous["items"]]


def test_an_unordered_anonymous_footprint_stays_readable_by_its_id(client, seeded):
    anonymous = client.post("/api/v1/footprints", json=CONFERENCE).json
    rv = client.get(f"/api/v1/footprints/{anonymous['id']}")
    assert rv.json == anonymous and rv.json["places_hidden"] is False


@pytest.mark.parametrize("value", ["0", "-3", "ninety", "1.5"])
def test_scan_retention_must_be_a_positive_whole_number(value):
    with pytest.raises(ConfigError, match="SCAN_RETENTION_DAYS"):
        TestConfig({"SCAN_RETENTION_DAYS": value})


def test_scan_retention_default_and_override():
    assert TestConfig().SCAN_RETENTION_DAYS == 90
    assert TestConfig({"SCAN_RETENTION_DAYS": "30"}).SCAN_RETENTION_DAYS == 30


def test_an_erased_guest_cannot_write_their_profile_back(app, client, seeded):
    """Another worker may accept the old token for TOKEN_VERSION_TTL seconds: the use case refuses anyway."""
    guest = Guest(client, "gone")
    with app.app_context():
        assert privacy.erase(guest.user_id) is True
        with pytest.raises(TokenInvalid):
            me.update_profile(db.session.get(User, guest.user_id), {"nickname": "回来了"})
        assert db.session.get(User, guest.user_id).nickname == ""


def test_the_mask_and_shortened_identifiers():
    assert public_holder("王小明", True, "zh", translate) == "王小明"
    assert public_holder("王小明", False, "zh", translate) == masked_name("zh", translate) == "匿名用户"
    assert public_holder("王小明", False, "en", translate) == "Anonymous guest"
    # The mask is a catalogue message: said in each of the six languages.
    assert [masked_name(lang, translate) for lang in ("fr", "hi", "bn", "sw")] == [
        "Invité anonyme", "अनाम अतिथि", "বেনামি অতিথি", "Mgeni asiyejulikana"]
    assert mask_identifier("oSbx1234567890abcdef3kQ2") == "oSbx…3kQ2"
    assert mask_identifier("short") == "*****" and mask_identifier(None) is None and mask_identifier("") is None
