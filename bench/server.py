"""Prepare a fresh database and run gunicorn on a loopback port, as context managers.

    with prepared_environment(db_url=None) as env:          # temp SQLite, migrated and seeded
        with Gunicorn("wsgi:app", env, workers=2) as srv:   # waits for GET /healthz -> 200
            ... load 127.0.0.1:srv.port ...
    # gunicorn's whole process group is terminated (then killed) on exit, error or Ctrl-C.

Servers only ever bind 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # /work/main: where `gunicorn wsgi:app` runs
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """The bench could not set up what it measures (the message says what and shows the output)."""


def venv_tool(name: str) -> str:
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found in {VENV_BIN} nor on PATH")
    return found


def free_port() -> int:
    """A currently free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class BenchEnv:
    """The environment the service runs with, and a scratch directory for its DB file and logs."""

    env: dict[str, str]
    workdir: Path
    db_url: str
    port: int  # the port PUBLIC_BASE_URL names; the service is started on it
    log: list[str] = field(default_factory=list)

    @property
    def db_kind(self) -> str:
        return self.db_url.split(":", 1)[0].split("+", 1)[0]


def flask_cli(benv: BenchEnv, *args: str, timeout: float = 300) -> str:
    """Run `flask --app wsgi <args>` in the project with the bench environment; BenchError on failure."""
    cmd = [venv_tool("flask"), "--app", "wsgi", *args]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=benv.env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"`{' '.join(cmd[1:])}` took longer than {timeout}s") from None
    out = (proc.stdout + proc.stderr).strip()
    benv.log.append(f"$ flask {' '.join(args)}\n{out}")
    if proc.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed (exit {proc.returncode}):\n{out}")
    return out


