"""Per-process caches of what every guest reads alike (a scenario's page, a factor set), and their ETags;
and one of figures kept for a few seconds (the organiser's dashboard: ExpiringCache).

Each entry is kept with the version it was built from; a reader brings the current version (one cheap
indexed read, e.g. the scenario's updated_at) and gets the entry only if it matches. So an edit made by
any process, on any host sharing the database, is seen by the next read everywhere: nothing to publish,
no TTL to wait out. The cost of a hit is that one read instead of loading and dumping the rows.
"""
from __future__ import annotations

import hashlib
import threading
import time

from cachetools import LRUCache


class VersionedCache:
    """key -> (version, value), bounded (least recently used out), safe across a worker's threads."""

    def __init__(self, maxsize: int = 1024):
        self._entries: LRUCache = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def get(self, key, version):
        """The value stored for `key` from this very `version`, else None."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, key, version, value) -> None:
        with self._lock:
            self._entries[key] = (version, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class ExpiringCache(VersionedCache):
    """key -> value for `ttl` seconds from when it was put (monotonic clock): for figures that change all the
    time, where a few seconds old is fine and no version is worth reading. The version is the expiry."""

    def get(self, key):
        """The value while it is fresh, else None."""
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def put(self, key, value, ttl: float) -> None:
        super().put(key, time.monotonic() + ttl, value)


def etag(*parts) -> str:
    """A strong ETag naming these parts (a version and whatever else the body depends on, e.g. language)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


#: Every cache of this module's kind, so tests (and a worker that wants to) can empty them all at once.
ALL: list[VersionedCache] = []


def cache(maxsize: int = 1024, kind: type[VersionedCache] = VersionedCache) -> VersionedCache:
    made = kind(maxsize)
    ALL.append(made)
    return made


def clear_all() -> None:
    for made in ALL:
        made.clear()
