"""The service as it runs in production: `gunicorn wsgi:app` with one sync worker, on a migrated and seeded
database of the test's own, on a free loopback port (for the e2e tests)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Service:
    base: str
    env: dict
    master: int
    log: Path


@contextlib.contextmanager
def gunicorn(folder: Path, database_url: str, *, timeout: int = 30, workers: int = 1,
             extra_env: dict | None = None) -> Iterator[Service]:
    """Migrate and seed `database_url`, serve it with `workers` sync workers (worker timeout `timeout`),
    stop it. `extra_env` adds to the service's environment (e.g. SANDBOX_SERVER_URL)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "WECHAT_MODE": "sandbox", "SECRET_KEY": "e2e",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "SANDBOX_KEYS_DIR": str(folder / "keys"),
           "LOG_LEVEL": "WARNING", **(extra_env or {})}
    for key in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "REDIS_URL"):
        env.pop(key, None)
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=120)
    log_path = folder / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app", "--workers", str(workers), "--worker-class", "sync",
                                 "--bind", f"127.0.0.1:{port}", "--timeout", str(timeout)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while not healthy(base):
                if time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text())
                time.sleep(0.2)
            yield Service(base=base, env=env, master=proc.pid, log=log_path)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or the worker still booting
        return False


@contextlib.contextmanager
def pg_schema(database_url: str, name: str) -> Iterator[str]:
    """A PostgreSQL schema of its own in `database_url`'s database (created empty, dropped after), as the
    URL of a search_path into it: the service migrates and seeds it, the suite's tables stay untouched."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(database_url)
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
