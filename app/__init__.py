"""Diandian (点点碳中和): the Flask backend of the carbon-neutral mini-program.

create_app() builds the service; nothing happens at import time.
"""
from __future__ import annotations

import os

from flask import Flask

from app.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Create and configure the application (configuration from the environment by default)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    config = config or Config(instance_path=app.instance_path)
    app.config.from_mapping(config.as_mapping())
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024

    from app.jsonutil import JSONProvider

    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)

    from app.auth import ConsoleSessionInterface

    app.session_interface = ConsoleSessionInterface()

    from app.request_log import configure_logging

    configure_logging(app)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address as the trusted load balancer saw it (rate limits, scans).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"])
    from app.routes import install_converters

    install_converters(app)
    register_extensions(app)
    register_blueprints(app)

    from app.errors import register_error_handlers
    from app.i18n import register_template_helpers
    from app.limits import init_limits
    from app.sql_stats import init_sql_stats

    register_error_handlers(app)
    register_template_helpers(app)
    if not app.config.get("REDIS_URL"):
        app.config.setdefault("RATELIMIT_STORAGE_URI", "diandian-memory://")  # app.extensions
    init_limits(app)
    init_sql_stats(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table registered for Flask-Migrate)
    from app.extensions import db, migrate
    from app.jsonutil import dumps_column, loads_column

    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    options.setdefault("json_serializer", dumps_column)  # JSON columns: orjson, several times faster
    options.setdefault("json_deserializer", loads_column)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)
    else:
        from app.extensions import keep_prepared_statements

        with app.app_context():
            keep_prepared_statements(db.engine)  # PostgreSQL through psycopg
    app.extensions["redis"] = None
    if app.config.get("REDIS_URL"):
        import redis

        app.extensions["redis"] = redis.Redis.from_url(app.config["REDIS_URL"], **app.config["REDIS_OPTIONS"])
    register_wechat(app)


def register_wechat(app: Flask) -> None:
    """The WeChat clients; in sandbox mode, aimed at the embedded simulators (app.wechat never imports them)."""
    from app.wechat import init_wechat

    if app.config["SANDBOX"]:
        from app import sandbox

        wiring = sandbox.install(app)
        init_wechat(app, transports=wiring.transports, pay_credentials=wiring.pay_credentials)
    else:
        init_wechat(app)


def register_blueprints(app: Flask) -> None:
    from app.routes import register_blueprints as _register

    _register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register_commands as _register

    _register(app)


def _tune_sqlite(app: Flask) -> None:
    """WAL lets gunicorn workers read while one writes; foreign keys are off by default in SQLite."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if engine.url.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
