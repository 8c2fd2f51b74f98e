"""The public verify page and the registry (HTML, JSON, CSV)."""
from __future__ import annotations

import csv
import io

from tests.journey import Guest, confirm

SMALL = {"scenario": "CDF2021", "travel": [{"mode": "rail.hsr", "from": "PEK", "to": "TFU"}], "stay": {"nights": 1}}


def fulfilled(client, name="alice", kg=None):
    guest = Guest(client, name)
    fp = guest.footprint(SMALL)
    order = guest.order(fp["id"], **({"kg": kg} if kg else {}))
    confirm(client, order)
    serial = guest.get_order(order["order"]["id"])["certificate"]["serial"]
    return guest, order["order"], serial


def test_verify_page(client, seeded):
    _guest, order, serial = fulfilled(client)
    rv = client.get(f"/verify/{serial}")
    assert rv.status_code == 200 and rv.mimetype == "text/html"
    page = rv.get_data(as_text=True)
    for text in (serial, "有效", f"{order['kg']} kg", "首届中国数字碳中和高峰论坛", "龙泉山城市森林碳汇",
                 "CDCER-FOR-2021-00000001", "高铁", "Mao Baohua", "DESNZ", "资金去向", "减排企业", "微信支付"):
        assert text in page, text
    # The money flow adds up to what was paid.
    assert f"¥{order['amount_fen'] / 100:,.2f}" in page
    en = client.get(f"/verify/{serial}?lang=en").get_data(as_text=True)
    assert "Valid" in en and "Where the money went" in en and "The First China Digital Carbon Neutrality Forum" in en
    assert "Valid" in client.get(f"/verify/{serial}", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_verify_page_of_a_revoked_certificate(client, runner, seeded):
    _guest, order, serial = fulfilled(client)
    runner.invoke(args=["orders", "refund", order["out_trade_no"], "--reason", "test"])
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "已撤销" in page and "已退回" in page
    assert "¥0.00" in page


def test_verify_unknown_serial_is_a_404_page(client, seeded):
    rv = client.get("/verify/DD-0000-0000-0000-0")
    assert rv.status_code == 404 and rv.mimetype == "text/html" and "未找到该证书" in rv.get_data(as_text=True)
    assert client.get("/verify/<script>").status_code == 404


def test_registry_page_json_and_csv(client, seeded):
    _a, order_a, serial_a = fulfilled(client, "alice", kg=700)
    _b, order_b, serial_b = fulfilled(client, "bob", kg=700)
    page = client.get("/registry").get_data(as_text=True)
    assert "CDCER-FOR" in page and "1400" in page
    units = client.get("/registry?project=CDCER-FOR").get_data(as_text=True)
    assert serial_a in units and serial_b in units and "1000 / 1000" in units and "400 / 1000" in units
    assert client.get("/registry?project=NOPE").status_code == 200
    data = client.get("/api/v1/registry?project=CDCER-FOR").json
    forest = next(p for p in data["projects"] if p["code"] == "CDCER-FOR")
    assert forest == {**forest, "units": 1200, "retired_units": 2, "full_units": 1, "claimed_kg": 1400,
                      "max_unit_claimed_kg": 1000}
    assert [(u["serial"], u["claimed_kg"]) for u in data["units"]] == [
        ("CDCER-FOR-2021-00000001", 1000), ("CDCER-FOR-2021-00000002", 400)]
    assert [(c["certificate"], c["kg"]) for c in data["units"][0]["claims"]] == [(serial_a, 700), (serial_b, 300)]
    assert data["pagination"] == {"offset": 0, "limit": 100, "total": 2}
    assert client.get("/api/v1/registry?project=NOPE").status_code == 404
    rv = client.get("/api/v1/registry.csv")
    assert rv.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(rv.get_data(as_text=True))))
    assert [(r["unit_serial"], r["certificate_serial"], r["claim_kg"]) for r in rows] == [
        ("CDCER-FOR-2021-00000001", serial_a, "700"), ("CDCER-FOR-2021-00000001", serial_b, "300"),
        ("CDCER-FOR-2021-00000002", serial_b, "400")]
    per_unit = {}
    for r in rows:
        per_unit[r["unit_serial"]] = per_unit.get(r["unit_serial"], 0) + int(r["claim_kg"])
    assert max(per_unit.values()) <= 1000
