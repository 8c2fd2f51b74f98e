"""The places data set (cities and airports), loaded once per process from app/data/places/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import app
from app.domain.places import Place, PlaceIndex

PLACES_FILE = Path(app.__file__).resolve().parent / "data" / "places" / "places.json"


@lru_cache(maxsize=1)
def place_index() -> PlaceIndex:
    return PlaceIndex.load(PLACES_FILE)


def search_places(q: str, limit: int = 20) -> list[Place]:
    return place_index().search(q, limit=limit)


def find_place(ref: str) -> Place | None:
    """A place id from /places, or a bare IATA code."""
    return place_index().get(ref)
