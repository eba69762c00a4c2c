"""The gazetteer: China's county-level names with their city and province.

Read from the administrative-code table that the cpca package ships (`adcodes.csv`), with the
csv module, so a worker never loads pandas for a district lookup. A county name that exists in
several provinces (鼓楼区, 城关镇…) is resolved only when the text names its city or province;
otherwise it stays ambiguous and the caller leaves city and province empty.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import regex

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# County-level names that are also ordinary words of report prose ("城区学校", "矿区").
_COMMON_WORDS = frozenset(
    [
        "市辖区",
        "城区",
        "郊区",
        "矿区",
        "新区",
        "市中区",
        "开发区",
        "老城区",
        "新城区",
        "城关区",
        "和县",
    ]
)


_HAN = regex.compile(r"\p{Han}")
_AUTONOMOUS = regex.compile(r"^(\p{Han}{2}).*?族.*(自治县|自治旗)$")


@dataclass(frozen=True)
class Place:
    """A county-level unit: its own name, its city (the province for municipalities)."""

    name: str
    city: str
    province: str


@dataclass(frozen=True)
class Mention:
    """A county-level name found in a text."""

    start: int
    end: int
    name: str


class Gazetteer:
    def __init__(self, rows: list[tuple[str, str]]) -> None:
        names = {code: name for code, name in rows}
        self.provinces = {names[c] for c in names if c[2:6] == "0000"}
        self.cities = {names[c] for c in names if c[2:6] != "0000" and c[4:6] == "00"}
        self.places: dict[str, list[Place]] = {}
        for code, name in rows:
            if code[4:6] == "00" or name in _COMMON_WORDS:
                continue
            province = names.get(code[:2] + "0" * 10, "")
            city = names.get(code[:4] + "0" * 8)
            if province in MUNICIPALITIES or city in (None, "市辖区", "县"):
                city = province
            elif city.endswith("直辖县级行政区划"):
                city = name  # a county-level city under its province directly
            place = Place(name, city, province)
            for alias in _aliases(name):
                self.places.setdefault(alias, []).append(place)
        # province and city names, longest first: the prefixes a zone's name is read after
        self.parents = tuple(sorted(self.provinces | self.cities, key=len, reverse=True))
        # name lengths by first two characters, longest first: a dict probe per position is
        # far cheaper than a regex alternation of 2,900 names (every name has 2+ characters)
        self._lengths: dict[str, tuple[int, ...]] = {}
        for name in self.places:
            self._lengths[name[:2]] = (*self._lengths.get(name[:2], ()), len(name))
        self._lengths = {k: tuple(sorted(set(v), reverse=True)) for k, v in self._lengths.items()}
        # The characters a name starts with (a quarter of a report's characters): the scan
        # visits only those. The standard library's re, not regex: for a class of ~900 Han
        # characters re's scan is about 8x faster, and a literal class reads the same in both.
        firsts = "".join(sorted({key[0] for key in self._lengths}))
        self._first = re.compile(f"[{re.escape(firsts)}]")

    def find(self, text: str) -> list[Mention]:
        """Every county-level name in the text, longest first at each position, scanning on
        after each name (a name never starts inside another)."""
        found = []
        places, lengths = self.places, self._lengths
        i = 0
        for m in self._first.finditer(text, 0, len(text) - 1):  # a name needs 2 characters
            start = m.start()
            if start < i:
                continue  # inside the name found last
            for size in lengths.get(text[start : start + 2], ()):
                name = text[start : start + size]
                if len(name) == size and name in places:
                    break
            else:
                continue
            # A two-character name (道县, 沛县) must not start inside a word (知道县里).
            if not (size == 2 and start > 0 and _glued(text[start - 1])):
                found.append(Mention(start, start + size, name))
            i = start + size
        return found

    def resolve(self, name: str, context: str = "") -> Place | None:
        """The place a name stands for: unique in the country, or made unique by a city or
        province the context names; None when still ambiguous or unknown."""
        places = self.places.get(name, [])
        if len(places) == 1:
            return places[0]
        named = [p for p in places if p.city in context or _short(p.province) in context]
        return named[0] if len({(p.city, p.province) for p in named}) == 1 else None


def _glued(previous: str) -> bool:
    """A Han character before a two-character name that is neither a place prefix (省, 市, 州)
    nor a word that precedes names (2021年, 关于, 在)."""
    return bool(_HAN.match(previous)) and previous not in "省市州盟区年于在"


_PROVINCE_SUFFIX = regex.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


def _short(province: str) -> str:
    return _PROVINCE_SUFFIX.sub("", province)


def _aliases(name: str) -> list[str]:
    """The name and the short form reports use for autonomous counties: 双江拉祜族佤族布朗族傣族
    自治县 → 双江自治县 (the first two characters, then the suffix)."""
    aliases = [name]
    m = _AUTONOMOUS.match(name)
    if m:
        aliases.append(m.group(1) + m.group(2))
    return aliases


def adcodes_table() -> Path:
    """cpca's adcodes.csv, found without importing cpca: its __init__ builds an address
    matcher this module never uses (about 0.6 s in every process)."""
    spec = find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("cpca is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


@cache
def gazetteer() -> Gazetteer:
    with adcodes_table().open(encoding="utf-8") as fh:
        rows = [(row["adcode"], row["name"]) for row in csv.DictReader(fh)]
    return Gazetteer(rows)
