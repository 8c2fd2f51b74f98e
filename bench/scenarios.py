"""What the bench sends: one Scenario per target.

A scenario names the gunicorn app it runs against (the real service `wsgi:app`, which needs the
prepared database, or the bare baseline), an optional synchronous `prepare(host, port)` run once after
the server is up (e.g. guest logins), and `user(ctx)`, which one virtual user (a thread) runs in a loop (see
bench/load.py). To add a scenario, write a new builder and register it in SCENARIOS.

The "door rush" (`door_rush_scenario`): every virtual user is a stream of new sandbox guests, each doing
the whole journey (login, QR scan, footprint, project list, order, payment confirmed with WeChat's
notification delivered twice, order status, certificate), checking every answer on the way.
"""
from __future__ import annotations

import http.client
import itertools
import json
import math
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.load import Connection, Response, StopRound, UserContext

#: The contract's footprint request (endpoint 5): Beijing -> Chengdu Tianfu by air and back, taxi,
#: a shared petrol car, two hotel nights, four standard meals.
FOOTPRINT_BODY: dict = {
    "scenario": "CDF2021",
    "travel": [
        {"mode": "flight.economy", "from": "PEK", "to": "TFU", "round_trip": True},
        {"mode": "road.taxi", "distance_km": 25, "round_trip": True},
        {"mode": "road.car_petrol", "distance_km": 300, "passengers": 3},
    ],
    "stay": {"nights": 2, "country": "CN", "guests_per_room": 1},
    "meals": {"standard": 4, "vegetarian": 0, "vegan": 0},
}
FOOTPRINT_BYTES = json.dumps(FOOTPRINT_BODY, separators=(",", ":")).encode()
JSON_HEADERS = {"Content-Type": "application/json"}

#: The footprint target sends thousands of requests a minute from 4 guests on one address: its two limits
#: are raised out of the way (they are still counted on every request, so their cost is measured).
FOOTPRINT_ENV = {"RATE_FOOTPRINTS_PER_GUEST": "100000000/minute",
                 "RATE_FOOTPRINTS_PER_ADDRESS": "100000000/minute"}


@dataclass
class Scenario:
    name: str
    app: str  # gunicorn app spec
    needs_db: bool  # True: run against the migrated + seeded Diandian database
    user: Callable[[UserContext], None]
    steps: tuple[str, ...]
    prepare: Callable[[str, int], dict] | None = None  # (host, port) -> data for setup()
    setup: Callable[[UserContext, dict], None] | None = None  # per user, before a round
    info: dict[str, Any] = field(default_factory=dict)
    journeys: bool = False  # a multi-step journey: report journeys/s and journey latency first
    strict: bool = False  # errors in the unrecorded warm-ups count too (the run must see none)
    invariants: bool = False  # check the claim / ledger invariants in the database after the run


