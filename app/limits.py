"""Rate limits (Flask-Limiter): what one client, one guest or one staff account may ask for.

Counts live in Redis when REDIS_URL is set, so every worker and every host shares them; in memory
otherwise (one process's view: fine for `make run`, not for a fleet). Limits are per guest or staff
account where the request names one, and per client address always; the address limits are sized for a
venue's Wi-Fi that puts a whole door rush behind one address, the per-guest ones are tight. The figures
are settings (app/config.py RATE_LIMITS, README "Limits and abuse"); a refusal is 429 `rate_limited` in
the error envelope with Retry-After.

The table below names the endpoints; create_app wraps their views once, so the routes stay plain.
"""
from __future__ import annotations

import math
import time

from flask import Flask, request
from flask_limiter import Limiter, RateLimitExceeded

from app.auth import current_staff, current_user_id_optional
from app.errors import AppError, error_response


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


def _setting(name: str):
    from flask import current_app

    return current_app.config[name]


def _anonymous() -> bool:
    return _guest_id() is None


def _signed_in() -> bool:
    return _guest_id() is not None


# endpoint -> [(setting, key function, options)]; a route with limits here has no default limit.
ROUTE_LIMITS = {
    "auth.login": [
        ("RATE_LOGIN_PER_ADDRESS", client_address, {}),
        # Failed logins cost a WeChat call each in live mode: counted apart, and only when they fail.
        ("RATE_LOGIN_FAILURES_PER_ADDRESS", client_address,
         {"deduct_when": lambda response: response.status_code == 401, "scope": "login-failures"}),
    ],
    "deeplinks.resolve": [
        ("RATE_RESOLVE_PER_GUEST", _guest_key, {"exempt_when": _anonymous}),
        ("RATE_RESOLVE_PER_ADDRESS", client_address, {}),
    ],
    "footprints.create": [
        ("RATE_FOOTPRINTS_PER_GUEST", _guest_key, {"exempt_when": _anonymous}),
        ("RATE_ANONYMOUS_FOOTPRINTS_PER_ADDRESS", client_address, {"exempt_when": _signed_in,
                                                                    "scope": "anonymous-footprints"}),
        ("RATE_FOOTPRINTS_PER_ADDRESS", client_address, {}),
    ],
    "orders.create": [
        ("RATE_ORDERS_PER_GUEST", _guest_key, {"exempt_when": _anonymous}),
        ("RATE_ORDERS_PER_ADDRESS", client_address, {}),
    ],
    "staff.sign_in": [("RATE_SIGN_IN_PER_ADDRESS", client_address, {"scope": "sign-in"})],
    "staff.open_session": [("RATE_SIGN_IN_PER_ADDRESS", client_address, {"scope": "sign-in"})],
    "posters.get": [("RATE_POSTERS_PER_ACCOUNT", _staff_key, {})],
    "certificates.image": [("RATE_IMAGES_PER_ADDRESS", client_address, {})],
}
# Never limited: WeChat Pay's servers deliver notifications (and retry); the health check; static files.
EXEMPT = ("payments.wechat_notify", "health.healthz", "static")


def init_limits(app: Flask) -> Limiter:
    """A limiter for this app (Redis or memory), the limited views wrapped, 429 in the envelope."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "diandian:rl")
    limiter = Limiter(key_func=client_address, strategy="sliding-window-counter", app=app,
                      default_limits=[lambda: _setting("RATE_DEFAULT_PER_ADDRESS")],
                      enabled=app.config["RATELIMIT_ENABLED"])
    app.extensions["limiter"] = limiter
    for endpoint, limits in ROUTE_LIMITS.items():
        view = app.view_functions[endpoint]
        for setting, key_func, options in limits:
            view = limiter.limit(lambda s=setting: _setting(s), key_func=key_func, **options)(view)
        app.view_functions[endpoint] = view
    for endpoint in EXEMPT:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = limiter.exempt(app.view_functions[endpoint])

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(e: RateLimitExceeded):
        body, status, headers = error_response(429, "rate_limited", f"limit {e.description}")
        return body, status, {**headers, "Retry-After": str(_retry_after(limiter))}

    return limiter


def _retry_after(limiter: Limiter) -> int:
    """Seconds until the breached window lets the next request through (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, math.ceil(current.reset_at - time.time()))
