"""The indicator catalog: names, aliases, units and national thresholds, loaded from data.

Thresholds live in `pipeline/data/catalog.toml` (with their sources named) so that a change of
standard is a data edit, not a code change. Numbers are read as `Decimal` and compared exactly:
a reported 84.96% must fail ">= 85", which binary floats and early rounding cannot promise.
"""

from __future__ import annotations

import hashlib
import operator
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pipeline.data import derived_from, read_data

Op = Literal[">=", "<=", "<", ">", "=="]
Group = Literal["resource", "guarantee", "quality", "recognition", "veto"]

LEVELS = ("primary", "junior", "nine_year", "special", "all")
CONCLUSIONS = ("达标", "整改后达标", "基本达标", "不达标")
DEFAULT_FRAMEWORK = "quality_balance"

_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


def _decimal(value: Any) -> Decimal:
    """Exact Decimal from a TOML/JSON/str number; floats are refused because they are inexact."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | float):
        raise TypeError(f"refusing {value!r}: pass a Decimal, int or str to keep the value exact")
    if isinstance(value, int | str):
        return Decimal(value)
    raise TypeError(f"not a number: {value!r}")


@dataclass(frozen=True)
class Standard:
    """One threshold: `op value unit`, or `op <compare_to>` when the bar is another quantity."""

    op: Op
    value: Decimal | None = None
    unit: str = ""
    compare_to: str | None = None
    label: str = ""

    def check(
        self, value: Decimal | int | str, reference: Decimal | int | str | None = None
    ) -> bool:
        """True when `value` meets the standard, compared exactly (never through float).

        `reference` is the other side for relative standards (208: the civil-servant salary).
        """
        bar = self.value
        if bar is None:
            if reference is None:
                raise ValueError(
                    f"standard compares to {self.compare_to!r}: give a reference value"
                )
            bar = _decimal(reference)
        return _OPS[self.op](_decimal(value), bar)

    def describe(self) -> str:
        """Human-readable form for messages, e.g. '>= 4.2人'."""
        target = self.compare_to if self.value is None else f"{self.value}{self.unit}"
        return f"{self.label + ' ' if self.label else ''}{self.op} {target}"


@dataclass(frozen=True)
class Indicator:
    """One national indicator with everything a stage needs to find and judge it."""

    code: str
    group: Group
    name: str
    short: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    unit: str
    numeric: bool
    per_school: bool
    standards: Mapping[str, Standard] = field(default_factory=dict)
    parts: tuple[Standard, ...] = ()
    note: str = ""
    items: tuple[str, ...] = ()
    # A label read in prose must name one of these words when set: aliases too general on
    # their own (满意度) then need a qualifying word (综合, 社会, 问卷…).
    prose_requires: tuple[str, ...] = ()

    def standard_for(self, level: str) -> Standard | None:
        """The standard for a level, falling back to the all-levels one; None if qualitative."""
        return self.standards.get(level) or self.standards.get("all")


@dataclass(frozen=True)
class Framework:
    """An evaluation method (quality balance 2017/2024, or basic balance 2012)."""

    key: str
    name: str
    source: str
    cv_limit: Mapping[str, Decimal]
    indicators: Mapping[str, Indicator]
    school_rule: str = ""
    scope: str = ""


@dataclass(frozen=True)
class Catalog:
    """All frameworks plus the vocabularies for school levels and self-conclusions."""

    frameworks: Mapping[str, Framework]
    levels: Mapping[str, str]
    conclusions: Mapping[str, str]
    version: str

    def indicator(self, code: str, framework: str = DEFAULT_FRAMEWORK) -> Indicator:
        """Look up an indicator by code; KeyError names the framework when it is missing."""
        try:
            return self.frameworks[framework].indicators[code]
        except KeyError:
            raise KeyError(f"no indicator {code!r} in framework {framework!r}") from None

    def codes(self, framework: str = DEFAULT_FRAMEWORK) -> list[str]:
        """Indicator codes of a framework in catalog order."""
        return list(self.frameworks[framework].indicators)

    def match_conclusion(self, text: str) -> str | None:
        """Canonical self-conclusion named in `text`, by leftmost-longest phrase match.

        Leftmost wins so that "未达到国家标准" is 不达标 and "整改后达标" is not plain 达标.
        """
        best: tuple[int, int, str] | None = None
        for phrase, value in self.conclusions.items():
            at = text.find(phrase)
            if at < 0:
                continue
            key = (at, -len(phrase), value)
            if best is None or key < best:
                best = key
        return best[2] if best else None


def _standard(raw: Mapping[str, Any], unit: str) -> Standard:
    op = raw["op"]
    if op not in _OPS:
        raise ValueError(f"unknown op {op!r}")
    value = raw.get("value")
    compare_to = raw.get("compare_to")
    if (value is None) == (compare_to is None):
        raise ValueError(f"a standard needs exactly one of value / compare_to: {dict(raw)}")
    return Standard(
        op=op,
        value=None if value is None else _decimal(value),
        unit=raw.get("unit", unit),
        compare_to=compare_to,
        label=raw.get("label", ""),
    )


def _indicator(raw: Mapping[str, Any]) -> Indicator:
    unit = raw.get("unit", "")
    standards = {level: _standard(s, unit) for level, s in raw.get("standard", {}).items()}
    unknown = set(standards) - set(LEVELS)
    if unknown:
        raise ValueError(f"indicator {raw['code']}: unknown levels {sorted(unknown)}")
    return Indicator(
        code=raw["code"],
        group=raw["group"],
        name=raw["name"],
        short=raw["short"],
        aliases=tuple(raw.get("aliases", ())),
        keywords=tuple(raw.get("keywords", ())),
        unit=unit,
        numeric=raw["numeric"],
        per_school=raw["per_school"],
        standards=standards,
        parts=tuple(_standard(p, unit) for p in raw.get("parts", ())),
        note=raw.get("note", ""),
        items=tuple(raw.get("items", ())),
        prose_requires=tuple(raw.get("prose_requires", ())),
    )


def _framework(key: str, raw: Mapping[str, Any]) -> Framework:
    indicators: dict[str, Indicator] = {}
    for item in raw["indicators"]:
        ind = _indicator(item)
        if ind.code in indicators:
            raise ValueError(f"duplicate indicator code {ind.code} in {key}")
        indicators[ind.code] = ind
    return Framework(
        key=key,
        name=raw["name"],
        source=raw["source"],
        cv_limit={level: _decimal(v) for level, v in raw["cv_limit"].items()},
        indicators=indicators,
        school_rule=raw.get("school_rule", ""),
        scope=raw.get("scope", ""),
    )


def parse_catalog(data: bytes) -> Catalog:
    """Build a Catalog from TOML bytes (separate from loading so tests can feed variants)."""
    raw = tomllib.loads(data.decode("utf-8"), parse_float=Decimal)
    conclusions: dict[str, str] = {}
    for value, phrases in raw["conclusions"].items():
        if value not in CONCLUSIONS:
            raise ValueError(f"unknown conclusion value {value!r}")
        for phrase in phrases:
            if conclusions.get(phrase, value) != value:
                raise ValueError(f"conclusion phrase {phrase!r} mapped twice")
            conclusions[phrase] = value
    levels = dict(raw["levels"])
    bad = {w: lv for w, lv in levels.items() if lv not in LEVELS}
    if bad:
        raise ValueError(f"unknown levels in [levels]: {bad}")
    return Catalog(
        frameworks={key: _framework(key, fw) for key, fw in raw["frameworks"].items()},
        levels=levels,
        conclusions=conclusions,
        version=hashlib.sha256(data).hexdigest()[:12],
    )


def catalog_bytes() -> bytes:
    """The packaged catalog.toml, read through importlib.resources so it works when installed."""
    return read_data("catalog.toml")


@derived_from("catalog.toml")
def load_catalog() -> Catalog:
    """The packaged catalog, parsed once per process."""
    return parse_catalog(catalog_bytes())