@contextlib.contextmanager
def prepared_environment(
    db_url: str | None = None, reset_db: bool = False, keep: bool = False, extra_env: dict | None = None
) -> Iterator[BenchEnv]:
    """A temp dir, the service environment, and a migrated + seeded database.

    db_url None: a new SQLite file in the temp dir. Otherwise (e.g. PostgreSQL) the database must be
    empty, or pass reset_db=True to run `flask db downgrade base` first (drops every Diandian table
    in that database!).
    """
    workdir = Path(tempfile.mkdtemp(prefix="diandian-bench-"))
    try:
        port = free_port()
        url = db_url or f"sqlite:///{workdir / 'bench.db'}"
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": url,
                "WECHAT_MODE": "sandbox",
                "SECRET_KEY": "bench",
                "PUBLIC_BASE_URL": f"http://{HOST}:{port}",
                "PYTHONUNBUFFERED": "1",
                # the pictures of this run, apart from instance/ (the queue worker's work is counted there)
                "CERTIFICATE_STORAGE_DIR": str(workdir / "certificates"),
            }
        )
        env.pop("FLASK_APP", None)
        env.update(extra_env or {})
        benv = BenchEnv(env=env, workdir=workdir, db_url=url, port=port)
        if reset_db and db_url:
            flask_cli(benv, "db", "downgrade", "base")
        flask_cli(benv, "db", "upgrade")
        flask_cli(benv, "seed-demo")
        yield benv
    finally:
        if keep:
            print(f"[bench] kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


#: The project a rush "spread over four" adds beside the seed's three (bench only: a sandbox database).
RUSH_PROJECT = "CDCER-BENCH"


def add_rush_stock(benv: BenchEnv, tonnes: int, fourth_project: bool = True) -> dict[str, int]:
    """Give every project `tonnes` more one-tonne units (new serials, `flask credits import`), after adding a
    fourth project (`flask projects add`) when asked: the seed's 3,700 t last ~7,700 guests, a 10,000-guest
    rush on one project needs ~4,800 t on that project alone. Returns the units imported per project."""
    if fourth_project:
        flask_cli(benv, "projects", "add", RUSH_PROJECT, "--name", "基准测试光伏（演示）",
                  "--name-en", "Benchmark solar (demo)", "--owner", "基准测试能源有限公司（演示）",
                  "--price-fen-per-tonne", "5200", "--kind", "solar", "--location", "四川省成都市")
    from app.services.ops.seed import PROJECTS

    codes = [p["code"] for p in PROJECTS] + ([RUSH_PROJECT] if fourth_project else [])
    lines = ["project_code,vintage,serial_start,serial_end"]
    for code in codes:  # a vintage no seed block uses, so the serials are new
        lines.append(f"{code},2025,{code}-2025-{1:08d},{code}-2025-{tonnes:08d}")
    csv_file = benv.workdir / "rush-stock.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    flask_cli(benv, "credits", "import", str(csv_file))
    return dict.fromkeys(codes, tonnes)


#: Where the door rush creates its scratch database when no BENCH_DATABASE_URL is given (trust auth).
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def scratch_postgres(admin_url: str | None = None, name: str | None = None) -> Iterator[str]:
    """CREATE DATABASE diandian_bench_<pid> on the admin URL's server, yield its URL, DROP it on exit.

    The drop runs on success, failure and Ctrl-C (WITH (FORCE): connections still open are ended).
    """
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    admin_url = admin_url or os.environ.get("BENCH_PG_ADMIN_URL") or DEFAULT_PG_ADMIN_URL
    name = name or f"diandian_bench_{os.getpid()}"
    admin = make_url(admin_url)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise BenchError(f"cannot create the scratch database {name} on {admin.render_as_string()}: {exc}\n"
                         "(set BENCH_DATABASE_URL to an empty database, or pass --db-url sqlite)") from None
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            print(f"[bench] could not drop the scratch database {name}: {exc}", file=sys.stderr)


class Gunicorn:
    """`gunicorn <app>` on 127.0.0.1:<port> in its own process group; a context manager.

    Same settings for every target: `workers` sync workers (or `worker_class`), heartbeat files in
    /dev/shm when it exists, no access log, error log (and the app's stderr) to a file.
    """

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        *,
        port: int | None = None,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
        logdir: Path | None = None,
        name: str | None = None,
        health_path: str = "/healthz",
        start_timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
    ):
        self.app = app
        self.env = env
        self.port = port or free_port()
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.name = name or app
        self.logdir = logdir or Path(tempfile.gettempdir())
        self.logfile = self.logdir / f"gunicorn-{self.name.replace(':', '_')}-{self.port}.log"
        self.health_path = health_path
        self.start_timeout = start_timeout
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        cmd = [
            venv_tool("gunicorn"),
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--log-level", "warning",
            "--error-logfile", "-",
            "--timeout", "60",
            "--graceful-timeout", "5",
        ]
        if self.threads > 1:
            cmd += ["--threads", str(self.threads)]
        if os.path.isdir("/dev/shm"):
            cmd += ["--worker-tmp-dir", "/dev/shm"]
        # No --access-logfile: gunicorn writes no access log unless asked to.
        return [*cmd, *self.extra_args, self.app]

    @property
    def settings(self) -> dict:
        return {"workers": self.workers, "worker_class": self.worker_class, "threads": self.threads,
                "command": " ".join(self.command[1:])}

    def __enter__(self) -> Gunicorn:
        log = open(self.logfile, "wb")
        try:
            self.proc = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: Ctrl-C does not reach it, we stop it
            )
        finally:
            log.close()
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"gunicorn {self.app} exited with {self.proc.returncode} during start-up; log:\n"
                    + _tail(self.logfile)
                )
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", self.health_path)
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status} {body[:300]!r}"
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.2)
        raise BenchError(
            f"gunicorn {self.app} not healthy after {self.start_timeout}s ({last}); log:\n" + _tail(self.logfile)
        )

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master), from /proc (Linux)."""
        if self.proc is None:
            return []
        master = self.proc.pid
        pids: list[int] = []
        try:  # cheap when the kernel exposes it
            for task in os.listdir(f"/proc/{master}/task"):
                with open(f"/proc/{master}/task/{task}/children") as f:
                    pids += [int(x) for x in f.read().split()]
            return pids
        except OSError:
            pass
        return _children(master) if os.path.isdir("/proc") else []

    def stop(self) -> None:
        """SIGTERM the process group (graceful), SIGKILL it after 10 s. Safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        # Workers may outlive a dead master; kill whatever is left in the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.logfile, lines)


