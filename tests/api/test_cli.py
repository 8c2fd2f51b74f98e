"""Command line entries."""
from app.extensions import db
from app.models import CreditUnit, Organization, Project, Scenario


def test_seed_demo_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "7 scenarios, 3 projects, 3700 credit units created" in first.output
    assert "demo console accounts (sandbox only)" in first.output and "organizer@demo.diandian.test" in first.output
    with app.app_context():
        before = [(s.code, s.kind, s.status, s.title) for s in db.session.execute(
            db.select(Scenario).order_by(Scenario.code)).scalars()]
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "0 organizations, 0 scenarios, 0 projects, 0 credit units created" in second.output
    assert "console accounts" not in second.output
    with app.app_context():
        after = [(s.code, s.kind, s.status, s.title) for s in db.session.execute(
            db.select(Scenario).order_by(Scenario.code)).scalars()]
        assert db.session.execute(db.select(db.func.count(Organization.id))).scalar_one() == 9
    assert before == after
    kinds = {k for _, k, _, _ in after}
    assert kinds == {"conference", "scenic", "supermarket", "restaurant", "hotel", "life"}


def test_demo_console_accounts_sign_in_with_their_roles(app, runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for email, role in (("organizer@demo.diandian.test", "organizer"), ("venue@demo.diandian.test", "venue_staff"),
                        ("owner@demo.diandian.test", "project_owner"), ("admin@demo.diandian.test", "admin")):
        rv = client.post("/api/v1/staff/sign-in", json={"email": email, "password": "diandian-demo"})
        assert rv.status_code == 200 and rv.json["staff"]["role"] == role
    venue = client.post("/api/v1/staff/sign-in", json={"email": "venue@demo.diandian.test", "password": "diandian-demo"})
    listed = client.get("/api/v1/staff/scenarios", headers={"Authorization": f"Bearer {venue.json['token']}"})
    assert [s["code"] for s in listed.json["data"]] == ["CDF2021"]


def test_projects_add(app, runner):
    out = runner.invoke(args=["projects", "add", "CDCER-WIND", "--name", "风电（测试）", "--owner", "某风电公司",
                              "--price-fen-per-tonne", "5500", "--kind", "wind", "--location", "四川"])
    assert out.exit_code == 0, out.output
    assert "project CDCER-WIND added" in out.output
    again = runner.invoke(args=["projects", "add", "CDCER-WIND", "--name", "x", "--owner", "y",
                                "--price-fen-per-tonne", "1"])
    assert again.exit_code != 0 and "already exists" in again.output
    bad = runner.invoke(args=["projects", "add", "X", "--name", "x", "--owner", "y", "--price-fen-per-tonne", "0"])
    assert bad.exit_code != 0
    with app.app_context():
        project = db.session.execute(db.select(Project).filter_by(code="CDCER-WIND")).scalar_one()
        assert project.owner.name == "某风电公司" and project.standard == "CDCER" and project.credited_kg == 0


def write(tmp_path, text):
    path = tmp_path / "credits.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_credits_import(app, runner, tmp_path):
    runner.invoke(args=["projects", "add", "P1", "--name", "p", "--owner", "o", "--price-fen-per-tonne", "5000"])
    csv = ("project_code,vintage,serial_start,serial_end\n"
           "P1,2021,CDCER-FOR-2021-00000001,CDCER-FOR-2021-00000500\n"
           "P1,2022,CDCER-FOR-2022-00000001,CDCER-FOR-2022-00000010\n")
    out = runner.invoke(args=["credits", "import", write(tmp_path, csv)])
    assert out.exit_code == 0, out.output
    assert "P1: 510 units (510 t) imported" in out.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(CreditUnit.id))).scalar_one() == 510
        assert db.session.execute(db.select(Project.credited_kg).filter_by(code="P1")).scalar_one() == 510_000
        last = db.session.execute(db.select(CreditUnit).filter_by(serial="CDCER-FOR-2021-00000500")).scalar_one()
        assert last.vintage == 2021 and last.claimed_kg == 0 and last.retired_at is None


def test_credits_import_refuses_a_bad_file_whole(app, runner, tmp_path):
    runner.invoke(args=["projects", "add", "P1", "--name", "p", "--owner", "o", "--price-fen-per-tonne", "5000"])
    runner.invoke(args=["credits", "import", write(tmp_path, "project_code,vintage,serial_start,serial_end\n"
                                                           "P1,2021,A-0001,A-0100\n")])
    cases = {
        "P1,2021,B-0001,B-0010\nP1,2021,A-0050,A-0150\n": "line 3: A-0050..A-0150 overlaps serials already held",
        "P1,2021,B-0001,B-0010\nP1,2021,B-0005,B-0020\n": "line 3: B-0005..B-0020 overlaps line 2",
        "P1,2021,B-0001,B-010\n": "line 2: B-0001 and B-010 must share a prefix and a number of digits",
        "P1,2021,B-0001,C-0010\n": "must share a prefix",
        "P1,2021,B-0010,B-0001\n": "line 2: B-0010 comes after B-0001",
        "P1,21,B-0001,B-0010\n": "line 2: vintage must be a year",
        "P2,2021,B-0001,B-0010\n": "line 2: unknown project 'P2'",
        "P1,2021,B-0001\n": "line 2: expected 4 fields",
        "P1,2021,B-ONE,B-TWO\n": "serials must end in digits",
    }
    for body, message in cases.items():
        out = runner.invoke(args=["credits", "import",
                                  write(tmp_path, "project_code,vintage,serial_start,serial_end\n" + body)])
        assert out.exit_code != 0 and message in out.output, (body, out.output)
    out = runner.invoke(args=["credits", "import", write(tmp_path, "code,year,from,to\nP1,2021,B-1,B-2\n")])
    assert out.exit_code != 0 and "line 1: the header must be" in out.output
    with app.app_context():  # nothing of any refused file was imported
        assert db.session.execute(db.select(db.func.count(CreditUnit.id))).scalar_one() == 100
        assert db.session.execute(db.select(Project.credited_kg).filter_by(code="P1")).scalar_one() == 100_000
