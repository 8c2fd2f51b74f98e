"""An emission factor's source as a guest reads it: `source_label`, from the catalogue, in their language.

A factor's `source` (app/data/factors/*.csv) is the citation, in English, exactly as the publisher names
the factor: it stays as it is wherever a factor is served, so anyone can look the number up. Next to it
clients get `source_label`, the same citation made readable in the request's language:

    UK DESNZ GHG conversion factors 2025: Hotel stay, China
    -> 英国能源安全与净零排放部（DESNZ）2025 年温室气体换算系数：酒店住宿，中国

It is put together from catalogue messages (context `factor source`): the publisher and title that start
the citation (SOURCE_TITLES), then the rest (SOURCE_DETAILS), joined by "{title}: {detail}"; a citation
marked `derived:` is wrapped in "Derived: {source}". Numbers in the rest are placeholders (`{n1}`, ...)
filled from the citation itself, so a translation can move them but never mistype them. A title or a
rest the catalogue does not know (a new factor set) is kept as it is, in English.
"""
from __future__ import annotations

import re

from app.domain.kinds import _l
from app.i18n import pgettext, translate

CONTEXT = "factor source"

#: The start of a citation (publisher and title, as the CSV writes them) -> its readable msgid.
#: Longest first where one starts another.
SOURCE_TITLES: tuple[tuple[str, str], ...] = (
    ("UK DESNZ GHG conversion factors 2025: ",
     _l("UK Department for Energy Security and Net Zero (DESNZ), greenhouse gas conversion factors 2025",
        "factor source")),
    ("China MEE/NBS regional grid factor 2023, ",
     _l("China Ministry of Ecology and Environment and National Bureau of Statistics (MEE/NBS), regional grid "
        "emission factors 2023", "factor source")),
    ("China MEE/NBS national average grid emission factor, 2023 edition",
     _l("China Ministry of Ecology and Environment and National Bureau of Statistics (MEE/NBS), national average "
        "grid emission factor, 2023 edition", "factor source")),
    ("Scarborough et al. 2014 (Climatic Change 125:179-192), ",
     _l("Scarborough et al. 2014, greenhouse gas emissions of diets in the UK (Climatic Change 125:179-192)",
        "factor source")),
    ("Scarborough et al. 2014, ",
     _l("Scarborough et al. 2014, greenhouse gas emissions of diets in the UK", "factor source")),
    ("Mao Baohua (Beijing Jiaotong University), China high-speed rail full-process emissions 2019, reported in "
     "China Environment News 2024-03-05",
     _l("Mao Baohua (Beijing Jiaotong University), full-process emissions of China's high-speed rail 2019, "
        "reported in China Environment News on 2024-03-05", "factor source")),
)
DERIVED = "derived: "

