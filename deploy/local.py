"""Two service instances behind HAProxy on this machine, sharing one database and one Redis.

    python -m deploy.local --database-url postgresql://postgres@127.0.0.1/diandian_pair \\
                           --redis-url redis://127.0.0.1:6379/13 [--port 8080] [--workers 2]

Each instance is what one host runs (`gunicorn wsgi:app`, sync workers) with what one host keeps for
itself (its certificate renders, its heavy-work slots) in a folder of its own; everything guests carry
from one request to the next lives in the database and Redis. HAProxy (Debian's, deploy/haproxy.cfg)
balances them round-robin. Everything binds 127.0.0.1 and stops when this ends (Ctrl-C, SIGTERM).
`two_hosts()` is the same thing as a context manager, for tests/e2e/test_two_hosts.py and
`python -m bench.run --target door-rush --hosts 2`. See deploy/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CFG = Path(__file__).with_name("haproxy.cfg")
HOST = "127.0.0.1"
BIN = ROOT / ".venv" / "bin"
NAMES = ("a1", "a2")  # the `server` names in haproxy.cfg (and the X-Served-By values)


class DeployError(RuntimeError):
    """The pair could not be started (the message says what, with the log's tail)."""


def find_haproxy() -> str | None:
    """Debian's haproxy (scripts/install-system-packages.sh installs it), or None."""
    found = shutil.which("haproxy")
    if found:
        return found
    return "/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop_group(proc: subprocess.Popen | None, grace: float = 10) -> None:
    """SIGTERM the process group (graceful), SIGKILL what is left after `grace` seconds."""
    if proc is None:
        return
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # workers may outlive their master
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _children(pid: int) -> list[int]:
    pids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return pids


@dataclass
class Instance:
    """One host's service: a gunicorn master and its workers on HOST:port."""

    name: str
    port: int
    env: dict
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def pids(self) -> list[int]:
        """The master and its workers (for CPU accounting)."""
        return [] if self.proc is None else [self.proc.pid, *_children(self.proc.pid)]

    def kill(self) -> None:
        """SIGKILL the whole instance at once (a host dying, not shutting down); returns once its port
        refuses connections, i.e. no worker holds the listening socket any more."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
            except ConnectionRefusedError:
                return
            except OSError:
                pass
            time.sleep(0.02)
        raise DeployError(f"instance {self.name} still accepts connections 10 s after SIGKILL")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        _stop_group(proc)


@dataclass
class Pair:
    """The balancer's address, its instances and its admin socket."""

    port: int
    instances: list[Instance]
    env: dict  # what every instance shares (DATABASE_URL, REDIS_URL, SECRET_KEY, ...)
    stats_socket: Path
    haproxy_log: Path
    haproxy: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def instance(self, name: str) -> Instance:
        return next(i for i in self.instances if i.name == name)

    def admin(self, command: str, timeout: float = 5) -> str:
        """One command on HAProxy's admin socket (`show stat`, `disable server diandian/a1`, ...)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(self.stats_socket))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while data := s.recv(65536):
                chunks.append(data)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict]:
        """HAProxy's view of each instance: status (UP/DOWN...), requests sent (`stot`), 2xx/5xx..."""
        text = self.admin("show stat").lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {r["svname"]: r for r in rows if r.get("pxname") == "diandian" and r["svname"] in NAMES}

    def requests_per_instance(self) -> dict[str, int]:
        """Requests HAProxy has sent to each instance since it started (health checks not included)."""
        return {name: int(row.get("stot") or 0) for name, row in self.servers().items()}

    def wait_status(self, name: str, status: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):  # the socket not accepting yet
                seen = self.servers().get(name, {}).get("status")
            if seen == status:
                return
            time.sleep(0.1)
        raise DeployError(f"haproxy never saw {name} {status} (last: {seen}); log:\n{_tail(self.haproxy_log)}")

    def cpu_seconds(self) -> float | None:
        """CPU (user + system) the instances' masters and workers have burnt so far (Linux /proc)."""
        if not os.path.isdir("/proc"):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for inst in self.instances:
            for pid in inst.pids():
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    total += int(fields[11]) + int(fields[12])
                except (OSError, IndexError, ValueError):
                    continue
        return total / ticks


def shared_env(database_url: str, redis_url: str, *, public_port: int, folder: Path,
               secret_key: str | None = None, extra: dict | None = None) -> dict:
    """The environment every instance gets: the same database, Redis, secret and public address."""
    env = {**os.environ}
    for key in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "FLASK_APP"):
        env.pop(key, None)
    env.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Guest tokens and console cookies are signed with it: one key for every host.
        "SECRET_KEY": secret_key or secrets.token_urlsafe(32),
        "PUBLIC_BASE_URL": f"http://{HOST}:{public_port}",
        "PROXY_HOPS": "1",  # the balancer's X-Forwarded-For names the client
        "WECHAT_MODE": env.get("WECHAT_MODE") or "sandbox",
        # Sandbox: both hosts play the same merchant (in live mode: the same WXPAY_* key files).
        "SANDBOX_KEYS_DIR": str(folder / "wechatpay-sandbox"),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


