"""The footprint benchmark's floor (bench/floor_app.py) stays an honest floor.

`make bench` reads `floor ÷ bare` as the ceiling of `footprint ÷ bare`. That holds only while the floor
sends what the footprint endpoint sends and stores the row it stores, so both are checked against the live
endpoint here.
"""
import json

from sqlalchemy import select

from app.extensions import db
from app.models import Footprint
from bench import floor_app
from bench.scenarios import FOOTPRINT_BYTES


def _masked(body: dict) -> dict:
    return {**body, "id": "fp_…", "created_at": "…"}


def test_the_floor_answers_what_the_footprint_endpoint_answers(client, seeded, auth):
    rv = client.post("/api/v1/footprints", data=FOOTPRINT_BYTES,
                     headers={**auth.login(), "Content-Type": "application/json"})
    assert rv.status_code == 201, rv.json
    floor = json.loads(floor_app.RESPONSE)
    # Byte for byte but for the row's id and time: re-capture bench/floor_footprint.json when this fails.
    assert _masked(floor) == _masked(rv.json)
    assert abs(len(floor_app.RESPONSE) - len(rv.data)) <= 8


def test_the_floor_stores_a_footprint_row_of_the_same_size(app, seeded, client, auth, monkeypatch):
    store = floor_app._Store(app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setattr(floor_app, "_store", store)
    try:
        rv = floor_app.app.test_client().post("/floor", data=FOOTPRINT_BYTES,
                                              headers={"Content-Type": "application/json"})
    finally:
        if store.conn is not None:
            store.conn.close()
    assert rv.status_code == 201
    assert rv.data == floor_app.RESPONSE
    client.post("/api/v1/footprints", data=FOOTPRINT_BYTES,
                headers={**auth.login(), "Content-Type": "application/json"})
    with app.app_context():
        rows = db.session.execute(select(Footprint).order_by(Footprint.user_id.is_(None).desc())).scalars().all()
        floor_row, real_row = rows
        assert floor_row.user_id is None and real_row.user_id is not None
        assert floor_row.scenario_id == real_row.scenario_id and floor_row.factor_set == real_row.factor_set
        assert floor_row.items == real_row.items  # the same 2 KB document (bench/floor_footprint.json)
        assert floor_row.total_kg == real_row.total_kg
        assert floor_row.inputs == json.loads(FOOTPRINT_BYTES)  # the body as posted (the service's is normalised)
