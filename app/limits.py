"""Rate limits: what one client, one guest or one staff account may ask for.

Counts live in Redis when REDIS_URL is set, so every worker and every host shares them; in memory
otherwise (one process's view: fine for `make run`, not for a fleet). Limits are per guest or staff
account where the request names one, and per client address always; the address limits are sized for a
venue's Wi-Fi that puts a whole door rush behind one address, the per-guest ones are tight. The figures
are settings (app/config.py RATE_LIMITS, README "Limits and abuse"); a refusal is 429 `rate_limited` in
the error envelope with Retry-After.

The counting is the `limits` library's (its sliding-window counter and its Redis and memory storages:
the library under Flask-Limiter). The Flask side is this module's one before_request hook over the table
below, because Flask-Limiter's per-request resolution (dynamic limits re-parsed, exemption scopes,
decorator wrappers checked twice) was ~10% of a footprint request's CPU; here a setting's value is parsed
once and a request costs its key functions and one storage call per limit.
"""
from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from app.auth import current_staff, current_user_id_optional
from app.errors import AppError, TooManyRequests


class RateLimited(TooManyRequests):
    def __init__(self, item: RateLimitItem, retry_after: int):
        super().__init__(f"limit {item}", retry_after)


def client_address() -> str:
    """The client's address (behind PROXY_HOPS trusted proxies, the address they saw)."""
    return request.remote_addr or "-"


def _guest_id() -> int | None:
    try:
        return current_user_id_optional()
    except AppError:  # a bad token: counted by address; the view answers 401
        return None


def _guest_key() -> str:
    return f"guest:{_guest_id()}"


def _staff_key() -> str:
    try:
        return f"staff:{current_staff().id}"
    except AppError:
        return f"address:{client_address()}"


def _anonymous() -> bool:
    return _guest_id() is None


def _signed_in() -> bool:
    return _guest_id() is not None


@dataclass(frozen=True)
class Rule:
    """One limit of an endpoint: the setting that holds its figures, who is counted, and when.

    `scope` names a counter shared by several endpoints (else the endpoint's own); `exempt_when` skips the
    rule for this request; `deduct_when` counts the request only when its response says so (the quota is
    still checked before the view runs)."""

    setting: str
    key: Callable[[], str] = client_address
    scope: str | None = None
    exempt_when: Callable[[], bool] | None = None
    deduct_when: Callable[[Response], bool] | None = None


# endpoint -> its rules; a route with rules here has no default limit.
ROUTE_LIMITS: dict[str, tuple[Rule, ...]] = {
    "auth.login": (
        Rule("RATE_LOGIN_PER_ADDRESS"),
        # Failed logins cost a WeChat call each in live mode: counted apart, and only when they fail.
        Rule("RATE_LOGIN_FAILURES_PER_ADDRESS", scope="login-failures",
             deduct_when=lambda response: response.status_code == 401),
    ),
    "deeplinks.resolve": (
        Rule("RATE_RESOLVE_PER_GUEST", _guest_key, exempt_when=_anonymous),
        Rule("RATE_RESOLVE_PER_ADDRESS"),
    ),
    "footprints.create": (
        Rule("RATE_FOOTPRINTS_PER_GUEST", _guest_key, exempt_when=_anonymous),
        Rule("RATE_ANONYMOUS_FOOTPRINTS_PER_ADDRESS", scope="anonymous-footprints", exempt_when=_signed_in),
        Rule("RATE_FOOTPRINTS_PER_ADDRESS"),
    ),
    "orders.create": (
        Rule("RATE_ORDERS_PER_GUEST", _guest_key, exempt_when=_anonymous),
        Rule("RATE_ORDERS_PER_ADDRESS"),
    ),
    "staff.sign_in": (Rule("RATE_SIGN_IN_PER_ADDRESS", scope="sign-in"),),
    "staff.open_session": (Rule("RATE_SIGN_IN_PER_ADDRESS", scope="sign-in"),),
    "posters.get": (Rule("RATE_POSTERS_PER_ACCOUNT", _staff_key),),
    "certificates.image": (Rule("RATE_IMAGES_PER_ADDRESS"),),
}
DEFAULT = (Rule("RATE_DEFAULT_PER_ADDRESS"),)
# Never limited: WeChat Pay's servers deliver notifications (and retry); the health check; static files.
# A request that matched no route (404) is not counted either.
EXEMPT = frozenset({"payments.wechat_notify", "health.healthz", "static"})


@functools.lru_cache(maxsize=128)
def parsed(value: str) -> tuple[RateLimitItem, ...]:
    """A setting's limits ("30/minute;300/day"), parsed once per value: a test or an operator may change
    the setting at run time and the next request counts by the new figures."""
    return tuple(parse_many(value))


class Limiter:
    """The app's limiter: its storage and strategy, the hook that counts, `reset()` for the tests."""

    def __init__(self, app: Flask):
        self.enabled = bool(app.config["RATELIMIT_ENABLED"])
        self.prefix = app.config["RATELIMIT_KEY_PREFIX"]
        uri = app.config["RATELIMIT_STORAGE_URI"]
        # A Redis storage answers within the service's Redis timeouts, or fails (503) like the rest.
        options = app.config["REDIS_OPTIONS"] if uri.partition(":")[0].startswith("redis") else {}
        self.storage: Storage = storage_from_string(uri, **options)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    def reset(self) -> None:
        self.storage.reset()

    def check(self) -> None:
        """Before the view: count the request on each of its endpoint's limits, shortest window first;
        the first one full refuses it (RateLimited), and the counts after it are not taken."""
        endpoint = request.endpoint
        if not self.enabled or endpoint is None or endpoint in EXEMPT or endpoint.endswith(".static"):
            return
        config = current_app.config
        counts = []
        for rule in ROUTE_LIMITS.get(endpoint, DEFAULT):
            if rule.exempt_when is not None and rule.exempt_when():
                continue
            identifiers = (self.prefix, rule.key(), rule.scope or endpoint)
            counts.extend((item, rule, identifiers) for item in parsed(config[rule.setting]))
        counts.sort(key=lambda count: count[0].GRANULARITY.seconds)
        for item, rule, identifiers in counts:
            if rule.deduct_when is not None:
                g.setdefault("rate_deductions", []).append((item, rule, identifiers))
                allowed = self.strategy.test(item, *identifiers)
            else:
                allowed = self.strategy.hit(item, *identifiers)
            if not allowed:
                raise RateLimited(item, self._retry_after(item, identifiers))

    def deduct(self, response: Response) -> Response:
        """After the view: count the requests that limits with `deduct_when` count only on that outcome."""
        for item, rule, identifiers in g.pop("rate_deductions", ()):
            if rule.deduct_when(response):
                self.strategy.hit(item, *identifiers)
        return response

    def _retry_after(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> int:
        """Seconds until the full window lets the next request through (at least 1)."""
        reset_at = self.strategy.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def init_limits(app: Flask) -> Limiter:
    """A limiter for this app (Redis or memory), counting before every view, 429 in the envelope."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "diandian:rl")
    unknown = set(ROUTE_LIMITS) - set(app.view_functions)
    if unknown:
        raise RuntimeError(f"rate limits for endpoints that do not exist: {sorted(unknown)}")
    limiter = Limiter(app)
    app.extensions["limiter"] = limiter
    app.before_request(limiter.check)
    app.after_request(limiter.deduct)
    return limiter