def prepare_database(env: dict) -> None:
    """`flask db upgrade` and `flask seed-demo` (sandbox) once, before any instance starts."""
    commands = [["db", "upgrade"]] + ([["seed-demo"]] if env.get("WECHAT_MODE", "sandbox") == "sandbox" else [])
    for args in commands:
        proc = subprocess.run([_tool("flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise DeployError(f"flask {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as resp:
            return resp.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start_instance(inst: Instance, *, workers: int, timeout: int = 30, start_timeout: float = 60) -> None:
    cmd = [_tool("gunicorn"), "wsgi:app", "--bind", f"{HOST}:{inst.port}", "--workers", str(workers),
           "--worker-class", "sync", "--timeout", str(timeout), "--graceful-timeout", "5",
           "--log-level", "warning", "--error-logfile", "-"]
    if os.path.isdir("/dev/shm"):
        cmd += ["--worker-tmp-dir", "/dev/shm"]
    with open(inst.log, "wb") as log:
        inst.proc = subprocess.Popen(cmd, cwd=ROOT, env=inst.env, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + start_timeout
    while not _healthy(inst.base):
        if inst.proc.poll() is not None or time.monotonic() > deadline:
            raise DeployError(f"instance {inst.name} did not become healthy; log:\n{_tail(inst.log)}")
        time.sleep(0.2)


@contextlib.contextmanager
def two_hosts(database_url: str, redis_url: str, *, folder: Path | None = None, port: int | None = None,
              workers: int = 2, prepare: bool = True, secret_key: str | None = None,
              env: dict | None = None) -> Iterator[Pair]:
    """Start instances a1 and a2 (gunicorn, `workers` sync workers each) and HAProxy in front; stop all.

    `prepare`: migrate and seed the database first. `env`: extra variables for every instance (e.g. a
    rate limit). The balancer listens on `port` (a free one by default), which PUBLIC_BASE_URL names.
    """
    haproxy = find_haproxy()
    if haproxy is None:
        raise DeployError("haproxy is not installed: scripts/install-system-packages.sh haproxy")
    own_folder = folder is None
    folder = Path(folder or tempfile.mkdtemp(prefix="diandian-pair-"))
    port = port or free_port()
    common = shared_env(database_url, redis_url, public_port=port, folder=folder, secret_key=secret_key, extra=env)
    instances = []
    for name in NAMES:
        own = folder / name  # what one host keeps on its own disk
        instances.append(Instance(name=name, port=free_port(), log=folder / f"{name}.log", env={
            **common, "CERTIFICATE_STORAGE_DIR": str(own / "certificates"),
            "HEAVY_LOCK_DIR": str(own / "heavy-slots")}))
    pair = Pair(port=port, instances=instances, env=common, stats_socket=folder / "haproxy.sock",
                haproxy_log=folder / "haproxy.log")
    try:
        if prepare:
            prepare_database(common)
        for inst in instances:
            start_instance(inst, workers=workers)
        lb_env = {**os.environ, "DD_LB_BIND": f"{HOST}:{port}", "DD_LB_STATS_SOCKET": str(pair.stats_socket),
                  "DD_SERVER_MAXCONN": str(workers),
                  **{f"DD_HOST{n}": f"{HOST}:{inst.port}" for n, inst in enumerate(instances, 1)}}
        pair.stats_socket.unlink(missing_ok=True)  # a stale one from an earlier run in this folder
        with open(pair.haproxy_log, "wb") as log:
            # -db: stay in the foreground (no daemon), so stopping this process stops the balancer.
            pair.haproxy = subprocess.Popen([haproxy, "-db", "-f", str(HAPROXY_CFG)], cwd=folder, env=lb_env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 20
        while not pair.stats_socket.exists():
            if pair.haproxy.poll() is not None or time.monotonic() > deadline:
                raise DeployError(f"haproxy did not start; log:\n{_tail(pair.haproxy_log)}")
            time.sleep(0.05)
        for inst in instances:
            pair.wait_status(inst.name, "UP")
        yield pair
    finally:
        _stop_group(pair.haproxy, grace=5)
        for inst in instances:
            inst.stop()
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                   help="the shared database (default $DATABASE_URL); PostgreSQL for two hosts")
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL"),
                   help="the shared Redis (default $REDIS_URL): required, it is what the hosts share")
    p.add_argument("--port", type=int, default=8080, help="the balancer's port on 127.0.0.1 (default 8080)")
    p.add_argument("--workers", type=int, default=2, help="sync workers per instance (default 2)")
    p.add_argument("--no-prepare", action="store_true", help="skip `flask db upgrade` and `seed-demo`")
    p.add_argument("--secret-key", default=os.environ.get("SECRET_KEY"),
                   help="SECRET_KEY of both instances (default $SECRET_KEY, else a random one for this run)")
    args = p.parse_args(argv)
    if not args.database_url or not args.redis_url:
        p.error("--database-url and --redis-url are both required (two hosts share them)")

    def _terminate(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _terminate)
    folder = Path(tempfile.mkdtemp(prefix="diandian-pair-"))
    try:
        with two_hosts(args.database_url, args.redis_url, folder=folder, port=args.port, workers=args.workers,
                       prepare=not args.no_prepare, secret_key=args.secret_key) as pair:
            for inst in pair.instances:
                print(f"instance {inst.name}: {inst.base} (log {inst.log})")
            print(f"haproxy: {pair.base} -> {', '.join(i.name for i in pair.instances)} "
                  f"(admin socket {pair.stats_socket}, log {pair.haproxy_log})")
            print("Ctrl-C stops all three.", flush=True)
            while all(i.proc is not None and i.proc.poll() is None for i in pair.instances) \
                    and pair.haproxy.poll() is None:
                time.sleep(1)
            print("a process exited; stopping the others", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    except DeployError as exc:
        print(f"deploy.local: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
