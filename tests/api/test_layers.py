"""The layering rules the tests can check at run time (the import rules are checked from the source)."""
from __future__ import annotations

from marshmallow import Schema, fields
from sqlalchemy import select

from app.extensions import db
from app.models import Scenario
from tests import conftest


def test_a_query_while_dumping_is_caught(app, seeded):
    class Lazy(Schema):
        title = fields.Function(lambda code: db.session.execute(
            select(Scenario.title).where(Scenario.code == code)).scalar_one())

    with app.app_context():
        assert Lazy().dump("CDF2021")["title"]
        caught = list(conftest._queries_while_dumping)
        conftest._queries_while_dumping.clear()
    assert len(caught) == 1 and caught[0].split(": ", 1)[1].startswith("SELECT scenarios.title")


def test_services_hand_schemas_loaded_rows(client, seeded, auth):
    """A journey's responses dump what the services loaded: the watcher (conftest) would fail it otherwise."""
    headers = auth.login("alice")
    fp = client.post("/api/v1/footprints", json={"scenario": "CDF2021", "stay": {"nights": 1}}, headers=headers)
    assert fp.status_code == 201
    order = client.post("/api/v1/orders", json={"footprint_id": fp.json["id"], "project": "CDCER-FOR"},
                        headers=headers)
    assert order.status_code == 201 and order.json["order"]["project"] == "CDCER-FOR"
    assert not conftest._queries_while_dumping
