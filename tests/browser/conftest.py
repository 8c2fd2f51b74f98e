"""Browser tests of the guest preview page: the real service on a live port, driven in headless Chromium.

They need Debian's Chromium (`apt-get install chromium`) and Playwright for Python (its wheel ships the
driver; no `playwright install`: we launch /usr/bin/chromium). Without them the tests skip, unless
REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path("/tmp")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the preview page in headless Chromium (Playwright)")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; never `playwright install`)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _forget_process_caches() -> None:
    """Per-process caches are keyed by row ids; the suite's own app reuses ids in another database."""
    from app.auth import _versions
    from app.services.guest.scenarios import forget_scenario_refs

    _versions.clear()
    forget_scenario_refs()


_LIVE: dict = {}  # the live server's Flask app, for setup in its app context (fixture live_app)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The service on 127.0.0.1:<port> (sandbox WeChat, a fresh seeded SQLite file); yields its base URL."""
    reason = _missing()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from werkzeug.serving import make_server

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from app.services.ops.seed import seed_demo

    folder = tmp_path_factory.mktemp("browser")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # No TEST_REDIS_URL here: the leaderboard must not share (and flush) the suite's Redis database.
    app = create_app(TestConfig({"DATABASE_URL": f"sqlite:///{folder}/b.db", "PUBLIC_BASE_URL": base,
                                 "REDIS_URL": "", "LOG_LEVEL": "WARNING"}))
    if "preview" not in app.blueprints:  # until app/routes/__init__.py registers it
        from app.routes.guest.preview import bp

        app.register_blueprint(bp)
    _forget_process_caches()
    with app.app_context():
        db.create_all()
        seed_demo()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="preview-live-server", daemon=True)
    thread.start()
    _LIVE["app"] = app
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _forget_process_caches()


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageWatch:
    """Collects what a page did wrong: script errors, console errors, CSP reports, requests leaving the host."""

    def __init__(self, page, base: str):
        self.base = base
        self.errors: list[str] = []
        self.console: list[str] = []
        self.foreign: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None)
        page.on("request", self._request)

    def _request(self, request):
        url = request.url
        if not (url.startswith(self.base + "/") or url.startswith("data:") or url == "about:blank"):
            self.foreign.append(url)

    def assert_clean(self, allowed_console: tuple[str, ...] = ()):
        assert not self.errors, self.errors
        assert not self.foreign, f"requests outside the service: {self.foreign}"
        unexpected = [m for m in self.console if not any(a in m for a in allowed_console)]
        assert not unexpected, unexpected


@pytest.fixture
def make_page(browser, live_server):
    """make_page(width=1280, height=900, lang="zh-CN") -> (page, watch); a fresh context (own sessionStorage)."""
    contexts = []

    def make(width: int = 1280, height: int = 900, locale: str = "zh-CN", mobile: bool = False):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      is_mobile=mobile, has_touch=mobile, device_scale_factor=2 if mobile else 1)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        return page, PageWatch(page, live_server)

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """A full-page PNG at /tmp/preview-<name>.png, taken from the top (the header is sticky)."""
    path = SCREENSHOTS / f"preview-{name}.png"
    # A sticky header is drawn where the viewport happens to be; pin it to the top for the picture.
    page.evaluate("() => { const bar = document.querySelector('.topbar'); if (bar) bar.style.position = 'relative';"
                  " window.scrollTo({top: 0, behavior: 'instant'}); }")
    page.wait_for_timeout(100)
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    page.evaluate("() => { const bar = document.querySelector('.topbar'); if (bar) bar.style.position = ''; }")
    return path


# -- the staff console (tests/browser/test_console.py) ------------------------------------------------------
CONSOLE_PASSWORD = "console-password-1"
CONSOLE_STAFF = {  # role -> (email, name, organisation); the organisations are the demo's (seed_demo)
    "admin": ("console-admin@dd.test", "平台管理员小李", None),
    "organizer": ("console-org@dd.test", "主办方小王", "中国互联网发展基金会"),
    "venue_staff": ("console-venue@dd.test", "场馆小张", None),
    # The owner of the demo's CDCER-EV, which only these tests sell (the preview's tests count CDCER-FOR's tonnes).
    "project_owner": ("console-owner@dd.test", "业主小赵", "成都绿色公交科技有限公司（演示）"),
}


@pytest.fixture(scope="session")
def live_app(live_server):
    """The Flask app behind live_server (for setup in an app context)."""
    return _LIVE["app"]


@pytest.fixture(scope="session")
def console_staff(live_app):
    """One staff account per role on the live server (CONSOLE_STAFF); returns role -> email."""
    from app.services.console.staff import create_staff

    with live_app.app_context():
        for role, (email, name, organization) in CONSOLE_STAFF.items():
            create_staff(email=email, name=name, password=CONSOLE_PASSWORD, role=role, organization=organization)
    return {role: email for role, (email, _, _) in CONSOLE_STAFF.items()}
