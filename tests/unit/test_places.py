"""The places data set (app/data/places/places.json) and its search (app.domain.places). No Flask needed."""
from __future__ import annotations

import csv
import gzip
import importlib.metadata
import importlib.util
import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from app.domain.places import Place, PlaceIndex, great_circle_km

ROOT = Path(__file__).resolve().parents[2]
PLACES_JSON = ROOT / "app" / "data" / "places" / "places.json"
GREATER_CHINA = ("CN", "HK", "MO", "TW")


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex.load(PLACES_JSON)


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(PLACES_JSON.read_text(encoding="utf-8"))


def ids(places):
    return [p.id for p in places]


def iatas(places):
    return [p.iata for p in places if p.iata]


# ----------------------------------------------------------------------------------------- coverage


def test_file_is_compact_and_well_formed(doc, index):
    assert PLACES_JSON.stat().st_size < 2 * 1024 * 1024
    assert len(doc["rows"]) == doc["meta"]["rows"] == len(index)
    seen = set()
    for p in index:
        assert p.id not in seen
        seen.add(p.id)
        assert p.kind in ("city", "airport")
        assert p.name and p.name_en
        assert -90 <= p.lat <= 90 and -180 <= p.lon <= 180 and isinstance(p.lat, float)
        if p.kind == "airport":
            assert p.id == f"airport-{p.iata}" and len(p.iata) == 3 and p.iata.isupper()
        else:
            assert p.id.startswith("city-") and p.iata is None
        for cid in p.city_ids:
            assert index.get(cid) is not None and index.get(cid).kind == "city"


def test_every_prefecture_level_or_above_city_of_mainland_china(index):
    cities = [p for p in index if p.kind == "city" and p.country == "CN"]
    top = [p for p in cities if p.level in ("municipality", "prefecture")]
    assert len(top) >= 330  # 4 municipalities + 333 prefecture-level divisions in this build
    assert {p.name for p in cities if p.level == "municipality"} == {"北京", "天津", "上海", "重庆"}
    for code, name in [("510100", "成都"), ("540600", "那曲"), ("630200", "海东"), ("652900", "阿克苏地区"),
                       ("513300", "甘孜藏族自治州"), ("152900", "阿拉善盟"), ("232700", "大兴安岭地区"),
                       ("460400", "儋州"), ("650100", "乌鲁木齐")]:
        city = index.get(f"city-{code}")
        assert city is not None and city.name == name and city.pinyin and city.name_en, code
    assert index.get("city-371200") is None  # 莱芜 merged into 济南 in 2019
    assert len([p for p in cities if p.level == "county"]) >= 380  # county-level cities: 义乌, 昆山, ...
    assert index.search("义乌")[0].name == "义乌"
    # spot checks of the seat coordinates
    chengdu = index.get("city-510100")
    assert abs(chengdu.lat - 30.6) < 0.2 and abs(chengdu.lon - 104.07) < 0.2
    assert index.get("city-650100").name_en == "Urumqi"
    assert index.get("city-610100").name_en == "Xi'an"


def test_hong_kong_macau_taiwan_cities(index):
    assert index.get("city-810000").name == "香港" and index.get("city-810000").country == "HK"
    assert index.get("city-820000").name == "澳门" and index.get("city-820000").country == "MO"
    taiwan = {p.name: p for p in index if p.kind == "city" and p.country == "TW"}
    assert len(taiwan) == 22
    assert {"台北", "新北", "桃园", "台中", "台南", "高雄", "基隆", "新竹", "嘉义", "花莲"} <= set(taiwan)
    assert taiwan["高雄"].name_en == "Kaohsiung" and abs(taiwan["高雄"].lat - 22.6) < 0.2


MAJOR_GREATER_CHINA_AIRPORTS = """
PEK PKX PVG SHA CAN SZX CTU TFU CKG KMG XIY HGH NKG WUH CSX XMN TAO CGO TSN HAK SYX URC HRB SHE DLC KWE
NNG FOC TNA HFE KHN LHW TYN SJW CGQ HET INC XNN LXA LJG JHG NGB WNZ ZUH SWA KWL YNT JJN WUX DYG DNH
KHG YIW BPX NGQ DCY HKG MFM TPE TSA KHH RMQ TNN HUN KNH MZG
""".split()


def test_every_greater_china_airport(index, doc):
    airports = [p for p in index if p.kind == "airport"]
    by_country = {cc: [p for p in airports if p.country == cc] for cc in GREATER_CHINA}
    assert len(by_country["CN"]) >= 300
    assert len(by_country["TW"]) >= 15
    assert [p.iata for p in by_country["HK"]] == ["HKG"]
    assert [p.iata for p in by_country["MO"]] == ["MFM"]
    for code in MAJOR_GREATER_CHINA_AIRPORTS:
        assert index.get(code) is not None, code
        assert index.get(code).country in GREATER_CHINA, code
    # every Greater-China airport is linked to a city of its own country but Dongsha (400 km at sea)
    unlinked = [p.iata for cc in GREATER_CHINA for p in by_country[cc] if not p.city_id]
    assert unlinked == ["DSX"]
    assert doc["meta"]["counts"]["airports_CN"] == len(by_country["CN"])