def sync_json(host: str, port: int, method: str, path: str, body: dict | None = None,
              headers: dict | None = None, timeout: float = 30) -> tuple[int, Any]:
    """One blocking JSON request (for set-up steps outside the measured rounds)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={**JSON_HEADERS, **(headers or {})})
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw[:500]
    finally:
        conn.close()


def login_guests(host: str, port: int, count: int, prefix: str = "sandbox-bench-") -> list[str]:
    """Log `count` sandbox guests in (contract endpoint 1) and return their bearer tokens."""
    tokens = []
    for n in range(count):
        status, data = sync_json(host, port, "POST", "/api/v1/auth/login", {"code": f"{prefix}{n}"})
        if status != 200 or not isinstance(data, dict) or not data.get("token"):
            raise RuntimeError(f"login of {prefix}{n} failed: HTTP {status} {data!r}")
        tokens.append(data["token"])
    return tokens


def check_footprint_once(host: str, port: int, token: str) -> dict:
    """One footprint request before measuring: fails loudly (with the answer) if the endpoint is broken."""
    status, data = sync_json(host, port, "POST", "/api/v1/footprints", FOOTPRINT_BODY,
                             {"Authorization": f"Bearer {token}"})
    if status != 201 or not isinstance(data, dict) or "total_kg" not in data:
        raise RuntimeError(f"POST /api/v1/footprints answered HTTP {status}: {data!r}")
    return data


def footprint_scenario(users: int = 4) -> Scenario:
    def prepare(host: str, port: int) -> dict:
        tokens = login_guests(host, port, users)
        sample = check_footprint_once(host, port, tokens[0])
        return {"tokens": tokens, "sample": sample}

    def setup(ctx: UserContext, data: dict) -> None:
        token = data["tokens"][ctx.index % len(data["tokens"])]
        ctx.state["headers"] = {**JSON_HEADERS, "Authorization": f"Bearer {token}"}

    def user(ctx: UserContext) -> None:
        ctx.request("footprint", "POST", "/api/v1/footprints", FOOTPRINT_BYTES,
                          ctx.state["headers"], expect=201)
        ctx.journey_done()

    return Scenario("footprint", "wsgi:app", True, user, ("footprint",), prepare, setup,
                    {"users": users, "body": FOOTPRINT_BODY})


def bare_scenario() -> Scenario:
    def user(ctx: UserContext) -> None:
        ctx.request("bare", "POST", "/bare", FOOTPRINT_BYTES, JSON_HEADERS, expect=201)
        ctx.journey_done()

    return Scenario("bare", "bench.bare_app:app", False, user, ("bare",), info={"body": FOOTPRINT_BODY})


def floor_scenario() -> Scenario:
    """The footprint's transport and storage without the product (bench/floor_app.py): the ceiling."""
    def user(ctx: UserContext) -> None:
        ctx.request("floor", "POST", "/floor", FOOTPRINT_BYTES, JSON_HEADERS, expect=201)
        ctx.journey_done()

    return Scenario("floor", "bench.floor_app:app", True, user, ("floor",), info={"body": FOOTPRINT_BODY})


# ---------------------------------------------------------------------------------------------
# The door rush


RUSH_STEPS = ("login", "resolve", "footprint", "projects", "order", "confirm", "order_status", "certificate")
#: Not a request: the time from paying to reading the fulfilled order back, per journey (goal: < 2 s).
PAID_TO_CERTIFIED = "paid→certified"
RUSH_SCENARIO = "CDF2021"


class JourneyCheckFailed(RuntimeError):
    """The check journey before measuring went wrong; the message has the step, status and body."""


def _json_of(ctx, step: str, resp: Response) -> dict | None:
    """The response body as a JSON object, or None after rejecting the response."""
    try:
        data = resp.json()
    except ValueError:
        ctx.reject(step, f"HTTP {resp.status}, body not JSON: {resp.body[:300]!r}", "not JSON")
        return None
    if not isinstance(data, dict):
        ctx.reject(step, f"HTTP {resp.status}, body not an object: {resp.body[:300]!r}", "not an object")
        return None
    return data


def _wrong(ctx, step: str, resp: Response, what: str, kind: str | None = None) -> None:
    ctx.reject(step, f"HTTP {resp.status} {what}: {resp.body[:400]!r}", kind or "bad body")


