"""Places for travel legs: cities and airports, their search, and great-circle distances (pure code).

The data set is app/data/places/places.json, built offline by scripts/build_places.py (see
app/data/places/README.md): every prefecture-level-or-above city of mainland China, its county-level
cities, Hong Kong, Macau and Taiwan's 22 divisions; every IATA airport of CN/HK/MO/TW; the world's
major airports and the cities they serve. Nothing is fetched at run time.

Ids: ``city-<GB/T 2260 code>`` (mainland China, Hong Kong 810000, Macau 820000), ``city-gn<GeoNames
id>`` (other cities), ``airport-<IATA>``.

Search (``PlaceIndex.search``) matches Chinese names (substring), pinyin (whole, prefix, or initials
such as "cd"; tone marks, spaces, apostrophes and hyphens ignored, ü typed as u or v), English names
(whole, word prefix, substring) and IATA/ICAO codes (exact), and ranks in tiers:

0. the IATA (or ICAO) code itself ("CTU" -> Chengdu Shuangliu);
1. a place's own name, full name, pinyin or English name, exactly ("成都", "chengdu" -> the city);
2. the airports of a place named exactly ("成都" -> CTU, TFU; "London" -> LHR, LGW, ...);
3. prefixes: of a name or pinyin, of any word of an English name, or pinyin initials; for several
   words ("beijing airport"), every word a prefix of some word of the place;
4. substrings (Chinese: any length; Latin: 3 characters or more).

Within a tier: cities before airports, Greater China before the rest of the world; cities by level
(municipality/SAR, prefecture-level city, then county-level city) and population; airports by size
(large, medium, small), scheduled service first, then total runway length; then alphabetically. A Chinese
query ending in 机场 also searches the rest among airports ("成都机场").
All keys are normalised once, at load; a query is dictionary look-ups, a binary search over sorted keys
and a str.find scan over one joined string.
"""
from __future__ import annotations

import heapq
import json
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
_KM_QUANTUM = Decimal("0.001")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_LATIN_KEY = re.compile(r"[^0-9a-z]+")
_NOT_CJK_KEY = re.compile(r"[\s\-_'’`.,·・/\\()（）\[\]{}|:;\"!?，。、：；！？]+")
_AIRPORT_SUFFIXES = ("国际机场", "國際機場", "机场", "機場")
# Words that never start a word-prefix key (every airport has them).
_STOPWORDS = frozenset({"airport", "international", "intl", "regional", "of", "the", "de", "and", "air", "base"})

TIER_CODE, TIER_NAME, TIER_CITY_AIRPORTS, TIER_PREFIX, TIER_SUBSTRING = range(5)
_GREATER_CHINA = frozenset({"CN", "HK", "MO", "TW"})
_PINYIN_ALIAS = re.compile(r"[a-zü]+(?: [a-zü]+)+")  # "cheng du shi": matched whole, not word by word
# Generic words left out of Latin substring keys ("ctu" must not find every "...Prefecture").
_GENERIC = frozenset({"airport", "international", "intl", "regional", "prefecture", "league", "forestry",
                      "district", "county", "city", "air", "base", "of", "the", "de", "and"})
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_LEVEL_ORDER = {"municipality": 0, "sar": 0, "prefecture": 1, "city": 1, "county": 2}
_SIZE_ORDER = {"large": 0, "medium": 1, "small": 2}


@dataclass(frozen=True, slots=True)
class Place:
    """A city or an airport. lat/lon are WGS84-ish degrees as float (display and geometry only)."""

    id: str
    kind: str  # "city" | "airport"
    name: str  # Chinese display name (English when there is none)
    name_en: str
    iata: str | None
    lat: float
    lon: float
    pinyin: str = ""  # toneless syllables of the Chinese name, space-separated ("cheng du")
    country: str = ""  # ISO 3166-1 alpha-2
    city_id: str | None = None  # airports: the main city served
    icao: str | None = None
    region: str = ""  # province-level division (Chinese), Greater China only
    region_en: str = ""
    level: str = ""  # cities: municipality/sar/prefecture/county/city; airports: large/medium/small
    scheduled: bool | None = None  # airports: scheduled passenger service
    runways_ft: int = 0  # airports: total length of open runways, feet (a size hint for ranking)
    population: int = 0  # cities: GeoNames population (0 when unknown; a size hint for ranking)
    city_ids: tuple[str, ...] = ()  # airports: every city served
    aliases: tuple[str, ...] = ()  # other searchable names