#: The rest of a citation after its title, numbers as {n1}, {n2}, ... (NUMBER): the msgids the catalogue
#: translates. Only listed here for extraction and for the test that every shipped factor is covered.
SOURCE_DETAILS: tuple[str, ...] = (
    # UK DESNZ
    _l("Business travel air, International to/from non-UK, Economy class, with RF", "factor source"),
    _l("International to/from non-UK, Premium economy class, with RF", "factor source"),
    _l("International to/from non-UK, Business class, with RF", "factor source"),
    _l("International to/from non-UK, First class, with RF", "factor source"),
    _l("National rail", "factor source"),
    _l("London Underground", "factor source"),
    _l("Coach", "factor source"),
    _l("Average local bus", "factor source"),
    _l("Regular taxi, per passenger.km", "factor source"),
    _l("Average car, petrol", "factor source"),
    _l("Average car, diesel", "factor source"),
    _l("Average car, hybrid", "factor source"),
    _l("Motorbike, average", "factor source"),
    _l("Hotel stay, China", "factor source"),
    _l("Hotel stay, Hong Kong China", "factor source"),
    _l("Hotel stay, Japan", "factor source"),
    _l("Hotel stay, Korea", "factor source"),
    _l("Hotel stay, Singapore", "factor source"),
    _l("Hotel stay, India", "factor source"),
    _l("Hotel stay, France", "factor source"),
    _l("Hotel stay, Germany", "factor source"),
    _l("Hotel stay, UK", "factor source"),
    _l("Hotel stay, United States", "factor source"),
    _l("Natural gas, cubic metres", "factor source"),
    _l("LPG, litres", "factor source"),
    _l("Petrol (average biofuel blend), litres", "factor source"),
    _l("Diesel (average biofuel blend), litres", "factor source"),
    _l("Water supply {n1} + water treatment {n2}", "factor source"),
    _l("Material use, Paper and board: paper, primary material production ({n1} kgCO2e per tonne)",
       "factor source"),
    _l("Material use, Paper and board: board, primary material production ({n1} kgCO2e per tonne)",
       "factor source"),
    _l("Material use, Plastics: average plastics, primary material production ({n1} kgCO2e per tonne)",
       "factor source"),
    _l("Material use, Plastics: average plastic film, primary material production ({n1} kgCO2e per tonne)",
       "factor source"),
    _l("Material use, Metal: aluminium cans and foil (excl. forming), primary material production "
       "({n1} kgCO2e per tonne)", "factor source"),
    _l("Material use, Metal: steel cans, primary material production ({n1} kgCO2e per tonne)", "factor source"),
    # China MEE/NBS regional grids
    _l("North grid", "factor source"),
    _l("Northeast grid", "factor source"),
    _l("East grid", "factor source"),
    _l("Central grid", "factor source"),
    _l("Northwest grid", "factor source"),
    _l("South grid", "factor source"),
    _l("Southwest grid", "factor source"),
    # Scarborough et al. 2014
    _l("high-meat diet", "factor source"),
    _l("medium-meat diet", "factor source"),
    _l("low-meat diet", "factor source"),
    _l("fish-eater diet", "factor source"),
    _l("vegetarian diet", "factor source"),
    _l("vegan diet", "factor source"),
    _l("medium-meat diet {n1} kgCO2e per person-day, divided by {n2} meals", "factor source"),
    _l("vegetarian diet {n1} kgCO2e per person-day, divided by {n2} meals", "factor source"),
    _l("vegan diet {n1} kgCO2e per person-day, divided by {n2} meals", "factor source"),
    # derived
    _l("DESNZ {n1} average battery-electric car {n2} kgCO2e/vehicle.km at UK grid {n3} kgCO2e/kWh = {n4} kWh/km, "
       "times China national grid {n5} {n6} kgCO2/kWh", "factor source"),
)

#: A number of a citation: 5.63, 1,345.0779, 125:179-192, 2024-03-05; not the 2 of CO2e.
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:\-]\d+)*(?![A-Za-z])")


def detail_template(text: str) -> tuple[str, dict[str, str]]:
    """The rest of a citation as its msgid and the numbers taken out: ("Coach", {}),
    ("Water supply {n1} + water treatment {n2}", {"n1": "0.19130", "n2": "0.17088"})."""
    params: dict[str, str] = {}

    def take(match: re.Match) -> str:
        name = f"n{len(params) + 1}"
        params[name] = match.group(0)
        return "{" + name + "}"

    return NUMBER.sub(take, text), params


def split_source(source: str) -> tuple[bool, str | None, str]:
    """(derived, title msgid or None, the rest) of a citation."""
    derived = source.startswith(DERIVED)
    text = source[len(DERIVED):] if derived else source
    for prefix, msgid in SOURCE_TITLES:
        if text.startswith(prefix):
            return derived, str(msgid), text[len(prefix):]
    return derived, None, text


def source_label(source: str | None, lang: str) -> str | None:
    """The citation `source` readable in `lang`, from the catalogue (what is not in it kept as it is)."""
    if not source:
        return source
    derived, title, rest = split_source(source)
    detail = _detail(rest, lang) if rest else ""
    if title is None:
        text = detail
    else:
        title_text = translate(title, lang, CONTEXT)
        text = pgettext("factor source", "{title}: {detail}", lang, title=title_text, detail=detail) if detail \
            else title_text
    return pgettext("factor source", "Derived: {source}", lang, source=text) if derived else text


def _detail(rest: str, lang: str) -> str:
    if "{" in rest or "}" in rest:  # not a template: shown as it is
        return rest
    template, numbers = detail_template(rest)
    # translate() gives the template back (filled) when the catalogue does not know it: the rest as it is.
    return translate(template, lang, CONTEXT, **numbers) if numbers else translate(template, lang, CONTEXT)