def rush_journey(ctx, *, code: str, door: int, pick: str = "first", deliveries: int = 2,
                 rng: random.Random | None = None, pay_sheet: tuple[str, int] | None = None) -> dict | None:
    """One guest's whole journey through `ctx` (a UserContext, or CheckContext for the check).

    Every answer is checked; the first wrong one is recorded as an error of its step (ctx.reject) and
    ends the journey (returns None). Returns what the journey produced when it completed.
    `pay_sheet` (host, port): the simulator server, paid directly as a phone pays WeChat Pay (--sandbox-server).
    """
    t0 = time.perf_counter()
    # 1. Login: a new sandbox guest (or one of a pool).
    r = ctx.request("login", "POST", "/api/v1/auth/login",
                    json.dumps({"code": code}).encode(), JSON_HEADERS, expect=200)
    if r is None or (d := _json_of(ctx, "login", r)) is None:
        return None
    token = d.get("token")
    if not isinstance(token, str) or not token:
        return _wrong(ctx, "login", r, "without a token")
    auth = {"Authorization": f"Bearer {token}"}

    # 2. The QR code at door <k> of the conference: the scenario, and the scan to attach the footprint to.
    r = ctx.request("resolve", "GET", f"/api/v1/deeplinks/resolve?scene={RUSH_SCENARIO}.door{door}",
                    None, auth, expect=200)
    if r is None or (d := _json_of(ctx, "resolve", r)) is None:
        return None
    scan_id = (d.get("entry") or {}).get("scan_id")
    if (d.get("scenario") or {}).get("code") != RUSH_SCENARIO or not isinstance(scan_id, int):
        return _wrong(ctx, "resolve", r, f"without scenario {RUSH_SCENARIO} and an integer entry.scan_id")

    # 3. The footprint (the contract's conference example), from that scan.
    body = FOOTPRINT_BYTES[:-1] + b',"scan_id":' + str(scan_id).encode() + b"}"
    r = ctx.request("footprint", "POST", "/api/v1/footprints", body, {**JSON_HEADERS, **auth}, expect=201)
    if r is None or (d := _json_of(ctx, "footprint", r)) is None:
        return None
    footprint_id, total_kg = d.get("id"), d.get("total_kg")
    if not isinstance(footprint_id, str) or not isinstance(total_kg, (int, float)) or total_kg <= 0:
        return _wrong(ctx, "footprint", r, "without id and a positive total_kg")

    # 4. The projects offered, with their stock; pick one that can hold the footprint.
    r = ctx.request("projects", "GET", f"/api/v1/projects?scenario={RUSH_SCENARIO}", None, auth, expect=200)
    if r is None or (d := _json_of(ctx, "projects", r)) is None:
        return None
    rows = d.get("data")
    if not isinstance(rows, list) or not rows:
        return _wrong(ctx, "projects", r, "without a non-empty data list")
    need = math.ceil(total_kg) + 1  # total_kg is rounded to 0.1 kg in the answer
    try:
        fits = [p for p in rows if p["available_kg"] >= need]
    except (TypeError, KeyError):
        return _wrong(ctx, "projects", r, "with a project without available_kg")
    if not fits:
        ctx.divert("projects", "no_project_with_stock")
        return None
    if pick == "random":
        project = (rng or random).choice(fits)
    elif pick == "most":
        project = max(fits, key=lambda p: p["available_kg"])
    else:  # "first": every guest takes the first one listed, the worst case for contention
        project = fits[0]

    # 5. The order: holds the kilograms and opens the WeChat Pay transaction.
    r = ctx.request("order", "POST", "/api/v1/orders",
                    json.dumps({"footprint_id": footprint_id, "project": project["code"]}).encode(),
                    {**JSON_HEADERS, **auth, "Idempotency-Key": str(uuid.uuid4())}, expect=(201, 409))
    if r is None or (d := _json_of(ctx, "order", r)) is None:
        return None
    if r.status == 409:
        err = (d.get("error") or {}).get("code")
        if err == "insufficient_credits":
            ctx.divert("order", "insufficient_credits")
            return None
        return _wrong(ctx, "order", r, "conflict", f"HTTP 409 {err}")
    order, payment = d.get("order") or {}, d.get("payment") or {}
    package = payment.get("package") or ""
    if (not isinstance(order.get("id"), str) or order.get("status") != "pending"
            or not isinstance(order.get("kg"), int) or order["kg"] < math.ceil(total_kg - 0.05)
            or not isinstance(order.get("amount_fen"), int) or not package.startswith("prepay_id=")):
        return _wrong(ctx, "order", r, "not a pending order with kg, amount_fen and payment.package prepay_id=...")
    order_id, kg = order["id"], order["kg"]

    # 6. The guest pays; the simulator delivers WeChat Pay's signed notification `deliveries` times.
    pay_conn = None
    if pay_sheet:  # one keep-alive connection per guest to the simulator server
        pay_conn = ctx.state.get("pay_conn") or ctx.state.setdefault("pay_conn", Connection(*pay_sheet, 30.0))
    paid_at = time.perf_counter()
    r = ctx.request("confirm", "POST", "/sandbox/wechatpay/confirm",
                    json.dumps({"prepay_id": package[len("prepay_id="):], "deliveries": deliveries}).encode(),
                    JSON_HEADERS, expect=200, conn=pay_conn)
    if r is None or (d := _json_of(ctx, "confirm", r)) is None:
        return None
    statuses = [x.get("status") for x in d.get("deliveries") or [] if isinstance(x, dict)]
    if not d.get("transaction_id") or statuses != [204] * deliveries:
        return _wrong(ctx, "confirm", r, f"notification deliveries answered {statuses}, not {[204] * deliveries}",
                      f"deliveries {statuses}")

    # 7. The order, fulfilled, with its certificate. From here on the journey finishes even past the
    # round's deadline: a payment was made, what became of it must be checked.
    r = ctx.request("order_status", "GET", f"/api/v1/orders/{order_id}", None, auth, expect=200, finish=True)
    if r is None or (d := _json_of(ctx, "order_status", r)) is None:
        return None
    serial = (d.get("certificate") or {}).get("serial")
    if d.get("status") != "fulfilled" or not isinstance(serial, str):
        return _wrong(ctx, "order_status", r, "not fulfilled with a certificate serial", f"status {d.get('status')}")
    # From paying to seeing the certificate (the pay sheet, WeChat's notification, the order read back).
    getattr(ctx, "record", lambda *a: None)(PAID_TO_CERTIFIED, time.perf_counter() - paid_at)

    # 8. The public certificate: its allocations add up to the order's kilograms.
    r = ctx.request("certificate", "GET", f"/api/v1/certificates/{serial}", None, None, expect=200, finish=True)
    if r is None or (d := _json_of(ctx, "certificate", r)) is None:
        return None
    allocations = d.get("allocations")
    try:
        allocated = sum(a["kg"] for a in allocations) if allocations else 0
        serials_ok = all(isinstance(a["credit_serial"], str) for a in allocations or ())
    except (TypeError, KeyError):
        return _wrong(ctx, "certificate", r, "with malformed allocations")
    if not allocations or not serials_ok or abs(allocated - kg) > 0.051 * len(allocations) or d.get("kg") != kg:
        return _wrong(ctx, "certificate", r, f"allocations adding up to {allocated}, not the order's {kg} kg",
                      "allocations != kg")

    seconds = time.perf_counter() - t0
    ctx.journey_done(seconds)
    return {"order_id": order_id, "kg": kg, "amount_fen": order["amount_fen"], "project": project["code"],
            "total_kg": total_kg, "certificate": serial, "allocations": len(allocations),
            "seconds": round(seconds, 3), "projects": rows}


