"""Deep links: the mini-program code's scene and the printed link, and the scans they record."""
from __future__ import annotations

from datetime import UTC
from urllib.parse import quote

import pytest

from app.extensions import db
from app.models import Scan, Scenario

BASE = "https://dd.example.test"  # TestConfig's PUBLIC_BASE_URL


def scans(app):
    with app.app_context():
        return [(s.source, s.tag) for s in db.session.execute(db.select(Scan).order_by(Scan.id)).scalars()]


def test_scene_with_door(app, client, seeded):
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": "CDF2021.door3"})
    assert rv.status_code == 200
    assert rv.json["scenario"]["code"] == "CDF2021"
    assert rv.json["scenario"]["kind"] == "conference"
    assert rv.json["entry"]["source"] == "wxacode" and rv.json["entry"]["tag"] == "door3"
    assert isinstance(rv.json["entry"]["scan_id"], int)
    assert scans(app) == [("wxacode", "door3")]


def test_scene_without_door(client, seeded):
    rv = client.get("/api/v1/deeplinks/resolve?scene=LIFE")
    assert rv.status_code == 200 and rv.json["entry"] == {**rv.json["entry"], "source": "wxacode", "tag": None}


def test_scene_still_url_encoded(client, seeded):
    # decodeURIComponent forgotten on the client: '%2E' is '.'
    rv = client.get("/api/v1/deeplinks/resolve?scene=" + quote("CDF2021%2Edoor3"))
    assert rv.status_code == 200 and rv.json["entry"]["tag"] == "door3"


def test_scene_length_limit(client, seeded):
    ok = "CDF2021." + "d" * 24  # 32 characters
    assert client.get("/api/v1/deeplinks/resolve", query_string={"scene": ok}).status_code == 200
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": ok + "x"})
    assert rv.status_code == 422
    assert rv.json["error"]["code"] == "invalid_deeplink" and "scene" in rv.json["error"]["fields"]


@pytest.mark.parametrize("scene", ["CDF 2021", "CDF2021.门3", "CDF2021.door/3", ".door3", "CDF2021.a.b"])
def test_scene_bad_characters(client, seeded, scene):
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": scene})
    assert rv.status_code == 422 and rv.json["error"]["code"] == "invalid_deeplink"


def test_printed_link_with_door(app, client, seeded):
    link = f"{BASE}/s/CDF2021?d=north"
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"q": link})
    assert rv.status_code == 200
    assert rv.json["entry"]["source"] == "link" and rv.json["entry"]["tag"] == "north"
    assert scans(app) == [("link", "north")]


def test_printed_link_encoded_as_wechat_passes_it(client, seeded):
    # WeChat hands the page query.q URL-encoded; the mini-program forwards it encoded once more.
    q = quote(f"{BASE}/s/CDF2021?d=door3", safe="")
    rv = client.get(f"/api/v1/deeplinks/resolve?q={quote(q, safe='')}")
    assert rv.status_code == 200 and rv.json["entry"]["tag"] == "door3"
    rv = client.get(f"/api/v1/deeplinks/resolve?q={q}")
    assert rv.status_code == 200 and rv.json["entry"]["tag"] == "door3"


def test_printed_link_without_door_and_trailing_slash(client, seeded):
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"q": f"{BASE}/s/DJY/"})
    assert rv.status_code == 200 and rv.json["entry"]["tag"] is None


@pytest.mark.parametrize("q", ["not a url", "ftp://dd.example.test/s/CDF2021", f"{BASE}/x/CDF2021",
                               f"{BASE}/s/CDF2021/extra", f"{BASE}/s/", f"{BASE}/s/CDF2021?d=bad%20door"])
def test_printed_link_malformed(client, seeded, q):
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"q": q})
    assert rv.status_code == 422 and rv.json["error"]["code"] == "invalid_deeplink"


def test_unknown_scenario_404(app, client, seeded):
    for query in ({"scene": "NOPE.door1"}, {"q": f"{BASE}/s/NOPE"}):
        rv = client.get("/api/v1/deeplinks/resolve", query_string=query)
        assert rv.status_code == 404 and rv.json["error"]["code"] == "scenario_not_found"
    assert scans(app) == []


def test_closed_scenario_410(app, client, seeded):
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": "CDF2020"})
    assert rv.status_code == 410 and rv.json["error"]["code"] == "scenario_closed"
    assert scans(app) == []


def test_ended_scenario_410(app, client, seeded):
    from datetime import datetime, timedelta

    with app.app_context():
        s = db.session.execute(db.select(Scenario).filter_by(code="DJY")).scalar_one()
        s.open_until = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": "DJY"})
    assert rv.status_code == 410


def test_draft_is_not_found(app, client, seeded):
    with app.app_context():
        db.session.execute(db.update(Scenario).where(Scenario.code == "DJY").values(status="draft"))
        db.session.commit()
    assert client.get("/api/v1/deeplinks/resolve?scene=DJY").status_code == 404


def test_exactly_one_form(client, seeded):
    assert client.get("/api/v1/deeplinks/resolve").status_code == 422
    rv = client.get("/api/v1/deeplinks/resolve", query_string={"scene": "LIFE", "q": f"{BASE}/s/LIFE"})
    assert rv.status_code == 422 and rv.json["error"]["code"] == "validation_error"


def test_scan_records_logged_in_guest(app, client, auth, seeded):
    headers = auth.login("alice")
    client.get("/api/v1/deeplinks/resolve?scene=CDF2021.door1", headers=headers)
    with app.app_context():
        assert db.session.execute(db.select(Scan.user_id)).scalar_one() is not None


def test_printed_link_opened_in_a_browser(client, seeded):
    rv = client.get("/s/CDF2021?d=door3")
    assert rv.status_code == 200 and rv.mimetype == "text/html"
    page = rv.get_data(as_text=True)
    assert "首届中国数字碳中和高峰论坛" in page and "door3" in page and "微信" in page
    en = client.get("/s/CDF2021", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The First China Digital Carbon Neutrality Forum" in en
    assert "已结束" in client.get("/s/CDF2020").get_data(as_text=True)
    assert client.get("/s/NOPE").status_code == 404
