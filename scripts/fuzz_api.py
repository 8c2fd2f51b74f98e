"""Fuzz the running service from its own OpenAPI document with schemathesis (run by .ci/run after the suites).

Starts `gunicorn wsgi:app` (2 sync workers, sandbox WeChat) on a scratch SQLite file under a temp folder,
seeded with `flask seed-demo` plus a fuzzing admin and a throwaway account, then runs

    schemathesis run http://127.0.0.1:<port>/api/v1/openapi.json --checks not_a_server_error,response_schema_conformance

with a bounded number of examples per operation and a bound on the whole run. schemathesis signs in itself
(scripts/schemathesis.toml: a sandbox guest and the fuzzing admin, again after any 401). Exits with
schemathesis's status (non-zero when it found a 5xx or an answer the document does not describe) and
leaves no process behind.

    python scripts/fuzz_api.py [--max-examples 20] [--max-time 120] [--seed N|random] [schemathesis options...]
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONFIG = ROOT / "scripts" / "schemathesis.toml"
STAFF_EMAIL, STAFF_PASSWORD = "fuzz-admin@fuzz.diandian.test", "fuzz-admin-password"
SEED = 20261201

# Operations left out, each with the reason (empty: every documented operation is fuzzed).
EXCLUDED_OPERATIONS: dict[str, str] = {}

SETUP = f"""
from app import create_app
from app.services.console.staff import create_staff
app = create_app()
with app.app_context():
    create_staff(email={STAFF_EMAIL!r}, name="Fuzz admin", password={STAFF_PASSWORD!r}, role="admin")
    target = create_staff(email="fuzz-target@fuzz.diandian.test", name="Fuzz target",
                          password="fuzz-target-password", role="venue_staff")
    print(target.id)
"""


def _tracebacks(log: str) -> list[str]:
    """The unhandled errors in gunicorn's log: each ERROR line with the traceback under it."""
    out, lines = [], log.splitlines()
    for i, line in enumerate(lines):
        if " ERROR " in line:
            block = [line]
            for follow in lines[i + 1:]:
                if follow[:4].isdigit() or follow.startswith("["):  # the next log record
                    break
                block.append(follow)
            out.append("\n".join(block))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urlopen(f"{base}/healthz", timeout=5) as rv:
                if rv.status == 200:
                    return
        except (URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    """End gunicorn's whole process group (master and workers), politely first."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=20, help="test cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=120, help="seconds for the whole schemathesis run")
    parser.add_argument("--seed", default=str(SEED), help=f"hypothesis seed (default {SEED}, so CI repeats one "
                        "exploration and a finding reproduces; 'random' for a new one each run)")
    args, extra = parser.parse_known_args()
    # A SIGTERM (CI's time limit) unwinds through the finally below, so gunicorn is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="diandian-fuzz-") as folder:
        folder = Path(folder)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/fuzz.db", "WECHAT_MODE": "sandbox",
               "SECRET_KEY": "fuzz", "PUBLIC_BASE_URL": base, "SANDBOX_KEYS_DIR": str(folder / "keys"),
               "CERTIFICATE_STORAGE_DIR": str(folder / "certificates"), "LOG_LEVEL": "WARNING",
               "FUZZ_STAFF_EMAIL": STAFF_EMAIL, "FUZZ_STAFF_PASSWORD": STAFF_PASSWORD,
               # Fuzzed sign-ins and logins say they come from other addresses (scripts/schemathesis.toml), so
               # the limits they hit are not the ones schemathesis's own sign-in needs.
               "PROXY_HOPS": "1"}
        for key in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "REDIS_URL"):
            env.pop(key, None)
        for step in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([str(BIN / "flask"), "--app", "wsgi", *step], cwd=ROOT, env=env, check=True,
                           capture_output=True, timeout=180)
        setup = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True,
                               text=True, timeout=60)
        env["FUZZ_TARGET_STAFF_ID"] = setup.stdout.strip().splitlines()[-1]
        log_path = folder / "gunicorn.log"
        with open(log_path, "w") as log:
            gunicorn = subprocess.Popen(
                [str(BIN / "gunicorn"), "wsgi:app", "--workers", "2", "--worker-class", "sync",
                 "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(base, gunicorn, log_path)
            booted = time.monotonic() - started
            command = [str(BIN / "schemathesis"), "--config-file", str(CONFIG), "run", f"{base}/api/v1/openapi.json",
                       "--checks", "not_a_server_error,response_schema_conformance",
                       "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
                       "--workers", "1", "--request-timeout", "30", "--no-color",
                       "--generation-database", "none", "--suppress-health-check", "all"]
            if args.seed != "random":
                command += ["--seed", str(int(args.seed))]
            for operation_id in EXCLUDED_OPERATIONS:
                command += ["--exclude-operation-id", operation_id]
            command += extra
            print(f"fuzz: service up in {booted:.1f} s on {base}; {' '.join(command[1:])}", flush=True)
            status = subprocess.run(command, cwd=folder, env=env).returncode
        finally:
            stop(gunicorn)
            tracebacks = _tracebacks(log_path.read_text())
            if tracebacks:
                print(f"fuzz: the service logged {len(tracebacks)} traceback(s):", flush=True)
                print("\n".join(tracebacks)[-30000:], flush=True)
    print(f"fuzz: done in {time.monotonic() - started:.0f} s, schemathesis exit status {status}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
