"""The floor: the least any footprint endpoint could do here, served by the same gunicorn command.

`POST /floor` parses the footprint request's body (as the bare route does), writes one footprint row of
the real size into the real `footprints` table through the bare driver (sqlite3 or psycopg, no
SQLAlchemy), commits, and answers 201 with a real footprint response. `floor_footprint.json` holds both,
captured from the sandbox: the 3.4 KB answer and the 2 KB of items stored; tests/api/test_bench_floor.py
keeps them equal to what the live endpoint answers and stores. There is no token, no rate limit, no
validation, no calculation and no translation: the product's work is left out, the transport and the
storage of a footprint are kept.

So `floor ÷ bare` is the ceiling of `footprint ÷ bare` on this machine, and `make bench` prints the three
side by side in one run (bench/README.md). `GET /healthz` is there for start-up.

    DATABASE_URL=... gunicorn bench.floor_app:app
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, request

#: A real footprint of bench/scenarios.py's body, captured from the sandbox: the response and its stored items.
_CAPTURED = json.loads((Path(__file__).with_name("floor_footprint.json")).read_bytes())
_SAMPLE = _CAPTURED["response"]
RESPONSE = json.dumps(_SAMPLE, separators=(",", ":"), ensure_ascii=False).encode()
ITEMS_JSON = json.dumps(_CAPTURED["stored_items"], separators=(",", ":"), ensure_ascii=False)
SCENARIO = _SAMPLE["scenario"]

app = Flask(__name__)


class _Store:
    """One connection per worker process (a sync worker serves one request at a time)."""

    def __init__(self, url: str):
        self.url = url
        self.lock = threading.Lock()
        self.conn = None
        self.scenario_id = None

    def _connect(self):
        if self.url.startswith("sqlite:///"):
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=15, isolation_level="DEFERRED",
                                   check_same_thread=False)
            conn.execute("PRAGMA foreign_keys=ON")  # as the service's own connections (app/__init__.py)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self.mark = "?"
            self.now = lambda: datetime.now(UTC).isoformat(" ")  # SQLAlchemy's text form on SQLite
        else:
            import psycopg

            conn = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5)
            self.mark = "%s"
            self.now = lambda: datetime.now(UTC)
        cur = conn.execute(f"SELECT id FROM scenarios WHERE code = {self.mark}", (SCENARIO,))
        self.scenario_id = cur.fetchone()[0]
        conn.commit()
        self.insert = ("INSERT INTO footprints (id, user_id, scenario_id, scenario_code, scan_id, factor_set, "
                       "inputs, items, total_kg, created_at) VALUES ("
                       + ", ".join([self.mark] * 10) + ")")
        return conn

    def store(self, inputs: dict) -> None:
        with self.lock:
            if self.conn is None:
                self.conn = self._connect()
            row = ("fp_" + secrets.token_urlsafe(15), None, self.scenario_id, SCENARIO, None,
                   _SAMPLE["factor_set"], json.dumps(inputs, separators=(",", ":")), ITEMS_JSON,
                   _CAPTURED["stored_total_kg"], self.now())
            self.conn.execute(self.insert, row)
            self.conn.commit()


_store = _Store(os.environ.get("DATABASE_URL", ""))


@app.post("/floor")
def floor():
    data = request.get_json(force=True)
    _store.store(data)
    return Response(RESPONSE, 201, mimetype="application/json")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