class CheckContext:
    """The UserContext interface for one synchronous check journey: any failure raises, with details."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.conn = Connection(host, port, timeout)
        self.steps: list[str] = []
        self.state: dict[str, Any] = {}

    def request(self, step, method, path, body=None, headers=None, expect=200, finish=False, conn=None):
        try:
            resp = (conn or self.conn).request(method, path, body, headers)
        except OSError as exc:
            raise JourneyCheckFailed(f"{step}: {method} {path}: {type(exc).__name__}: {exc}") from None
        ok = resp.status == expect if isinstance(expect, int) else resp.status in expect
        if not ok:
            raise JourneyCheckFailed(f"{step}: {method} {path} answered HTTP {resp.status}: "
                                     f"{resp.body[:2000].decode('utf-8', 'replace')}")
        self.steps.append(step)
        return resp

    def reject(self, step, message, kind="bad body"):
        raise JourneyCheckFailed(f"{step}: {message}")

    def divert(self, step, outcome):
        raise JourneyCheckFailed(f"{step}: {outcome} (is the credit stock used up? see bench/README.md)")

    def journey_done(self, seconds=None):
        pass


def door_rush_scenario(concurrency: int = 16, rounds: int = 3, guests: int = 0, pick: str = "first",
                       deliveries: int = 2, doors: int = 8, pay_sheet: tuple[str, int] | None = None,
                       total: int | None = None, name: str = "door-rush", **_: Any) -> Scenario:
    """Many new sandbox guests doing the whole journey at once (see rush_journey and bench/README.md).

    guests: 0 = a new guest every journey (the realistic door rush), else a pool of that many codes.
    pick: the project each guest orders from: first (listed) / random / most (available kg).
    Stock guard: the run starts at most `journey_budget` journeys (computed from the stock the check
    journey sees, minus a reserve for the orders left pending when rounds end), so that stock running
    out does not turn into a wave of 409s; reaching it ends the round early (reported).
    total: a rush of exactly that many guests (journeys), if the stock allows: the budget, then the end.
    """
    run_tag = f"{name}-{os.getpid()}-{int(time.time())}"
    counter = itertools.count(1)
    state: dict[str, Any] = {"journey_budget": None, "budget_reached": False, "total": total}

    def code_for(n: int) -> str:
        return f"sandbox-rush-{run_tag}-{(n - 1) % guests if guests else n}"

    def prepare(host: str, port: int) -> dict:
        n = next(counter)
        try:
            sample = rush_journey(CheckContext(host, port), code=code_for(n), door=n % doors + 1, pick=pick,
                                  deliveries=deliveries, pay_sheet=pay_sheet)
        except JourneyCheckFailed as exc:
            raise JourneyCheckFailed(f"check journey failed at {exc}") from None
        stock = sum(int(p["available_kg"]) for p in sample["projects"])
        per = sum(int(p["available_kg"]) // (sample["kg"] + 1) for p in sample["projects"])
        reserve = concurrency * (rounds + 3)  # orders left pending at every round's end (and warm-up)
        state["journey_budget"] = max(0, per - reserve)
        if total:
            if total > state["journey_budget"]:
                raise JourneyCheckFailed(f"the stock allows {state['journey_budget']} journeys, not {total}")
            state["journey_budget"] = total
        state["stock_kg"] = stock
        sample = {k: v for k, v in sample.items() if k != "projects"}
        return {"sample": sample, "journey_budget": state["journey_budget"], "stock_kg": stock}

    def setup(ctx: UserContext, data: dict) -> None:
        ctx.state["rng"] = random.Random(ctx.index)

    def user(ctx: UserContext) -> None:
        n = next(counter)
        if state["journey_budget"] is not None and n > state["journey_budget"] + 1:  # +1: the check journey
            state["budget_reached"] = True
            raise StopRound
        rush_journey(ctx, code=code_for(n), door=n % doors + 1, pick=pick, deliveries=deliveries,
                     rng=ctx.state["rng"], pay_sheet=pay_sheet)

    scn = Scenario(name, "wsgi:app", True, user, RUSH_STEPS, prepare, setup,
                   {"guests": guests or "new guest per journey", "pick": pick, "deliveries": deliveries,
                    "doors": doors, "scenario": RUSH_SCENARIO, "footprint_body": FOOTPRINT_BODY,
                    "pay_sheet": "simulator server" if pay_sheet else "service (in-process simulator)"},
                   journeys=True, strict=True, invariants=True)
    scn.info["state"] = state  # journey_budget, budget_reached, stock_kg: read by run.py
    return scn


#: --target name -> (scenario builder, baseline builder or None). Each target is compared against its
#: baseline in the same run, alternating rounds.
SCENARIOS: dict[str, tuple[Callable[..., Scenario], Callable[[], Scenario] | None]] = {
    "footprint": (footprint_scenario, bare_scenario),
    "door-rush": (door_rush_scenario, bare_scenario),
    "bare": (bare_scenario, None),
}
