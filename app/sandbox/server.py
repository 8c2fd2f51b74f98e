"""The WeChat simulators as their own server, reached over HTTP exactly as WeChat is in live mode.

    flask --app app.sandbox.server sandbox serve --port 8100        # or `make sandbox-server`
    gunicorn -k gthread --threads 16 'app.sandbox.server:create_simulator_app()'

One origin plays both of WeChat's hosts at their real paths (their path spaces do not meet): the login
API (`GET /cgi-bin/token`, `GET /sns/jscode2session`, `POST /wxa/getwxacodeunlimit`) and WeChat Pay v3
(`/v3/pay/transactions/...`, `/v3/refund/domestic/refunds...`), plus the pay sheet
`POST /sandbox/wechatpay/confirm` (the service's contract) and `GET /healthz`. The service points at it
with `SANDBOX_SERVER_URL=http://127.0.0.1:8100`.

It keeps WeChat Pay's side in a database of its own (`SANDBOX_DATABASE_URL`, tables created on start),
reads the same `SANDBOX_KEYS_DIR` as the service (it signs with the platform key and verifies the
merchant's), derives the same sandbox app secret from the same `SECRET_KEY`, and delivers notifications
over HTTP to the notify_url of each prepay request, as WeChat Pay does. It imports nothing of the
service's routes or services: it plays WeChat, and never reaches into our database.
"""
from __future__ import annotations

import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, g, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from app import sql_stats
from app.config import Config, _engine_options, _normalise_db_url
from app.errors import AppError
from app.extensions import db
from app.models import SandboxPayRefund, SandboxPayTransaction
from app.sandbox import keys as sandbox_keys
from app.sandbox.confirm import CONFIRM_PATH, confirm
from app.sandbox.wechat_api import register_wechat_api, wechat_error
from app.sandbox.wechatpay import bp as wechatpay_api_bp
from app.schemas.ops.sandbox import ConfirmSchema

ROOT = Path(__file__).resolve().parents[2]
TABLES = (SandboxPayTransaction.__table__, SandboxPayRefund.__table__)
#: Settings that aim the *service* at this server: meaningless to the server itself.
_CLIENT_SETTINGS = ("SANDBOX_SERVER_URL", "WECHAT_API_BASE_URL", "WECHATPAY_API_BASE_URL")


def create_simulator_app(environ: dict[str, str] | None = None) -> Flask:
    """Both simulators under one origin, with their own database; configuration from the environment."""
    env = dict(os.environ if environ is None else environ)
    instance = env.get("SANDBOX_INSTANCE_PATH") or str(ROOT / "instance")
    # The service's own reading of the same environment: the same appid, app secret and keys folder.
    service = Config({k: v for k, v in env.items() if k not in _CLIENT_SETTINGS} | {"WECHAT_MODE": "sandbox"},
                     instance_path=instance)
    url = _normalise_db_url(env.get("SANDBOX_DATABASE_URL") or f"sqlite:///{Path(instance) / 'sandbox.db'}")

    sim = Flask("app.sandbox.server", instance_path=instance)
    sim.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=_engine_options(url),
                      WECHAT_APPID=service.WECHAT_APPID, MAX_CONTENT_LENGTH=256 * 1024)
    db.init_app(sim)
    sim.extensions["wechatpay_sandbox_keys"] = sandbox_keys.load_or_create(Path(service.SANDBOX_KEYS_DIR))
    sim.extensions["wechatpay_simulator_prefix"] = ""  # the real paths: the merchant signs them as sent
    sim.extensions["wechatpay_simulator_delivery"] = "http"
    register_wechat_api(sim, appid=service.WECHAT_APPID, secret=service.WECHAT_SECRET)
    sim.register_blueprint(wechatpay_api_bp, url_prefix="")
    _register_control(sim)
    _register_errors(sim)
    _register_cli(sim)
    with sim.app_context():
        if url.startswith("sqlite"):
            _sqlite_pragmas(db.engine)
        create_tables()
    return sim


#: `flask --app app.sandbox.server ...` finds the factory under Flask's usual name.
create_app = create_simulator_app


def create_tables() -> None:
    """WeChat Pay's side (transactions, refunds) in the simulator's database; idempotent.

    Workers starting together may race to create them: the loser finds them made.
    """
    try:
        db.metadata.create_all(db.engine, tables=TABLES)
    except sa.exc.DatabaseError:
        db.metadata.create_all(db.engine, tables=TABLES)


def _sqlite_pragmas(engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # workers read while one writes
        if engine.url.database not in (None, "", ":memory:"):
            dbapi_conn.execute("PRAGMA journal_mode=WAL")


CONFIRM_SCHEMA = ConfirmSchema()


def _register_control(sim: Flask) -> None:
    @sim.post(CONFIRM_PATH)
    def pay_sheet():
        """The guest pays (the service's contract, app/routes/ops/sandbox.py); notifications follow over HTTP."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationError({"_schema": ["a JSON object is required"]})
        transaction_id, statuses = confirm(**CONFIRM_SCHEMA.load(body))
        relayed = g.get("relayed_sql_stats")  # the service's X-SQL-Stats on its answers (the benchmarks)
        return ({"transaction_id": transaction_id, "deliveries": [{"status": s} for s in statuses]}, 200,
                {sql_stats.HEADER: sql_stats.format_counts(relayed)} if relayed and any(relayed) else {})

    @sim.get("/healthz")
    def healthz():
        db.session.execute(sa.text("SELECT 1"))
        return {"status": "ok", "database": db.engine.url.get_backend_name()}


def _register_errors(sim: Flask) -> None:
    """The service's envelope on the control paths; WeChat's own shapes on WeChat's paths."""

    @sim.errorhandler(AppError)
    def _app_error(e: AppError):
        return jsonify({"error": {"code": e.code, "message": e.detail or e.code}}), e.status_code

    @sim.errorhandler(ValidationError)
    def _invalid(e: ValidationError):
        return jsonify({"error": {"code": "validation_error", "message": "invalid request",
                                  "fields": e.messages}}), 422

    @sim.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if request.path.startswith("/v3/"):
            return jsonify({"code": "NOT_FOUND" if e.code == 404 else "PARAM_ERROR", "message": e.name}), e.code
        if e.code == 404 and not request.path.startswith("/sandbox/"):
            return wechat_error(40066, "invalid url")
        return jsonify({"error": {"code": e.name.lower().replace(" ", "_"), "message": e.name}}), e.code


def _register_cli(sim: Flask) -> None:
    group = click.Group("sandbox", help="The WeChat simulator server.")

    @group.command("init-db")
    def init_db():
        """Create the simulator's tables in SANDBOX_DATABASE_URL (done on every start too)."""
        create_tables()
        click.echo(f"sandbox tables ready in {db.engine.url.render_as_string(hide_password=True)}")

    @group.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8100, show_default=True, type=int)
    def serve(host: str, port: int):
        """Serve both simulators (threaded: notifications go out while the service is calling in)."""
        from werkzeug.serving import run_simple

        run_simple(host, port, sim, threaded=True)

    sim.cli.add_command(group)
