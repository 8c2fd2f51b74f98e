"""The printed link's page shows the QR code it asks guests to scan, and the door by its label."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import staff_headers


def decode(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("RGB"))]


def test_the_qr_code_of_a_printed_link_decodes_to_that_link(client, seeded):
    rv = client.get("/s/CDF2021/qr.png?d=door3")
    assert rv.status_code == 200 and rv.mimetype == "image/png" and "max-age" in rv.headers["Cache-Control"]
    assert decode(rv.data) == ["https://dd.example.test/s/CDF2021?d=door3"]
    assert decode(client.get("/s/CDF2021/qr.png").data) == ["https://dd.example.test/s/CDF2021"]
    assert client.get("/s/NOPE/qr.png").json["error"]["code"] == "scenario_not_found"
    assert client.get("/s/CDF2021/qr.png?d=bad%20tag").status_code == 404


def test_the_link_page_shows_the_code_and_the_door_label(client, accounts):
    org = staff_headers(client, "org@dd.test")
    assert client.post("/api/v1/staff/scenarios/CDF2021/doors", headers=org,
                       json={"tag": "south-hall-B", "label": "南馆B区入口（靠近地铁站）"}).status_code == 201
    page = client.get("/s/CDF2021?d=south-hall-B").get_data(as_text=True)
    assert "南馆B区入口（靠近地铁站）" in page and 'data-testid="link-qr"' in page
    assert 'src="/s/CDF2021/qr.png?d=south-hall-B"' in page
    odd = client.get("/s/CDF2021?d=%3Cscript%3E").get_data(as_text=True)  # not a tag: no door, the plain link
    assert "<script>" not in odd and 'src="/s/CDF2021/qr.png"' in odd
