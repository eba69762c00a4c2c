"""Recognise numbers with their units, magnitudes and qualifiers in normalised report text.

The recogniser is deliberately suspicious: years, dates, document numbers (教督〔2017〕6号),
indicator numbers (指标101), list enumerators, phone and index numbers, and text damaged by
crawling ("2025911", "〔20225号", "3100%") are masked first and never become quantities.
Values are kept as `Decimal` with the number of decimals written, because a reported "88.9"
stands for the interval [88.85, 88.95), not for the float 88.9.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

import regex

from pipeline.data import lexicon
from pipeline.extract.fold import GLOSS

CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
# A numeral of one character, as cn2an reads it (tests/test_quantities.py checks every one):
# reports mostly write one (五所, 两项, 百分之百's 百), and importing cn2an costs ~0.2 s.
_ONE_CHARACTER = {
    **{ch: Decimal(i) for i, ch in enumerate("零一二三四五六七八九")},
    "〇": Decimal(0),
    "两": Decimal(2),
    "十": Decimal(10),
}
_NOT_A_NUMERAL = frozenset("百千万亿点")  # alone, cn2an refuses them

_LEXICON = lexicon()
# Units (longest first), the units a Chinese numeral may carry, and the qualifiers before and
# after a number with the direction of the bound each states: pipeline/data/lexicon.toml.
# Traditional unit characters → simplified ones (萬元 is read as 万元).
TRADITIONAL = str.maketrans({pair[0]: pair[1] for pair in _LEXICON["units"]["traditional"]})
_SIMPLIFIED = {pair[1]: pair[0] for pair in _LEXICON["units"]["traditional"]}
UNITS = list(_LEXICON["units"]["all"])
# Every unit also in its traditional spelling; `_build` stores the simplified one.
_UNIT_SPELLINGS = UNITS + [
    spelled
    for unit in UNITS
    if (spelled := "".join(_SIMPLIFIED.get(ch, ch) for ch in unit)) != unit
]
CN_UNITS = set(_LEXICON["units"]["chinese_numeral"])
PER_SUFFIX = r"(?:/(?:生/年|生·年|人/年|生|人|班|校|年|平方米))"
QUALIFIERS_BEFORE = list(_LEXICON["qualifiers"]["before"])
QUALIFIERS_AFTER = list(_LEXICON["qualifiers"]["after"])
# qualifier → direction of the bound it states: ">=" lower bound, "<=" upper bound, "~" approximate
QUALIFIER_SENSE = dict(_LEXICON["qualifiers"]["sense"])

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN = rf"[{CN_DIGITS}点]+"
# Financial capitals (壹仟玖佰圆整), traditional forms included.
_CAPITALS = "零壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億"
_COUNT = rf"\d+|[{CN_DIGITS}]+"
# Mixed forms read as one quantity: "1万600人", "100万三千元" (a count under 万 after it), and
# money in 元角分 or in capitals: "123元1角1分", "壹仟玖佰圆整".
_COMPOUND = regex.compile(
    rf"""
    (?<![\d.{CN_DIGITS}])
    (?:
        (?P<high>{_COUNT})万(?P<low>\d{{1,4}}|[{CN_DIGITS}]+)
        (?P<unit>人次|平方米|人|元|所|个|名|册|台|间|亩|户)
      | (?P<yuan>\d+|[{CN_DIGITS}{_CAPITALS}]+)[元圆]
        (?:(?P<jiao>[\d{CN_DIGITS}{_CAPITALS}])角)?(?:(?P<fen>[\d{CN_DIGITS}{_CAPITALS}])分)?
        (?P<whole>整)?
    )
    """,
    regex.X,
)


class _computed_once:
    """A property computed on first read and then kept in the instance dict, which shadows it
    (functools.cached_property does the same under a lock, which costs more than the value)."""

    def __init__(self, compute: Callable) -> None:
        self.compute, self.name = compute, compute.__name__

    def __get__(self, instance: object, owner: type | None = None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Quantity:
    """A number as reported: its exact value, precision, unit, qualifier and span."""

    start: int
    end: int
    raw: str
    value: Decimal
    decimals: int
    unit: str
    qualifier: str | None = None
    ratio: tuple[Decimal, ...] | None = None

    # kind and base_unit are read about 1,000 and 750 times a document: computed once each
    # (kept in the instance dict, outside the fields that eq and hash see)
    @_computed_once
    def kind(self) -> str:
        if self.ratio:
            return "ratio"
        if self.unit in ("%", "‰", "成"):
            return "percent"
        if self.unit.endswith("元") or self.unit.startswith(("元", "万元", "亿元")):
            return "amount"
        return "count" if self.unit else "plain"

    @property
    def exact(self) -> bool:
        """No qualifier widens or bounds it (达到 only asserts the value)."""
        return self.qualifier in (None, "达到")

    @property
    def scale(self) -> Decimal:
        """Factor to base units: 万 → 10⁴, 亿 → 10⁸."""
        if self.unit.startswith("亿"):
            return Decimal(10) ** 8
        if self.unit.startswith("万"):
            return Decimal(10) ** 4
        if self.unit.startswith("千"):
            return Decimal(1000)
        return Decimal(1)

    @_computed_once
    def base_unit(self) -> str:
        return self.unit.lstrip("万亿千") or self.unit

    @property
    def half_step(self) -> Decimal:
        """Half of the last reported digit: the rounding tolerance of the value."""
        return Decimal(5) * Decimal(10) ** (-self.decimals - 1)

    def interval(self) -> tuple[Decimal, Decimal]:
        """The values (in the quantity's own unit) that could have been reported this way."""
        return self.value - self.half_step, self.value + self.half_step


@dataclass(frozen=True)
class Mask:
    start: int
    end: int
    reason: str


# Each mask: (reason, pattern, scan). Masks of one scan are searched as one alternation (those
# led by digits, those led by a bracket or 指标/第): one pass over the text instead of one per
# mask. A mask whose scan is "" searches alone: in an alternation the lookbehind, the line
# start and the Han run before 发 were tried at every character.
_MASKS: tuple[tuple[str, str, str], ...] = (
    # 教督〔2017〕6号, 渝府教督发〔2022〕5号, [2016]306号, damaged 〔20225号
    ("doc_number", r"[〔\[［【]\s*(?:19|20)\d{2}\s*[〕\]］】]\s*\d+\s*号?", "marks"),
    ("doc_number", r"[〔\[［]\s*\d{4,7}\s*号", "marks"),
    ("doc_number", r"\p{Han}{1,8}发\s*(?:19|20)\d{2,6}(?:\s*\d+)?\s*号?", ""),
    ("doc_number", r"(?<=函|发|字|办|令)\s*(?:19|20)\d{2}\s*\d+\s*号", ""),
    ("title", r"《[^《》\n]{1,80}》", ""),
    (
        "date",
        r"(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?",
        "digits",
    ),
    ("date", r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月份?", "digits"),
    ("date", r"(?<![\d.])\d{1,2}\s*月\s*\d{1,2}\s*[日号]", "digits"),
    ("date", r"(?<![\d.])\d{1,2}\s*月份?(?=[^\d%]|$)(?!\s*\d)", "digits"),
    (
        "date",
        r"(?<![\d.])(?:19|20)\d{2}\s*[-—–~至到]\s*(?:19|20)?\d{2}\s*(?:年度?|学年)?",
        "digits",
    ),
    ("date", r"(?<![\d.])(?:19|20)\d{2}\s*(?:年度?|学年|届|级|版|秋季?|春季?)", "digits"),
    ("date", r"(?<![\d.])(?:19|20)\d{4,6}(?=\s*日)", "digits"),
    ("time", r"(?<![\d.:])\d{1,2}:\d{2}(?::\d{2})?(?![\d.])", "digits"),
    (
        "indicator_no",
        rf"(?:指标|第)\s*[\d{CN_DIGITS}]+(?:\s*[项条款章节次届个批期号部分轮年名位])?",
        "marks",
    ),
    ("enumerator", rf"^\s*[\d{CN_DIGITS}]{{1,3}}\s*[、.](?!\d)", ""),  # ^: a line start
    ("enumerator", rf"[（(]\s*[\d{CN_DIGITS}]{{1,3}}\s*[)）]", "marks"),
    ("enumerator", r"[①-⒛]", ""),  # ①-⑳ ⑴-⒇ ⒈-⒛: one range, scanned far faster than three
    ("phone", r"(?<!\d)0\d{2,3}[-—]\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)", "digits"),
    (
        "code",
        r"(?<![\d.])\d{12,}\w*|[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+){2,}|\d+[A-Za-z]{1,}[\w-]*|[A-Za-z]+\d[\w.]*",
        "digits",
    ),
    ("version", r"(?<![\d.])\d+\.\d+(?=\s*(?:版|时代|工程|培训|平台|系统))", "digits"),
)

_DECIMAL_TAIL = regex.compile(r"\s*\.\d")
_RATIO_COLON = regex.compile(r"\s*[:：]\s*")


@cache
def _mask_scans() -> tuple[tuple[regex.Pattern, tuple[int, ...]], ...]:
    """One pattern per scan: its masks as capturing groups in `_MASKS` order (a mask's own
    pattern has none), and which masks they are. MULTILINE for all (the enumerator's ^)."""
    scans: dict[str, list[int]] = {}
    for i, (_, _, scan) in enumerate(_MASKS):
        scans.setdefault(scan or f"alone {i}", []).append(i)
    return tuple(
        (regex.compile("|".join(f"({_MASKS[i][1]})" for i in members), regex.M), tuple(members))
        for members in scans.values()
    )


def masks(text: str) -> list[Mask]:
    """Spans that must never yield a quantity, with the reason (for tests and debugging).

    The same spans as one alternation of `_MASKS` scanned left to right (at each position the
    first mask that matches, the scan going on after it): each scan searches on its own, its
    next match queued by (start, mask number), so a tie goes to the mask listed first."""
    scans = _mask_scans()
    upcoming = []
    for k, (pattern, members) in enumerate(scans):
        if (m := pattern.search(text)) is not None:
            upcoming.append((m.start(), members[m.lastindex - 1], k, m))
    heapq.heapify(upcoming)
    found: list[Mask] = []
    pos = 0
    while upcoming:
        start, i, k, m = heapq.heappop(upcoming)
        if start >= pos:  # else overlapped by the mask just taken: searched on past it
            found.append(Mask(start, m.end(), _MASKS[i][0]))
            pos = m.end()
        pattern, members = scans[k]
        m = pattern.search(text, pos)
        if m is not None:
            heapq.heappush(upcoming, (m.start(), members[m.lastindex - 1], k, m))
    return found


def _alternation(words: list[str] | set[str]) -> str:
    return "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _quantity_pattern() -> regex.Pattern:
    """A number with its unit, magnitude and the qualifiers after it. The qualifier before it is
    looked for backwards from each match (`_lead`): as an optional group leading the pattern it
    was tried at every character, half the pattern's time."""
    after = _alternation(QUALIFIERS_AFTER)
    units = _alternation(_UNIT_SPELLINGS)
    cn_units = _alternation(CN_UNITS)
    return regex.compile(
        rf"""
        (?:
            百分之(?P<cnpct>{_CN})
          | (?P<ratio>{_NUM}(?:\s*[:：]\s*{_NUM})+)
          | (?P<sign>(?<=\p{{Han}})-)?(?P<num>{_NUM})(?:。(?P<frac>\d{{1,2}})(?=\s*(?:平方|万|亿|元|%|人|所|个|米)))?
            \s*(?P<mag>[万亿千萬億](?!米))?\s*(?P<after1>余|多)?\s*(?P<unit>{units})?
          | (?<![第星周])(?P<cn>{_CN})\s*(?P<after2>余|多)?\s*(?P<cnunit>成|{cn_units})
        )
        (?P<per>{PER_SUFFIX})?
        (?P<after>{after})?
        """,
        regex.X,
    )


@cache
def _group_names(pattern: regex.Pattern) -> tuple[str, ...]:
    """The pattern's group names in group order (every group of it is named)."""
    return tuple(sorted(pattern.groupindex, key=pattern.groupindex.__getitem__))


def find_quantities(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Every quantity in text[start:end] outside masked spans, in order. Pinyin glosses that
    mirror sites add after characters ("1600余萬(wàn)元") are read around, spans kept."""
    end = len(text) if end is None else end
    segment = text[start:end]
    if "(" in segment and GLOSS.search(segment):
        folded, origin = _without_glosses(segment)
        return [_mapped(q, origin, start) for q in _find(folded)]
    return [_shift(q, start) for q in _find(segment)]


def _without_glosses(text: str) -> tuple[str, list[int]]:
    """The text without glosses, and for each of its characters the offset it came from."""
    kept, origin, last = [], [], 0
    for m in GLOSS.finditer(text):
        kept.append(text[last : m.start()])
        origin += range(last, m.start())
        last = m.end()
    kept.append(text[last:])
    origin += range(last, len(text))
    return "".join(kept), origin


def _mapped(q: Quantity, origin: list[int], offset: int) -> Quantity:
    start, end = origin[q.start] + offset, origin[q.end - 1] + 1 + offset
    return Quantity(start, end, q.raw, q.value, q.decimals, q.unit, q.qualifier, q.ratio)


def _find(segment: str) -> list[Quantity]:
    blocked = masks(segment)
    compounds = _compounds(segment, blocked)
    masked = blocked + [Mask(q.start, q.end, "compound") for q in compounds]
    # masks and compounds do not overlap (compounds skip masks): sorted, their ends ascend too
    taken = sorted(masked, key=lambda b: b.start)
    taken_ends = [b.end for b in taken]
    quantities = list(compounds)
    previous_end = 0
    pattern = _quantity_pattern()
    names = _group_names(pattern)
    for m in pattern.finditer(segment):
        g = dict(zip(names, m.groups(), strict=True))  # 3x faster than the regex groupdict()
        lead, g["before"] = _lead(segment, previous_end, m.start())
        previous_end = m.end()
        if not (g["num"] or g["cn"] or g["cnpct"] or g["ratio"]):
            continue
        core = _core_span(m, g, names)
        first = bisect_right(taken_ends, core[0])  # the first span ending after the core starts
        if first < len(taken) and taken[first].start < core[1]:
            continue
        q = _build(m, g, core, segment, lead)
        if q is not None:
            quantities.append(q)
    return sorted(quantities, key=lambda q: q.start) if compounds else quantities


_BEFORE_LONGEST_FIRST = sorted(QUALIFIERS_BEFORE, key=len, reverse=True)
_BEFORE_LAST_CHARACTERS = frozenset(word[-1] for word in QUALIFIERS_BEFORE)
_LEAD = regex.compile(rf"(?:(?P<before>{_alternation(QUALIFIERS_BEFORE)})\s*|\s+)\Z")


def _lead(text: str, floor: int, start: int) -> tuple[int, str | None]:
    """Where a match of the main pattern would start with the qualifier before its number
    (约3万人, 不低于 95%) taken in, and that qualifier: the earliest offset from floor (the last
    match's end) that text[offset:start] is a qualifier and spaces, or spaces alone."""
    if start == floor:
        return start, None
    last = text[start - 1]
    if last in _BEFORE_LAST_CHARACTERS:  # no space between: the longest qualifier ending here
        for word in _BEFORE_LONGEST_FIRST:
            if start - len(word) >= floor and text.startswith(word, start - len(word)):
                return start - len(word), word
        return start, None
    if last.isspace():  # str.isspace covers every character the pattern's \s matches
        m = _LEAD.search(text, floor, start)
        if m is not None:
            return m.start(), m["before"]
    return start, None


def _compounds(text: str, blocked: list[Mask]) -> list[Quantity]:
    """The mixed forms of `_COMPOUND` outside masked spans (plain 元 amounts are left to the
    main pattern: only a 角/分 part, capitals or 整 make a compound)."""
    found = []
    for m in _COMPOUND.finditer(text):
        if any(b.start < m.end() and m.start() < b.end for b in blocked):
            continue
        q = _wan_count(m) if m["high"] else _money(m)
        if q is not None:
            found.append(q)
    return found


def _wan_count(m: regex.Match) -> Quantity | None:
    high, low = _count_value(m["high"]), _count_value(m["low"])
    if high is None or low is None or low >= 10_000:
        return None
    value = high * 10_000 + low
    return Quantity(m.start(), m.end(), m.group(), value, 0, m["unit"])


def _money(m: regex.Match) -> Quantity | None:
    capitals = any(ch in _CAPITALS for ch in m["yuan"])
    if not (m["jiao"] or m["fen"] or capitals or m["whole"]):
        return None
    yuan = _count_value(m["yuan"])
    jiao = _count_value(m["jiao"]) if m["jiao"] else Decimal(0)
    fen = _count_value(m["fen"]) if m["fen"] else Decimal(0)
    if yuan is None or jiao is None or fen is None:
        return None
    decimals = 2 if m["fen"] else 1 if m["jiao"] else 0
    value = yuan + jiao / 10 + fen / 100
    return Quantity(m.start(), m.end(), m.group(), value, decimals, "元")


def _count_value(raw: str) -> Decimal | None:
    return _decimal(raw) if raw.isdigit() else _cn_value(raw)


def _core_span(m: regex.Match, g: dict, names: tuple[str, ...]) -> tuple[int, int]:
    """Where the number itself is (its sign included), without units and qualifiers. Read
    from the match's spans by group number: a lookup by name costs the regex module 4x more."""
    spans = m.regs  # spans[0] is the whole match, spans[k] group k
    for group in ("num", "cn", "cnpct", "ratio"):
        if g[group]:
            first = "sign" if group == "num" and g["sign"] else group
            return spans[names.index(first) + 1][0], spans[names.index(group) + 1][1]
    return m.start(), m.end()


def _shift(q: Quantity, offset: int) -> Quantity:
    if not offset:
        return q
    return Quantity(
        q.start + offset, q.end + offset, q.raw, q.value, q.decimals, q.unit, q.qualifier, q.ratio
    )


def _build(m: regex.Match, g: dict, core: tuple[int, int], text: str, lead: int) -> Quantity | None:
    """The quantity of one match of the main pattern (`g` its groups, `core` its number, `lead`
    where its qualifier before or the spaces before its number start)."""
    if g["ratio"]:
        return _ratio(m, g, text, lead)
    if g["cnpct"]:
        value = _cn_value(g["cnpct"])
        unit, raw, decimals = "%", g["cnpct"], 0
    elif g["cn"]:
        value = _cn_value(g["cn"])
        unit = g["cnunit"]
        raw, decimals = g["cn"], 0
        if unit == "成" and value is not None:
            value, unit, decimals = value * 10, "%", -1
    else:
        raw = g["num"] + (f".{g['frac']}" if g["frac"] else "")
        value = _decimal(raw.replace(",", ""))
        unit = ((g["mag"] or "") + (g["unit"] or "")).translate(TRADITIONAL)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        if not _plausible_arabic(core, g, text, raw, unit):
            return None
        if g["sign"]:  # "增长-9.41%": a negative rate; a minus elsewhere is a dash
            if unit not in ("%", "个百分点") or value is None:
                return None
            raw, value = "-" + raw, -value
    if value is None:
        return None
    unit += g["per"] or ""
    qualifier = g["after"] or g["after1"] or g["after2"] or g["before"]
    start = lead if g["before"] and not (g["after"] or g["after1"] or g["after2"]) else core[0]
    if unit == "%" and value >= 1000:
        return None  # "3100%": a crawl dropped 个 from 3个100%
    return Quantity(start, m.end(), raw, value, decimals, unit, qualifier)


def _plausible_arabic(core: tuple[int, int], g: dict, text: str, raw: str, unit: str) -> bool:
    """Reject digits glued to letters or other digits, and unit-less integers (`core`: the
    number with its sign)."""
    s, e = core
    prev = text[s - 1] if s > 0 else ""
    nxt = text[e] if e < len(text) else ""
    if prev.isascii() and (prev.isalnum() or prev in "./-") and prev != "":
        return False
    if not unit and (nxt.isascii() and nxt.isalpha()):
        return False
    if unit:
        return True
    # unit-less: coefficients and indices ("差异系数为0.24") — a decimal, not a code or version
    return "." in raw and not _DECIMAL_TAIL.match(text[e:])


def _ratio(m: regex.Match, g: dict, text: str, lead: int) -> Quantity | None:
    parts = [_decimal(p.replace(",", "")) for p in _RATIO_COLON.split(g["ratio"])]
    if any(p is None for p in parts):
        return None
    context = text[max(0, lead - 8) : lead]
    if "比" not in context and parts[0] != 1:
        return None
    value = parts[-1] / parts[0] if len(parts) == 2 and parts[0] else parts[-1]
    last = g["ratio"].split(":")[-1].split("：")[-1]
    decimals = len(last.split(".")[1]) if "." in last else 0
    return Quantity(
        m.start("ratio"), m.end("ratio"), g["ratio"], value, decimals, "", None, tuple(parts)
    )


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _cn_value(raw: str) -> Decimal | None:
    """Chinese numerals through cn2an, converted via str so no float error survives; a single
    character is read from `_ONE_CHARACTER`, and cn2an is imported only for longer numerals."""
    if raw in _ONE_CHARACTER:
        return _ONE_CHARACTER[raw]
    if raw in _NOT_A_NUMERAL:
        return None
    import cn2an

    try:
        value = cn2an.cn2an(raw, "smart")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return _decimal(repr(value) if isinstance(value, float) else str(value))
