"""Configuration read from the environment (see the table in README.md and miniprogram_api.md)."""
from __future__ import annotations

import os
import secrets
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.i18n import LANGUAGES


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot make a working service."""


#: Variables that live mode cannot run without. Sandbox mode fills them with local stand-ins.
LIVE_REQUIRED = (
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WXPAY_MCHID",
    "WXPAY_APIV3_KEY",
    "WXPAY_CERT_SERIAL_NO",
    "WXPAY_PRIVATE_KEY_PATH",
    "WXPAY_PUBLIC_KEY_ID",
    "WXPAY_PUBLIC_KEY_PATH",
)

SANDBOX_APPID = "wx5a4db0c5d1e0sbx0"

#: WeChat's two hosts: the login/server API and WeChat Pay v3 (the defaults of the *_BASE_URL settings).
WECHAT_API_HOST = "https://api.weixin.qq.com"
WECHATPAY_API_HOST = "https://api.mch.weixin.qq.com"

#: Rate limits and their defaults (each can be set in the environment under the same name).
RATE_LIMITS = {
    "RATE_LOGIN_PER_ADDRESS": "6000/minute;60000/hour",
    "RATE_LOGIN_FAILURES_PER_ADDRESS": "120/minute;1000/hour",
    "RATE_RESOLVE_PER_GUEST": "60/minute",
    "RATE_RESOLVE_PER_ADDRESS": "12000/minute",
    "RATE_FOOTPRINTS_PER_GUEST": "30/minute;300/day",
    "RATE_FOOTPRINTS_PER_ADDRESS": "12000/minute",
    "RATE_ANONYMOUS_FOOTPRINTS_PER_ADDRESS": "1200/minute",
    "RATE_ORDERS_PER_GUEST": "10/minute;100/day",
    "RATE_ORDERS_PER_ADDRESS": "6000/minute",
    "RATE_SIGN_IN_PER_ADDRESS": "30/minute;300/hour",
    "RATE_POSTERS_PER_ACCOUNT": "30/minute;600/day",
    "RATE_IMAGES_PER_ADDRESS": "1200/minute",
    "RATE_DEFAULT_PER_ADDRESS": "20000/minute",
}


class Config:
    """Settings for a real deployment; every value can be overridden from the environment."""

    def __init__(self, environ: dict[str, str] | None = None, instance_path: str | None = None):
        env = dict(os.environ if environ is None else environ)
        self.INSTANCE_PATH = instance_path
        self.WECHAT_MODE = (env.get("WECHAT_MODE") or "sandbox").strip().lower()
        if self.WECHAT_MODE not in {"sandbox", "live"}:
            raise ConfigError(f"WECHAT_MODE must be 'sandbox' or 'live', not {self.WECHAT_MODE!r}")
        self.SANDBOX = self.WECHAT_MODE == "sandbox"

        if not self.SANDBOX:
            missing = [name for name in LIVE_REQUIRED if not env.get(name)]
            if missing:
                raise ConfigError(
                    "WECHAT_MODE=live needs these environment variables: " + ", ".join(missing)
                )

        default_db = f"sqlite:///{Path(instance_path or 'instance') / 'diandian.db'}"
        self.SQLALCHEMY_DATABASE_URI = _normalise_db_url(env.get("DATABASE_URL") or default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.REDIS_URL = env.get("REDIS_URL") or None
        # How long a Redis command (or connecting) may take before it fails: a Redis that stops answering
        # then gives guests the 503 of an unreachable one instead of holding every worker. The queue
        # worker's blocking wait for jobs uses a connection of its own (app.tasks.worker).
        timeout = _whole(env, "REDIS_TIMEOUT_MS", 1000, minimum=10, maximum=60_000, unit="milliseconds") / 1000
        self.REDIS_OPTIONS = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
        self.SECRET_KEY = env.get("SECRET_KEY") or _instance_secret(instance_path)
        self.PUBLIC_BASE_URL = (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
        if not self.SANDBOX and not self.PUBLIC_BASE_URL.startswith("https://"):
            # WeChat Pay only notifies https URLs, and printed links must be https for the mini-program.
            raise ConfigError("PUBLIC_BASE_URL must be an https:// URL in live mode")
        self.TOKEN_TTL_SECONDS = int(env.get("TOKEN_TTL_SECONDS") or 7 * 24 * 3600)
        # The staff console's session cookie: never readable by scripts, never sent cross-site on POST,
        # https-only wherever the service is served over https.
        self.SESSION_COOKIE_NAME = "dd_console"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PUBLIC_BASE_URL.startswith("https://")
        self.PERMANENT_SESSION_LIFETIME = 12 * 3600
        # Staff passwords: werkzeug's scrypt at its default cost (N=32768, about 0.1 s a hash here).
        self.PASSWORD_HASH_METHOD = "scrypt"
        self.LOG_LEVEL = (env.get("LOG_LEVEL") or "INFO").upper()
        # A 503 (the database or Redis cannot be reached) tells clients, and WeChat Pay, when to try again.
        self.UNAVAILABLE_RETRY_AFTER_SECONDS = _seconds(env, "UNAVAILABLE_RETRY_AFTER_SECONDS", 5, maximum=3600)

        self.WECHAT_APPID = env.get("WECHAT_APPID") or (SANDBOX_APPID if self.SANDBOX else None)
        self.WECHAT_SECRET = env.get("WECHAT_SECRET") or (
            _derived_secret(self.SECRET_KEY, "wechat-secret") if self.SANDBOX else None
        )
        # WeChat Pay v3 merchant credentials (sandbox mode generates its own under instance/).
        for name in LIVE_REQUIRED[4:]:
            setattr(self, name, env.get(name))
        self._wechat_hosts(env)
        self.SANDBOX_KEYS_DIR = env.get("SANDBOX_KEYS_DIR") or str(
            Path(instance_path or "instance") / "wechatpay-sandbox")
        self.CERTIFICATE_STORAGE_DIR = env.get("CERTIFICATE_STORAGE_DIR") or str(
            Path(instance_path or "instance") / "certificates")
        # Orders hold their kilograms this long; WeChat Pay gets the same time_expire.
        self.ORDER_TTL_SECONDS = int(env.get("ORDER_TTL_SECONDS") or 15 * 60)
        # Against hoarding: open (unpaid, unexpired) orders per guest, and the kilograms they hold in all.
        self.ORDER_MAX_OPEN = int(env.get("ORDER_MAX_OPEN") or 3)
        self.ORDER_MAX_HELD_KG = int(env.get("ORDER_MAX_HELD_KG") or 50_000)
        # Abuse limits (README "Limits and abuse"; the `limits` library's syntax, several joined by ";").
        # Per address, sized for a venue's Wi-Fi putting a whole door rush behind one address; per guest
        # or staff account, tight.
        for name, default in RATE_LIMITS.items():
            setattr(self, name, env.get(name) or default)
        self.RATELIMIT_ENABLED = (env.get("RATELIMIT_ENABLED") or "1") not in ("0", "false", "no")
        # Behind a load balancer: how many X-Forwarded-For hops to trust for the client's address.
        self.PROXY_HOPS = int(env.get("PROXY_HOPS") or 0)
        # Benchmarks only: SQL statements and commits per request in an X-SQL-Stats header (app/sql_stats.py).
        self.SQL_STATS = (env.get("SQL_STATS") or "0") in ("1", "true", "yes")
        # One scan per guest (or client) per scenario and door within this window.
        self.SCAN_DEDUP_SECONDS = int(env.get("SCAN_DEDUP_SECONDS") or 30 * 60)
        # CPU-heavy work (password hashes, cold renders, posters): slots per host, and the wait for one.
        self.HEAVY_SLOTS = int(env.get("HEAVY_SLOTS") or _default_heavy_slots())
        # A sync worker waiting for a slot is a worker the guests cannot have: the wait is short.
        self.HEAVY_WAIT_SECONDS = float(env.get("HEAVY_WAIT_SECONDS") or 0.25)
        self.HEAVY_LOCK_DIR = env.get("HEAVY_LOCK_DIR") or str(Path(instance_path or "instance") / "heavy-slots")
        # Scans lose their link to a guest after this many days (`flask privacy purge`, run daily by cron).
        self.SCAN_RETENTION_DAYS = _positive_int(env, "SCAN_RETENTION_DAYS", 90)
        # The dashboard's figures are kept this long per process (0: computed on every request): each open
        # console tab polls every 10 s, and one computation at 100,000 scans is ~0.4 s of database time.
        self.DASHBOARD_CACHE_SECONDS = _seconds(env, "DASHBOARD_CACHE_SECONDS", 5, maximum=60, minimum=0)
        # After-payment work (app/tasks): an RQ queue on Redis run by `flask worker`, or inline after the
        # response when there is no Redis (or QUEUE_MODE=inline), so `make run` needs no worker.
        mode = (env.get("QUEUE_MODE") or "").strip().lower()
        enabled = (env.get("QUEUE_ENABLED") or "1") not in ("0", "false", "no")
        self.QUEUE_MODE = mode or ("redis" if self.REDIS_URL and enabled else "inline")
        if self.QUEUE_MODE not in ("inline", "redis"):
            raise ConfigError(f"QUEUE_MODE must be 'inline' or 'redis', not {self.QUEUE_MODE!r}")
        if self.QUEUE_MODE == "redis" and not self.REDIS_URL:
            raise ConfigError("QUEUE_MODE=redis needs REDIS_URL")
        self.QUEUE_NAME = env.get("QUEUE_NAME") or "diandian"
        # Pictures are drawn in the order's language; these are for orders made before it was recorded.
        self.QUEUE_PRERENDER_LANGS = _langs(env.get("QUEUE_PRERENDER_LANGS", "zh,en"))
        # Reconcile (and with it the closing of expired orders) in the worker, every this many seconds.
        self.QUEUE_RECONCILE_SECONDS = _seconds(env, "QUEUE_RECONCILE_SECONDS", 60, maximum=86400)
        # Fee rates, as decimal fractions of the amount paid (WeChat Pay's standard rate is 0.6%).
        self.PAYMENT_FEE_RATE = _rate(env, "PAYMENT_FEE_RATE", "0.006")
        self.PLATFORM_FEE_RATE = _rate(env, "PLATFORM_FEE_RATE", "0.05")
        if self.PAYMENT_FEE_RATE + self.PLATFORM_FEE_RATE >= 1:
            raise ConfigError("PAYMENT_FEE_RATE + PLATFORM_FEE_RATE must stay below 1")

    def _wechat_hosts(self, env: dict) -> None:
        """Where the WeChat clients send their requests.

        Live: WeChat's hosts (a proxy in front of them may be named, over https). Sandbox: unset, the
        in-process simulators; SANDBOX_SERVER_URL (or both base URLs) sends the very same requests over
        HTTP to the simulator server (app/sandbox/server.py), which serves both APIs at their real paths.
        """
        server, api, pay = ((env.get(n) or "").strip().rstrip("/") or None
                            for n in ("SANDBOX_SERVER_URL", "WECHAT_API_BASE_URL", "WECHATPAY_API_BASE_URL"))
        if not self.SANDBOX:
            if server:
                raise ConfigError("SANDBOX_SERVER_URL only applies to WECHAT_MODE=sandbox")
            for name, value in (("WECHAT_API_BASE_URL", api), ("WECHATPAY_API_BASE_URL", pay)):
                if value and not value.startswith("https://"):
                    raise ConfigError(f"{name} must be an https:// URL in live mode")
        elif not server and bool(api) != bool(pay):
            # One simulator over HTTP and WeChat's real other host would mix sandbox and real credentials.
            raise ConfigError("sandbox mode: set SANDBOX_SERVER_URL, or both WECHAT_API_BASE_URL and "
                              "WECHATPAY_API_BASE_URL (the simulator server), or neither (in-process)")
        for name, value in (("SANDBOX_SERVER_URL", server), ("WECHAT_API_BASE_URL", api),
                            ("WECHATPAY_API_BASE_URL", pay)):
            if value and not value.startswith(("http://", "https://")):
                raise ConfigError(f"{name} must be an http:// or https:// URL")
        self.SANDBOX_SERVER_URL = (server or pay) if self.SANDBOX else None
        self.WECHAT_API_BASE_URL = api or server or WECHAT_API_HOST
        self.WECHATPAY_API_BASE_URL = pay or server or WECHATPAY_API_HOST

    def as_mapping(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


class TestConfig(Config):
    """In-memory SQLite unless TEST_DATABASE_URL points at PostgreSQL; REDIS from TEST_REDIS_URL."""

    __test__ = False  # not a pytest test class

    def __init__(self, environ: dict[str, str] | None = None, instance_path: str | None = None):
        env = {
            "WECHAT_MODE": "sandbox",
            "SECRET_KEY": "test-secret-key",
            "PUBLIC_BASE_URL": "https://dd.example.test",
            "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or "sqlite://",
            # Generated once per machine, not per test app: RSA key generation is slow.
            "SANDBOX_KEYS_DIR": str(Path(tempfile.gettempdir()) / "diandian-test-wechatpay-sandbox"),
            # Heavy-work slots per test process: two suites run at once must not take each other's.
            "HEAVY_LOCK_DIR": str(Path(tempfile.gettempdir()) / f"diandian-test-heavy-{os.getpid()}"),
        }
        # Tests run after-payment work inline, without pre-rendering (tests/tasks/ turn both on); a test
        # run that pays hundreds of orders would otherwise draw four pictures for each.
        env["QUEUE_MODE"] = "inline"
        env["QUEUE_PRERENDER_LANGS"] = ""
        env.setdefault("DASHBOARD_CACHE_SECONDS", "0")  # a test reads its own writes at once
        if os.environ.get("TEST_REDIS_URL"):
            env["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
        env.update(environ or {})
        super().__init__(env, instance_path)
        # The same algorithm at a cost tests can afford hundreds of times (sign-in code paths unchanged).
        self.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
        self.TESTING = True


def _rate(env: dict, name: str, default: str) -> Decimal:
    try:
        value = Decimal(env.get(name) or default)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a decimal fraction such as {default}") from None
    if not Decimal(0) <= value < Decimal(1):
        raise ConfigError(f"{name} must be between 0 and 1")
    return value


def _seconds(env: dict, name: str, default: int, *, maximum: int, minimum: int = 1) -> int:
    return _whole(env, name, default, minimum=minimum, maximum=maximum, unit="seconds")


def _whole(env: dict, name: str, default: int, *, minimum: int, maximum: int, unit: str) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not minimum <= int(text) <= maximum:
        raise ConfigError(f"{name} must be a whole number of {unit} from {minimum} to {maximum}")
    return int(text)


def _langs(text: str) -> tuple[str, ...]:
    langs = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if set(langs) - set(LANGUAGES):
        raise ConfigError(f"QUEUE_PRERENDER_LANGS is a comma-separated list of {', '.join(LANGUAGES)}, or empty")
    return langs


def _positive_int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of days, such as {default}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1")
    return value


def _normalise_db_url(url: str) -> str:
    # Heroku-style "postgres://" is refused by SQLAlchemy 2; accept it as the same thing.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Several gunicorn workers share one file: wait for the write lock instead of failing.
        return {"connect_args": {"timeout": 15}}
    # A server that does not answer must fail a request well inside gunicorn's 30-second worker timeout,
    # as a 503 (app.errors), rather than get the worker killed: connecting gives up after 5 s, waiting
    # for a free pooled connection after 10 s. No pool_pre_ping (a round trip on every checkout, i.e.
    # every request): a connection found dead by the first statement of a transaction invalidates the
    # pool and that statement is run again on a fresh one (app.extensions.Session); connections are
    # replaced after 30 minutes so none outlives a firewall's or a proxy's idle timeout unnoticed.
    options: dict = {"pool_pre_ping": False, "pool_recycle": 1800, "pool_timeout": 10}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 5}
    return options


def _instance_secret(instance_path: str | None) -> str:
    """Sandbox only: a random key kept in instance/ so tokens survive restarts and are shared by workers."""
    folder = Path(instance_path or "instance")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        # Write aside, then link into place: a worker never reads a half-written key.
        tmp = folder / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        tmp.write_text(secrets.token_urlsafe(48))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _default_heavy_slots() -> int:
    """One core left for the guests: max(1, cores - 1)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _derived_secret(secret_key: str, purpose: str) -> str:
    import hashlib

    return hashlib.sha256(f"{purpose}:{secret_key}".encode()).hexdigest()[:32]
