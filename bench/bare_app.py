"""The baseline: a minimal Flask app served by the same gunicorn command as the real service.

`POST /bare` parses the same JSON body as the footprint request and answers a small JSON 201, so the
difference between the two targets is what Diandian itself adds (validation, calculation, database,
serialisation, logging) on top of gunicorn + Flask + JSON. `GET /healthz` is there for start-up.

    gunicorn bench.bare_app:app
"""
from flask import Flask, request

app = Flask(__name__)


@app.post("/bare")
def bare():
    data = request.get_json(force=True)
    return {"ok": True, "fields": len(data)}, 201


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
