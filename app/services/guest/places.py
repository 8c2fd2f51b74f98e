"""The places data set (cities and airports), loaded once per process from app/data/places/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from app.domain.places import Place, PlaceIndex

# app/data/places/places.json, built by scripts/build_places.py
PLACES_FILE = Path(__file__).resolve().parents[2] / "data" / "places" / "places.json"


@lru_cache(maxsize=1)
def place_index() -> PlaceIndex:
    return PlaceIndex.load(PLACES_FILE)


def search_places(q: str, limit: int = 20) -> list[Place]:
    return place_index().search(q, limit=limit)


def find_place(ref: str) -> Place | None:
    """A place id from /places, or a bare IATA code."""
    return place_index().get(ref)