def _proc_cpu_ticks(pid: int, *, children_reaped: bool = False) -> int:
    """utime + stime of one process (with cutime + cstime: the children it has reaped)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children_reaped else 0)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


def tree_cpu_seconds(pid: int | None) -> float | None:
    """CPU burnt so far by a process, its live children, and the children it reaped (Linux /proc)."""
    if pid is None or not os.path.isdir("/proc"):
        return None
    try:
        ticks = _proc_cpu_ticks(pid, children_reaped=True)
    except (OSError, IndexError, ValueError):
        return None
    for child in _children(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ticks += _proc_cpu_ticks(child)
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pid(db_url: str) -> int | None:
    """The postmaster of the server behind `db_url` (its data directory's postmaster.pid), if this machine
    runs it and we may read it; its backends are its children, so tree_cpu_seconds gives PostgreSQL's CPU."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            folder = conn.execute(sa.text("SHOW data_directory")).scalar_one()
        engine.dispose()
        return int(Path(folder, "postmaster.pid").read_text().split()[0])
    except Exception:  # not local, not a superuser, not PostgreSQL: the CPU is not reported
        return None


def database_backends_cpu_seconds(db_url: str, database: str) -> float | None:
    """CPU burnt so far by the live PostgreSQL backends connected to `database` (pg_stat_activity's pids,
    /proc): the simulator server's share of a PostgreSQL server both databases run on. Pooled connections
    live all run long; a backend that exits between two reads takes its CPU with it (then counted in the
    postmaster's reaped children, i.e. on the service's side: the split errs against the service)."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                {"d": database}).scalars().all()
        engine.dispose()
    except Exception:
        return None
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            ticks += _proc_cpu_ticks(pid)
    return ticks / os.sysconf("SC_CLK_TCK")


class QueueWorker:
    """`flask --app wsgi worker` (app/tasks: pictures, the Redis mirror, reconcile) in its own process
    group, beside the service, with the service's environment; a context manager."""

    def __init__(self, env: dict[str, str], logdir: Path):
        self.env, self.logfile, self.proc = env, logdir / "worker.log", None
        self.leftover = 0  # jobs an earlier run left in the queue (its database is gone): dropped at start

    def _queue(self):
        from redis import Redis
        from rq import Queue

        return Queue(self.env.get("QUEUE_NAME") or "diandian", connection=Redis.from_url(self.env["REDIS_URL"]))

    def backlog(self) -> int | None:
        """Jobs waiting in the queue now: more than a handful at the end of a round means the worker fell
        behind (its CPU per journey then counts only the jobs it ran)."""
        try:
            return self._queue().count
        except Exception:
            return None

    def __enter__(self) -> QueueWorker:
        with contextlib.suppress(Exception):
            queue = self._queue()
            self.leftover = queue.count
            if self.leftover:
                queue.empty()
        with open(self.logfile, "wb") as log:
            self.proc = subprocess.Popen([venv_tool("flask"), "--app", "wsgi", "worker"], cwd=ROOT, env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def cpu_seconds(self) -> float | None:
        return tree_cpu_seconds(self.proc.pid if self.proc else None)

    def journeys_done(self) -> float | None:
        """Journeys' worth of pictures stored so far (each paid guest's certificate gets both variants in
        one language: QUEUE_PRERENDER_LANGS is not used when the order names its language)."""
        from app.services.offsetting.certificate_images import VARIANTS  # the service's, not a copy

        root = self.env.get("CERTIFICATE_STORAGE_DIR")
        if not root:
            return None
        pictures = sum(1 for _, _, files in os.walk(root) for name in files if not name.startswith("."))
        return pictures / len(VARIANTS)

    def __exit__(self, *exc) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def sigterm_as_keyboard_interrupt() -> None:
    """Let `kill <bench pid>` unwind the `with` blocks (and so stop the servers) like Ctrl-C does."""

    def _handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, _handler)
    with contextlib.suppress(AttributeError, ValueError):
        signal.signal(signal.SIGHUP, _handler)


class Balanced:
    """`--hosts 2`: the service as two instances behind HAProxy (deploy/local.py), in Gunicorn's place.

    `port` is the balancer's; CPU is both instances' (masters and workers, not HAProxy's);
    `requests_per_instance()` reads HAProxy's counters. The database must already be prepared.
    """

    def __init__(self, env: dict[str, str], *, port: int, workers: int, logdir: Path, name: str):
        if not env.get("REDIS_URL"):
            raise BenchError("--hosts 2 needs Redis: the instances share rate limits and the WeChat token "
                             "through it (--redis-url or $BENCH_REDIS_URL)")
        self.env, self.port, self.workers, self.name = env, port, workers, name
        self.folder = logdir / f"pair-{name}"
        self.logfile = self.folder / "haproxy.log"
        self.pair = None
        self._cm = None

    def __enter__(self) -> Balanced:
        from deploy.local import DeployError, two_hosts

        self.folder.mkdir(parents=True, exist_ok=True)
        # what the bench set for the service: its rate limits, SQL_STATS, the simulator server's address and keys
        extra = {k: v for k, v in self.env.items()
                 if k.startswith(("RATE_", "RATELIMIT_"))
                 or k in ("SQL_STATS", "SANDBOX_SERVER_URL", "SANDBOX_KEYS_DIR")}
        self._cm = two_hosts(self.env["DATABASE_URL"], self.env["REDIS_URL"], folder=self.folder, port=self.port,
                             workers=self.workers, prepare=False, secret_key=self.env.get("SECRET_KEY"), env=extra)
        try:
            self.pair = self._cm.__enter__()
        except DeployError as exc:
            raise BenchError(str(exc)) from None
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        cm, self._cm, self.pair = self._cm, None, None
        if cm is not None:
            cm.__exit__(None, None, None)

    @property
    def settings(self) -> dict:
        return {"hosts": 2, "workers": self.workers, "worker_class": "sync", "balancer": "haproxy roundrobin",
                "config": "deploy/haproxy.cfg"}

    def cpu_seconds(self) -> float | None:
        return self.pair.cpu_seconds() if self.pair else None

    def requests_per_instance(self) -> dict[str, int]:
        return self.pair.requests_per_instance() if self.pair else {}

    def log_tail(self, lines: int = 40) -> str:
        if self.pair is None:
            return "(stopped)"
        return "\n".join(f"--- {i.name} ---\n{_tail(i.log, lines)}" for i in self.pair.instances) + \
            f"\n--- haproxy ---\n{_tail(self.pair.haproxy_log, lines)}"
