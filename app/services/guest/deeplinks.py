"""QR deep links: the mini-program code's `scene` and the printed link in `q`, both to a scenario.

The forms are app.domain.deeplinks' (contract endpoint 2); WeChat URL-encodes `q`. Every successful
resolution is recorded as a Scan so organisers can see which door brought guests in, once per guest (or
anonymous client) per scenario and door within SCAN_DEDUP_SECONDS: reloads and floods do not inflate the
organiser's figures.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import Select, bindparam, insert, select

from app.domain.deeplinks import CODE_RE, SCENE_MAX, SCENE_RE, TAG_RE
from app.errors import InvalidDeeplink
from app.extensions import db, own_transaction
from app.i18n import coded
from app.models import Scan, Scenario
from app.models.base import utcnow
from app.services.guest.scenarios import get_open_scenario


@dataclass(frozen=True)
class Entry:
    code: str
    source: str  # "wxacode" or "link"
    tag: str | None


def parse_scene(scene: str) -> Entry:
    """:raise InvalidDeeplink: too long, bad characters, or not `<code>[.<door>]`."""
    if "%" in scene:
        # '%' is not a scene character: the client forwarded it still URL-encoded.
        scene = unquote(scene)
    if len(scene) > SCENE_MAX:
        raise InvalidDeeplink(fields={"scene": [coded("At most {n} characters.", "too_long", n=SCENE_MAX)]})
    if not SCENE_RE.fullmatch(scene):
        raise InvalidDeeplink(fields={"scene": ["Contains characters a mini-program scene cannot carry."]})
    code, _, tag = scene.partition(".")
    _check(code, tag or None, "scene")
    return Entry(code=code, source="wxacode", tag=tag or None)


def parse_link(q: str, public_base_url: str) -> Entry:
    """:raise InvalidDeeplink: not a printed link of ours (`.../s/<code>[?d=<door>]`)."""
    link = q.strip()
    for _ in range(2):  # WeChat encodes q once; a client may have encoded it again
        if "://" in link or "%" not in link:
            break
        link = unquote(link)
    parts = urlsplit(link)
    base_path = urlsplit(public_base_url).path.rstrip("/")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidDeeplink(fields={"q": ["Not an http(s) link."]})
    path = parts.path.rstrip("/")
    prefix = f"{base_path}/s/"
    if not path.startswith(prefix) or "/" in path[len(prefix):]:
        raise InvalidDeeplink(fields={"q": ["Not a Diandian scenario link (…/s/<code>)."]})
    code = unquote(path[len(prefix):])
    doors = parse_qs(parts.query).get("d") or [None]
    tag = doors[0] or None
    _check(code, tag, "q")
    return Entry(code=code, source="link", tag=tag)


def _check(code: str, tag: str | None, field: str) -> None:
    if not CODE_RE.fullmatch(code):
        raise InvalidDeeplink(fields={field: ["The scenario code is not valid."]})
    if tag is not None and not TAG_RE.fullmatch(tag):
        raise InvalidDeeplink(fields={field: ["The door tag is not valid."]})


def resolve(*, scene: str | None, q: str | None, public_base_url: str, user_id: int | None,
            client: str = "") -> tuple[Scenario, RecordedScan | Scan]:
    """Parse whichever form the mini-program received, find the open scenario and record the scan
    (or find the one this guest or client made of this door within the window).

    `client` names an anonymous caller (address and user agent); only a keyed hash of it is kept.
    :raise InvalidDeeplink: not one of our forms. :raise ScenarioNotFound: unknown code.
    :raise ScenarioClosed: closed or ended.
    """
    entry = parse_scene(scene) if scene is not None else parse_link(q or "", public_base_url)
    scenario = get_open_scenario(entry.code)
    client_hash = None if user_id else _client_hash(client)
    recent, record = _scan_statements(untagged=entry.tag is None, anonymous=not user_id)
    now = utcnow()
    params = {"scenario_id": scenario.id, "source": entry.source, "tag": entry.tag, "user_id": user_id,
              "client_hash": client_hash, "created_at": now,
              "since": now - timedelta(seconds=current_app.config["SCAN_DEDUP_SECONDS"])}
    # One statement for a first scan (the door rush): written unless a recent one exists, which is then read.
    new_id = db.session.execute(record, params).scalar()
    db.session.commit()
    if new_id is None:
        return scenario, db.session.execute(recent, params).scalar_one()
    return scenario, RecordedScan(new_id, entry.source, entry.tag)


@dataclass(frozen=True, slots=True)
class RecordedScan:
    """The scan the answer names (written now, or the recent one it repeats)."""

    id: int
    source: str
    tag: str | None


def _client_hash(client: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"scan-client:{client}".encode(), hashlib.sha256).hexdigest()[:16]


_SCAN_FIELDS = ("scenario_id", "source", "tag", "user_id", "client_hash", "created_at")


@cache
def _scan_statements(*, untagged: bool, anonymous: bool) -> tuple[Select, object]:
    """For a door (or none) and a guest (or an anonymous client): the query of their latest scan within the
    window (since :since), and the INSERT of a new scan unless there is one. Built once for each of the four
    kinds of scan; the values are bound at execution, the same names in both."""
    c = Scan.__table__.c  # Core: the INSERT is a plain statement, not the ORM's bulk insert
    who = ((c.client_hash == bindparam("client_hash")) & c.user_id.is_(None) if anonymous
           else c.user_id == bindparam("user_id"))
    door = c.tag.is_(None) if untagged else c.tag == bindparam("tag")
    criteria = (c.scenario_id == bindparam("scenario_id"), door, who,
                c.created_at >= bindparam("since", type_=c.created_at.type))
    recent = own_transaction(select(Scan).where(*criteria).order_by(c.id.desc()).limit(1))
    values = select(*(bindparam(name, type_=c[name].type) for name in _SCAN_FIELDS))
    unless_recent = values.where(~select(c.id).where(*criteria).exists())
    record = own_transaction(insert(Scan.__table__).from_select(list(_SCAN_FIELDS), unless_recent).returning(c.id))
    return recent, record