def test_major_world_airports(index):
    world = [p for p in index if p.kind == "airport" and p.country not in GREATER_CHINA]
    assert len(world) >= 300
    busiest = """ATL DXB DFW LHR HND DEN IST LAX ORD DEL CDG JFK AMS MAD FRA SIN ICN BKK LAS MCO CLT MIA SEA
        PHX EWR SFO IAH BOM BCN DOH NRT KUL CGK MEX SYD MUC FCO YYZ MNL LGW BOS MSP DTW JED RUH SAW SVO
        GRU BOG LIM SCL EZE MEL AKL DPS HKT SGN HAN KIX FUK CTS OKA GMP CJU PUS AUH CAI JNB ADD NBO ZRH
        VIE CPH OSL ARN HEL WAW PRG BUD ATH LIS DUB MAN YVR TLV""".split()
    assert [code for code in busiest if index.get(code) is None] == []


# The optional check against the packages the data was built from (skipped unless they are installed,
# e.g. in the throw-away build virtualenv): every Greater-China IATA airport they list is in, or was
# left out by a documented rule.
def _installed(dist: str) -> bool:
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not (_installed("airports-py") and _installed("airportsdata")),
                    reason="the data packages (requirements-data.txt) are not installed")
def test_every_greater_china_iata_airport_of_the_source_packages(index):
    spec = importlib.util.spec_from_file_location("build_places", ROOT / "scripts" / "build_places.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    apy = json.loads(gzip.decompress(build.dist_file("airports-py", "airports/data/airports.gz").read_bytes()))
    expected = {
        a["iata"] for a in apy
        if a.get("iata") and a["country_code"] in GREATER_CHINA and a["type"] in build.AIRPORT_TYPES
        and not build.NOT_AN_AIRPORT.search(a["airport"])
    }
    with open(build.dist_file("airportsdata", "airportsdata/airports.csv"), encoding="utf-8") as f:
        expected |= {r["iata"] for r in csv.DictReader(f) if r["iata"] and r["country"] in GREATER_CHINA
                     and r["iata"] not in ("HNI", "LSG", "WNJ", "ZSP")}  # README: duplicate ICAO / not built
    missing = sorted(code for code in expected if index.get(code) is None)
    assert missing == []


# ----------------------------------------------------------------------------------------- search


@pytest.mark.parametrize("q", ["成都", "chengdu", "Chengdu", "CHENGDU", "cheng du", "Chéngdū", "cheng-du"])
def test_chengdu_finds_the_city_then_its_airports(index, q):
    found = index.search(q)
    assert found[0].id == "city-510100"
    assert {"CTU", "TFU"} <= set(iatas(found[:4]))


@pytest.mark.parametrize("q", ["CTU", "ctu", " ctu ", "airport-CTU"])
def test_iata_code_first(index, q):
    first = index.search(q)[0] if q != "airport-CTU" else index.get(q)
    assert first.iata == "CTU" and first.kind == "airport" and first.name == "成都双流国际机场"
    assert first.city_id == "city-510100"


@pytest.mark.parametrize("q", ["北京", "beijing", "Beijing", "bei jing"])
def test_beijing(index, q):
    found = index.search(q)
    assert found[0].id == "city-110000"
    assert {"PEK", "PKX"} <= set(iatas(found[:4]))


@pytest.mark.parametrize("q, codes", [
    ("上海", {"PVG", "SHA"}), ("shanghai", {"PVG", "SHA"}), ("香港", {"HKG"}), ("Hong Kong", {"HKG"}),
    ("hongkong", {"HKG"}), ("澳门", {"MFM"}), ("Macau", {"MFM"}), ("台北", {"TPE", "TSA"}),
    ("taipei", {"TPE", "TSA"}), ("London", {"LHR", "LGW"}), ("伦敦", {"LHR"}), ("东京", {"HND", "NRT"}),
    ("new york", {"JFK", "LGA"}), ("乌鲁木齐", {"URC"}), ("urumqi", {"URC"}), ("西安", {"XIY"}),
])
def test_city_names_find_their_airports(index, q, codes):
    found = index.search(q)
    assert found[0].kind == "city"
    assert codes <= set(iatas(found[:8])), (q, [p.id for p in found])


def test_london_and_jfk(index):
    london = index.search("London")
    assert london[0].name == "伦敦" and london[0].country == "GB"
    assert london[1].iata == "LHR"  # the biggest airport of the city first
    jfk = index.search("JFK")
    assert jfk[0].iata == "JFK" and jfk[0].country == "US"
    assert index.search("london heathrow")[0].iata == "LHR"
    assert index.search("heathrow")[0].iata == "LHR"


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "xyzzyqq", "zzzzqqqq", "'-'", "!!!", "飞飞飞飞"])
def test_nothing_found(index, q):
    assert index.search(q) == []