def great_circle_km(a: Place, b: Place) -> Decimal:
    """Great-circle distance between two places, in km, as a Decimal quantised to 0.001 km (1 m).

    Haversine on a sphere of the mean Earth radius 6371.0088 km. The geometry is computed in double
    precision (float); the result is converted exactly to Decimal and rounded half-even to the metre,
    so the carbon arithmetic downstream is all Decimal and reproducible.
    """
    phi1, phi2 = math.radians(float(a.lat)), math.radians(float(b.lat))
    dphi = phi2 - phi1
    dlmb = math.radians(float(b.lon) - float(a.lon))
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    return Decimal(km).quantize(_KM_QUANTUM, rounding=ROUND_HALF_EVEN)


# ----------------------------------------------------------------------------------------- keys


def _fold(text: str) -> str:
    """NFKC, case-folded, accents removed ('Chéngdū' -> 'chengdu', 'Ürümqi' -> 'urumqi')."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _latin_key(text: str) -> str:
    """Compact Latin key: folded, only [0-9a-z] kept ("Xi'an" -> "xian", "New York" -> "newyork")."""
    return _NOT_LATIN_KEY.sub("", _fold(text))


def _latin_words(text: str) -> list[str]:
    return [w for w in _NOT_LATIN_KEY.split(_fold(text.replace("'", "").replace("’", ""))) if w]


def _cjk_key(text: str) -> str:
    """Compact key of a Chinese string: NFKC, case-folded, spaces and punctuation dropped."""
    return _NOT_CJK_KEY.sub("", unicodedata.normalize("NFKC", text).casefold())


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _pinyin_keys(pinyin: str) -> set[str]:
    """'lü liang' -> {'luliang', 'lvliang'}."""
    keys = {_latin_key(pinyin)}
    if "ü" in pinyin:
        keys.add(_latin_key(pinyin.replace("ü", "v")))
    keys.discard("")
    return keys


def _initials(pinyin: str) -> str:
    return "".join(s[0] for s in pinyin.split() if s and s[0].isascii() and s[0].isalpha())


def _text_keys(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(exact keys, prefix keys, substring keys, words) of one name.

    Chinese: the compact string for all three. Pinyin ("cheng du"): the compact syllables (and the v
    spelling of ü). Other Latin text: the compact string; as prefix keys also every tail starting at a
    word ("shuangliuinternationalairport"), so a query can start at any word; as substring key the
    words without generic ones (Airport, Prefecture, ...); its words for multi-word queries.
    """
    if _has_cjk(text):
        key = _cjk_key(text)
        return ((key,), (key,), (key,), ()) if key else ((), (), (), ())
    if _PINYIN_ALIAS.fullmatch(text) or (text.isascii() and text.islower() and text.isalpha()):
        keys = tuple(sorted(_pinyin_keys(text)))
        syllables = tuple(_latin_key(s) for s in text.split())
        return keys, keys, keys, syllables
    main = _PARENTHESES.sub(" ", text)  # "Suzhou (Anhui)": the words of "Suzhou" only
    ws = _latin_words(main)
    if not ws:
        return (), (), (), ()
    compact = "".join(ws)
    exact = (compact,) if main == text else (compact, _latin_key(text))
    tails, offset = [], 0
    for start, w in enumerate(ws):
        if start == 0 or w not in _STOPWORDS:
            tails.append(compact[offset:])
        offset += len(w)
    core = "".join(w for w in ws if w not in _GENERIC)
    return exact, tuple(tails), (core,) if core else (), tuple(ws)


def _flatten(table: dict[str, set[int]]) -> tuple[list[str], list[int]]:
    """Sorted parallel lists (key, id) of a key -> ids table, for bisect."""
    keys: list[str] = []
    ids: list[int] = []
    for key in sorted(table):
        for i in sorted(table[key]):
            keys.append(key)
            ids.append(i)
    return keys, ids


# ----------------------------------------------------------------------------------------- index


