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
once and a request costs its key functions and one storage call per limit, or on Redis one script for all
of them (_TakeAll: the library's own counter, the same keys, one round trip instead of one per limit).
"""
from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import RedisStorage, Storage, storage_from_string
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
        self.take_all = _TakeAll(self.storage) if isinstance(self.storage, RedisStorage) else None

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
        deductions = [(item, rule, identifiers) for item, rule, identifiers in counts if rule.deduct_when is not None]
        if deductions:
            g.rate_deductions = deductions
        refused = self.take_all(counts) if self.take_all is not None else self._one_by_one(counts)
        if refused is not None:
            item, _rule, identifiers = refused
            raise RateLimited(item, self._retry_after(item, identifiers))

    def _one_by_one(self, counts: list[tuple[RateLimitItem, Rule, tuple[str, ...]]]):
        """Without Redis: one call of the library's strategy per limit, in order; the first that refuses (its
        count), or None. A rule with `deduct_when` is only tested here (deduct() counts it)."""
        for count in counts:
            item, rule, identifiers = count
            take = self.strategy.test if rule.deduct_when is not None else self.strategy.hit
            if not take(item, *identifiers):
                return count
        return None

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


# Every limit of one request in one Redis round trip, in the order given: for each, the sliding-window
# counter of `limits`' acquire_sliding_window.lua (the current window shifted to the previous one when it
# has run out, the previous one weighed by how much of it is left, rounded down), on the library's keys.
# A limit with amount 0 is only tested (sliding_window.lua's read and the strategy's test(): one more
# request would fit). Returns 0 when every limit took the request, else the position (from 1) of the first
# that refused it; the limits after it are not touched, as when they were called one by one.
_TAKE_ALL_SCRIPT = """
for i = 1, #KEYS / 2 do
    local previous_key, current_key = KEYS[2 * i - 1], KEYS[2 * i]
    local limit = tonumber(ARGV[3 * i - 2])
    local expiry = tonumber(ARGV[3 * i - 1]) * 1000
    local amount = tonumber(ARGV[3 * i])
    local wanted = math.max(amount, 1)
    if wanted > limit then
        return i
    end
    local current_ttl = tonumber(redis.call('pttl', current_key))
    if current_ttl > 0 and current_ttl < expiry then
        redis.call('rename', current_key, previous_key)
        redis.call('set', current_key, 0, 'PX', current_ttl + expiry)
    end
    local previous_count = tonumber(redis.call('get', previous_key)) or 0
    local previous_ttl = math.max(0, tonumber(redis.call('pttl', previous_key)) or 0)
    local current_count = tonumber(redis.call('get', current_key)) or 0
    if math.floor(previous_count * previous_ttl / expiry) + current_count + wanted > limit then
        return i
    end
    if amount > 0 then
        if redis.call('exists', current_key) == 1 then
            redis.call('incrby', current_key, amount)
        else
            redis.call('set', current_key, amount, 'PX', expiry * 2)
        end
    end
end
return 0
"""


class _TakeAll:
    """A request's limits on Redis, counted by one script (_TAKE_ALL_SCRIPT) instead of one per limit: a
    journey's 17 calls of the library's script (~0.1 ms of the service's CPU each) are 9, one per limited
    request. Same counter, same keys as the library's strategy (its own key helpers, private to `limits`
    5.8: tests/security/test_limits.py compares both ways), so its reads (Retry-After) and reset() see
    these counts."""

    def __init__(self, storage: RedisStorage):
        self.storage = storage
        self.script = storage.get_connection().register_script(_TAKE_ALL_SCRIPT)

    def __call__(self, counts: list[tuple[RateLimitItem, Rule, tuple[str, ...]]]):
        """Count the request on every limit, in order; returns the first (item, rule, identifiers) that
        refused it, or None. A rule with `deduct_when` is only tested here (Limiter.deduct counts it)."""
        if not counts:
            return None
        keys: list[str] = []
        args: list[int] = []
        for item, rule, identifiers in counts:
            key = item.key_for(*identifiers)
            keys += [self.storage.prefixed_key(self.storage._previous_window_key(key)),
                     self.storage.prefixed_key(self.storage._current_window_key(key))]
            args += [item.amount, item.get_expiry(), 0 if rule.deduct_when is not None else 1]
        refused = int(self.script(keys, args))
        return counts[refused - 1] if refused else None


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