def test_pinyin_forms(index):
    assert index.search("cd")[0].id == "city-510100"  # initials
    assert index.search("bj")[0].id == "city-110000"
    assert index.search("xi'an")[0].id == "city-610100"
    assert index.search("xian")[0].id == "city-610100"
    assert index.search("lvliang")[0].name == "吕梁"  # ü typed as v
    assert index.search("luliang")[0].name == "吕梁"
    assert index.search("chao yang")[0].name == "朝阳"  # not pypinyin's "zhao yang"
    assert index.search("chong")[0].name == "重庆"  # pinyin prefix, biggest city first
    assert index.search("hohhot")[0].name == "呼和浩特"
    assert index.search("huhehaote")[0].name == "呼和浩特"


def test_chinese_substring_and_airport_names(index):
    assert index.search("天府")[0].iata == "TFU"
    assert index.search("双流")[0].iata == "CTU"
    assert index.search("成都天府国际机场")[0].iata == "TFU"
    found = index.search("成都机场")
    assert {p.kind for p in found} == {"airport"} and {"CTU", "TFU"} <= set(iatas(found))
    assert [p.name for p in index.search("州")][:3] == ["广州", "杭州", "苏州"]  # biggest cities first
    assert index.search("台中")[0].name == "台中"
    assert index.search("臺北")[0].name == "台北"  # Traditional spelling


def test_ranking_and_limit(index):
    found = index.search("a", limit=5)
    assert len(found) == 5
    assert len(index.search("zhou")) == 20
    assert index.search("zhou", limit=0) == []
    # cities before airports, Greater China first
    kinds = [p.kind for p in index.search("sh")]
    assert kinds == sorted(kinds, key=lambda k: k != "city")
    # 2-letter Latin queries match prefixes (of the pinyin, of a word, or the initials), not inside words
    def initials(p):
        return "".join(s[0] for s in p.pinyin.split())

    assert all(p.pinyin.replace(" ", "").startswith("sh") or p.name_en.lower().startswith("sh")
               or initials(p).startswith("sh") for p in index.search("sh") if p.kind == "city")
    assert index.search("sh")[0].name == "上海"


# ----------------------------------------------------------------------------------------- get


def test_get(index):
    assert index.get("city-510100").name == "成都"
    assert index.get("CITY-510100").name == "成都"
    assert index.get("airport-TFU").iata == "TFU"
    assert index.get("airport-tfu").iata == "TFU"
    assert index.get("ctu").iata == "CTU"
    assert index.get("CTU").iata == "CTU"
    assert index.get(" PEK ").iata == "PEK"
    assert index.get("city-gn1668341").name == "台北"
    for unknown in ["XXQ", "city-999999", "airport-XXQ", "", "  ", "成都", "ZUUU", "airport-", None, 42]:
        assert index.get(unknown) is None, unknown


# ----------------------------------------------------------------------------------------- distance


def haversine_km(lat1, lon1, lat2, lon2, radius=6371.0088):
    """Written out independently of app.domain.places."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * radius * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def test_great_circle_pek_tfu(index):
    pek, tfu = index.get("PEK"), index.get("TFU")
    # PEK (40.07854, 116.5871) - TFU (30.319, 104.445) with R = 6371.0088 km: 1544.6814 km by hand
    # (haversine, spherical law of cosines and the Vincenty sphere formula agree to 1e-9 km).
    assert (pek.lat, pek.lon, tfu.lat, tfu.lon) == (40.07854, 116.5871, 30.319, 104.445)
    expected = haversine_km(pek.lat, pek.lon, tfu.lat, tfu.lon)
    assert abs(expected - 1544.6814) < 1e-4
    d = great_circle_km(pek, tfu)
    assert isinstance(d, Decimal) and d == Decimal("1544.681")
    assert d.as_tuple().exponent == -3
    assert great_circle_km(tfu, pek) == d


def test_great_circle_basics():
    def place(lat, lon):
        return Place(id="x", kind="city", name="x", name_en="x", iata=None, lat=lat, lon=lon, pinyin="x",
                     country="CN", city_id=None)

    assert great_circle_km(place(0.0, 0.0), place(0.0, 1.0)) == Decimal("111.195")  # 6371.0088 * pi / 180
    assert great_circle_km(place(30.0, 104.0), place(30.0, 104.0)) == Decimal("0.000")
    assert great_circle_km(place(0.0, 0.0), place(0.0, 180.0)) == Decimal("20015.114")  # half the equator, 20015.11444
    assert great_circle_km(place(10.0, 179.5), place(10.0, -179.5)) == great_circle_km(place(10.0, 0.0), place(10.0, 1.0))