class PlaceIndex:
    """All places, with search keys precomputed. Immutable once built; safe to share between threads."""

    def __init__(self, places: Iterable[Place]):
        self._places: list[Place] = list(places)
        self._by_id: dict[str, Place] = {}
        self._by_id_folded: dict[str, Place] = {}
        self._by_code: dict[str, Place] = {}  # IATA and ICAO codes of airports, upper case
        for p in self._places:
            if p.id in self._by_id:
                raise ValueError(f"duplicate place id {p.id}")
            self._by_id[p.id] = p
            self._by_id_folded[p.id.casefold()] = p
            if p.kind == "airport":
                if p.icao:
                    self._by_code.setdefault(p.icao.upper(), p)
        for p in self._places:  # IATA codes win over ICAO codes
            if p.kind == "airport" and p.iata:
                self._by_code[p.iata.upper()] = p
        self._positions = {p.id: i for i, p in enumerate(self._places)}
        order = sorted(range(len(self._places)), key=lambda i: self._static_key(self._places[i]))
        self._rank = [0] * len(self._places)
        for position, i in enumerate(order):
            self._rank[i] = position
        self._build_keys()

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> PlaceIndex:
        """Read a places.json written by scripts/build_places.py ({"fields": [...], "rows": [[...]]})."""
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        fields = doc["fields"]
        col = {name: i for i, name in enumerate(fields)}

        def get(row, name, default=None):
            i = col.get(name)
            return default if i is None or row[i] is None else row[i]

        places = []
        for row in doc["rows"]:
            places.append(Place(
                id=row[col["id"]], kind=row[col["kind"]], name=row[col["name"]], name_en=get(row, "name_en", ""),
                iata=get(row, "iata"), lat=float(row[col["lat"]]), lon=float(row[col["lon"]]),
                pinyin=get(row, "pinyin", ""), country=get(row, "country", ""), city_id=get(row, "city_id"),
                icao=get(row, "icao"), region=get(row, "region", ""), region_en=get(row, "region_en", ""),
                level=get(row, "level", ""), scheduled=get(row, "scheduled"),
                runways_ft=int(get(row, "runways_ft", 0)), population=int(get(row, "population", 0)),
                city_ids=tuple(get(row, "city_ids", ())),
                aliases=tuple(get(row, "aliases", ())),
            ))
        return cls(places)

    @staticmethod
    def _static_key(p: Place):
        """Order within a tier: cities, then airports; Greater China first; bigger first; then by name."""
        abroad = 0 if p.country in _GREATER_CHINA else 1
        if p.kind == "city":
            return (0, abroad, _LEVEL_ORDER.get(p.level, 3), -p.population, p.name_en.casefold(), p.id)
        return (1, abroad, _SIZE_ORDER.get(p.level, 3), 0 if p.scheduled else 1, -p.runways_ft, p.iata or "", p.id)

    def _build_keys(self) -> None:
        exact: dict[str, dict[int, int]] = {}
        prefix: dict[str, set[int]] = {}
        substring: dict[str, set[int]] = {}
        words: dict[str, set[int]] = {}
        cache: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}

        def add(table: dict[str, set[int]], keys: tuple[str, ...], i: int) -> None:
            for key in keys:
                ids = table.get(key)
                if ids is None:
                    table[key] = {i}
                else:
                    ids.add(i)

        for i, p in enumerate(self._places):
            alias_tier = TIER_NAME if p.kind == "city" else TIER_CITY_AIRPORTS
            texts = [(p.name, TIER_NAME), (p.name_en, TIER_NAME)] + [(a, alias_tier) for a in p.aliases]
            if p.pinyin:
                texts.append((p.pinyin, TIER_NAME))
            for text, tier in texts:
                if not text:
                    continue
                keys = cache.get(text)
                if keys is None:
                    keys = cache[text] = _text_keys(text)
                for key in keys[0]:
                    slot = exact.get(key)
                    if slot is None:
                        exact[key] = {i: tier}
                    elif tier < slot.get(i, 99):
                        slot[i] = tier
                add(prefix, keys[1], i)
                add(substring, keys[2], i)
                add(words, keys[3], i)
            if p.kind == "city" and p.pinyin:
                initials = _initials(p.pinyin)
                if len(initials) >= 2:
                    add(prefix, (initials,), i)

        self._exact = {k: tuple(v.items()) for k, v in exact.items()}
        self._prefix_keys, self._prefix_ids = _flatten(prefix)
        self._word_keys, self._word_ids = _flatten(words)
        # One string holding every key, each preceded by \x00: a substring search is str.find.
        parts, starts, ids, pos = [], [], [], 0
        for key in sorted(substring):
            for i in sorted(substring[key]):
                starts.append(pos)
                ids.append(i)
                parts.append("\x00" + key)
                pos += len(key) + 1
        self._blob = "".join(parts)
        self._blob_starts = starts
        self._blob_ids = ids
        airports_of: dict[int, list[int]] = {}
        for i, p in enumerate(self._places):
            for cid in p.city_ids or ((p.city_id,) if p.city_id else ()):
                j = self._positions.get(cid)
                if j is not None and j != i:
                    airports_of.setdefault(j, []).append(i)
        self._airports_of = {j: tuple(v) for j, v in airports_of.items()}

    # -- look-ups ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def get(self, ref: str) -> Place | None:
        """A place by id ("city-510100", "airport-CTU") or by bare IATA code ("CTU", "ctu"); else None."""
        if not isinstance(ref, str):
            return None
        ref = ref.strip()
        if not ref:
            return None
        place = self._by_id.get(ref)
        if place is not None:
            return place
        folded = ref.casefold()
        if folded.startswith("airport-"):
            code = ref[len("airport-"):].upper()
            place = self._by_code.get(code)
            return place if place is not None and place.iata == code else None
        if folded.startswith("city-"):
            return self._by_id_folded.get(folded)
        if len(ref) == 3 and ref.isascii() and ref.isalpha():
            place = self._by_code.get(ref.upper())
            return place if place is not None and place.iata == ref.upper() else None
        return None

    def search(self, q: str, limit: int = 20) -> list[Place]:
        """Places matching q, best first (see the module docstring); [] for a blank query."""
        if not isinstance(q, str) or limit <= 0:
            return []
        q = unicodedata.normalize("NFKC", q).strip()[:100]
        if not q:
            return []
        best: dict[int, int] = {}
        if _has_cjk(q):
            key = _cjk_key(q)
            self._match_text(key, best, min_substring=1)
            self._add_airports_of_cities(best)
            for suffix in _AIRPORT_SUFFIXES:  # "成都机场": also the airports of 成都
                if key.endswith(suffix) and len(key) > len(suffix):
                    rest: dict[int, int] = {}
                    self._match_text(key[: -len(suffix)], rest, min_substring=1)
                    self._add_airports_of_cities(rest)
                    for i, tier in rest.items():
                        if self._places[i].kind == "airport" and tier < best.get(i, 99):
                            best[i] = tier
                    break
        else:
            key = _latin_key(q)
            if not key:
                return []
            code = self._by_code.get(key.upper()) if len(key) in (3, 4) else None
            if code is not None:
                best[self._positions[code.id]] = TIER_CODE
            self._match_text(key, best, min_substring=3)
            tokens = _latin_words(q)
            if len(tokens) > 1:
                self._match_words(tokens, best)
            self._add_airports_of_cities(best)
        if not best:
            return []
        ranked = heapq.nsmallest(limit, best.items(), key=lambda kv: (kv[1], self._rank[kv[0]]))
        return [self._places[i] for i, _ in ranked]

    # -- internals -----------------------------------------------------------------------------

    def _add_airports_of_cities(self, best: dict[int, int]) -> None:
        """An airport is found through the cities it serves: a city named exactly (tier 1) brings its
        airports in tier 2; a city found by a prefix or a substring, its airports in the same tier."""
        for i, tier in list(best.items()):
            for a in self._airports_of.get(i, ()):
                t = TIER_CITY_AIRPORTS if tier == TIER_NAME else tier
                if t < best.get(a, 99):
                    best[a] = t

    def _match_text(self, key: str, best: dict[int, int], min_substring: int) -> None:
        if not key:
            return
        for i, tier in self._exact.get(key, ()):
            if tier < best.get(i, 99):
                best[i] = tier
        lo = bisect_left(self._prefix_keys, key)
        hi = bisect_right(self._prefix_keys, key + "\uffff", lo)
        for j in range(lo, hi):
            i = self._prefix_ids[j]
            if TIER_PREFIX < best.get(i, 99):
                best[i] = TIER_PREFIX
        if len(key) < min_substring:
            return
        blob, starts, ids = self._blob, self._blob_starts, self._blob_ids
        pos = blob.find(key)
        while pos != -1:
            i = ids[bisect_right(starts, pos) - 1]
            if TIER_SUBSTRING < best.get(i, 99):
                best[i] = TIER_SUBSTRING
            pos = blob.find(key, pos + 1)

    def _match_words(self, tokens: list[str], best: dict[int, int]) -> None:
        """Every token a prefix of some word of the place ("beijing airport", "london heathrow")."""
        found: set[int] | None = None
        for token in sorted(tokens, key=len, reverse=True):
            lo = bisect_left(self._word_keys, token)
            hi = bisect_right(self._word_keys, token + "\uffff", lo)
            ids = set(self._word_ids[lo:hi])
            found = ids if found is None else found & ids
            if not found:
                return
        for i in found or ():
            if TIER_PREFIX < best.get(i, 99):
                best[i] = TIER_PREFIX
