"""QR posters: who may print them, and the code decodes to the printed link."""
from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from app.extensions import db
from app.models import Scenario, StaffAssignment
from app.services.console import staff

PASSWORD = "correct horse battery"


@pytest.fixture
def people(app, seeded):
    with app.app_context():
        staff.create_staff(email="org@dd.test", name="Org", password=PASSWORD, role="organizer",
                           organization="中国互联网发展基金会")
        venue = staff.create_staff(email="venue@dd.test", name="Venue", password=PASSWORD, role="venue_staff")
        staff.create_staff(email="free@dd.test", name="Free", password=PASSWORD, role="venue_staff")
        staff.create_staff(email="owner@dd.test", name="Owner", password=PASSWORD, role="project_owner")
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        db.session.add(StaffAssignment(staff_id=venue.id, scenario_id=scenario.id))
        db.session.commit()


def signed_in(client, email):
    token = client.post("/api/v1/staff/sign-in", json={"email": email, "password": PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("email, status", [
    ("org@dd.test", 200), ("venue@dd.test", 200), ("free@dd.test", 403), ("owner@dd.test", 403), (None, 401)])
def test_who_may_print(client, people, email, status):
    headers = signed_in(client, email) if email else {}
    rv = client.get("/api/v1/staff/scenarios/CDF2021/posters/door3.png?paper=a5", headers=headers)
    assert rv.status_code == status


def test_png_poster_decodes_to_the_printed_link(client, people):
    zxingcpp = pytest.importorskip("zxingcpp")
    rv = client.get("/api/v1/staff/scenarios/CDF2021/posters/door3.png", headers=signed_in(client, "org@dd.test"))
    assert rv.mimetype == "image/png" and "CDF2021-door3-a4.png" in rv.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(rv.data))
    assert image.size == (2480, 3508)
    assert "https://dd.example.test/s/CDF2021?d=door3" in [r.text for r in zxingcpp.read_barcodes(image)]
    # The printed link resolves to the scenario and the door.
    resolved = client.get("/api/v1/deeplinks/resolve", query_string={"q": "https://dd.example.test/s/CDF2021?d=door3"})
    assert resolved.json["entry"] == {**resolved.json["entry"], "source": "link", "tag": "door3"}


def test_pdf_poster_and_bad_requests(client, people):
    headers = signed_in(client, "org@dd.test")
    pdf = client.get("/api/v1/staff/scenarios/CDF2021/posters/door3.pdf?paper=tent", headers=headers)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/api/v1/staff/scenarios/CDF2021/posters/door3.gif", headers=headers).status_code == 422
    assert client.get("/api/v1/staff/scenarios/CDF2021/posters/door3.png?paper=a0", headers=headers).status_code == 422
    long_door = "d" * 25
    assert client.get(f"/api/v1/staff/scenarios/CDF2021/posters/{long_door}.png", headers=headers).status_code == 422
    assert client.get("/api/v1/staff/scenarios/NOPE/posters/door3.png", headers=headers).status_code == 404


@pytest.mark.slow
def test_batch_of_100_doors(app, runner, seeded, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    out = tmp_path / "posters.zip"
    doors = ",".join(f"d{i:03d}" for i in range(100))
    result = runner.invoke(args=["posters", "CDF2021", "--doors", doors, "--format", "png", "--paper", "a5",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "100 posters written" in result.output and "CDF2021 posters" in result.output
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert len(names) == 100 and names[0] == "CDF2021-d000-a5.png"
        image = Image.open(io.BytesIO(archive.read(names[42])))
        assert [r.text for r in zxingcpp.read_barcodes(image)] == ["https://dd.example.test/s/CDF2021?d=d042"]
    bad = runner.invoke(args=["posters", "CDF2021", "--doors", "ok,bad door", "--out", str(tmp_path / "x.zip")])
    assert bad.exit_code != 0 and not (tmp_path / "x.zip").exists()


def test_batch_defaults_to_the_scenarios_defined_doors(app, runner, seeded, tmp_path):
    from app.extensions import db
    from app.models import Scenario, ScenarioDoor

    out = tmp_path / "doors.zip"
    none = runner.invoke(args=["posters", "CDF2021", "--format", "pdf", "--out", str(out)])
    assert none.exit_code != 0 and "no doors defined" in none.output and not out.exists()
    with app.app_context():
        scenario = db.session.execute(db.select(Scenario).filter_by(code="CDF2021")).scalar_one()
        db.session.add_all([ScenarioDoor(scenario_id=scenario.id, tag=t) for t in ("north", "south")])
        db.session.commit()
    result = runner.invoke(args=["posters", "CDF2021", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["CDF2021-north-a4.pdf", "CDF2021-south-a4.pdf"]


def test_the_poster_prints_the_doors_label_and_the_events_days(app, client, people):
    """The door's label, not its tag, and a multi-day event as a range; the label is drawn (not its tag)."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models import Scenario
    from app.services.console.posters import date_range, poster_data
    from app.services.console.scenarios import get_printable

    org = signed_in(client, "org@dd.test")
    assert client.post("/api/v1/staff/scenarios/CDF2021/doors", headers=org,
                       json={"tag": "south-hall-B", "label": "南馆B区入口（靠近地铁站）"}).status_code == 201
    refused = client.post("/api/v1/staff/scenarios/CDF2021/doors", headers=org, json={"tag": "x1", "label": "门\ue000"})
    assert refused.status_code == 422 and "label" in refused.json["error"]["fields"]
    start, end = datetime(2026, 12, 1, 1, tzinfo=UTC), datetime(2026, 12, 3, 10, tzinfo=UTC)
    assert date_range(start, end) == "2026年12月1日—3日"
    assert date_range(start, datetime(2027, 1, 2, tzinfo=UTC)) == "2026年12月1日—2027年1月2日"
    assert date_range(start, datetime(2026, 12, 1, 9, tzinfo=UTC)) == "2026年12月1日"
    with app.app_context():
        db.session.execute(db.update(Scenario).where(Scenario.code == "CDF2021").values(starts_at=start, ends_at=end))
        db.session.commit()
        from app.models import StaffAccount

        actor = db.session.execute(db.select(StaffAccount).filter_by(email="org@dd.test")).scalar_one()
        data = poster_data(get_printable(actor, "CDF2021"), "south-hall-B")
    assert (data.door_label, data.date_text) == ("南馆B区入口（靠近地铁站）", "2026年12月1日—3日")
    rv = client.get("/api/v1/staff/scenarios/CDF2021/posters/south-hall-B.png", headers=org)
    assert rv.status_code == 200
    from dataclasses import replace

    from app.rendering.poster import render_poster_png

    assert render_poster_png(data, "a4") == rv.data  # the served poster is this data drawn
    assert render_poster_png(replace(data, door_label=None), "a4") != rv.data  # the label, not the tag


def test_posters_in_any_language_through_the_api(app, client, people):
    """?lang= and ?second= choose the poster's languages; the PDF is vector text in them; bad values are 422."""
    import pypdfium2 as pdfium

    from app.services.console.posters import date_range

    headers = signed_in(client, "org@dd.test")
    url = "/api/v1/staff/scenarios/CDF2021/posters/door3"
    default = client.get(f"{url}.png", headers=headers)
    assert client.get(f"{url}.png?lang=zh&second=en", headers=headers).data == default.data
    negotiated = client.get(f"{url}.png", headers={**headers, "Accept-Language": "fr-FR,fr;q=0.9"})
    assert negotiated.data == client.get(f"{url}.png?lang=fr", headers=headers).data != default.data
    french = client.get(f"{url}.pdf?lang=fr&second=none&paper=a5", headers=headers)
    assert french.status_code == 200 and french.mimetype == "application/pdf"
    doc = pdfium.PdfDocument(french.data)
    text = doc[0].get_textpage().get_text_range().replace("\r\n", "").replace("\n", "")
    doc.close()
    assert "Scannez pour calculer et neutraliser votre empreinte carbone" in text and "微信扫码" not in text
    hindi = client.get(f"{url}.png?lang=hi", headers=headers)  # Chinese under Hindi by default
    assert hindi.status_code == 200 and hindi.data not in (default.data,)
    assert client.get(f"{url}.png?lang=hi&second=zh", headers=headers).data == hindi.data
    for bad in ("lang=de", "second=xx", "lang="):
        rv = client.get(f"{url}.png?{bad}", headers=headers)
        assert rv.status_code == 422 and rv.json["error"]["code"] == "validation_error", bad
    from datetime import UTC, datetime

    days = (datetime(2026, 12, 1, 1, tzinfo=UTC), datetime(2026, 12, 3, 10, tzinfo=UTC))
    assert date_range(*days, "fr") == "1 décembre 2026 – 3 décembre 2026"
    assert date_range(days[0], days[0], "en") == "1 December 2026"


def test_the_command_line_prints_posters_in_a_language(app, runner, seeded, tmp_path):
    out = tmp_path / "posters.zip"
    result = runner.invoke(args=["posters", "CDF2021", "--doors", "door3", "--format", "pdf", "--lang", "sw",
                                 "--second", "none", "--out", str(out)])
    assert result.exit_code == 0, result.output
    import pypdfium2 as pdfium

    with zipfile.ZipFile(out) as archive:
        doc = pdfium.PdfDocument(archive.read("CDF2021-door3-a4.pdf"))
        text = doc[0].get_textpage().get_text_range()
        doc.close()
    assert "Changanua kwa WeChat" in text and "Mlango door3" in text
