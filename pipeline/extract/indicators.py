"""Map a report's indicator blocks to national indicator codes and read their values.

Reports number indicators in many ways (指标一… restarting in each section, 指标101, (1), 第X项)
or state them in running prose. Codes are found by meaning — the block title against the
catalog's names and aliases, by containment or by the share of a name's jieba words the title
holds — never by position. Inside a
block we read the value per level, the standard the report quotes, how many schools meet it,
the between-school coefficients of variation, and the report's own conclusion.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from pipeline.catalog import Catalog, Indicator, load_catalog
from pipeline.document import Document
from pipeline.extract.figures import Figure
from pipeline.extract.school_counts import complete_school_counts, own_clause, school_count
from pipeline.extract.sections import Section, section_at
from pipeline.extract.text import bracket_depth
from pipeline.extract.words import name_words

_TEACHING_POINT = regex.compile(r"教学点|校点")
_RUN_GAP = regex.compile(r"\s*[、，,和及]\s*")

GROUP_WORDS = {
    "resource": ("资源配置",),
    "guarantee": ("政府保障",),
    "quality": ("教育质量", "质量"),
    "recognition": ("社会认可",),
    "veto": ("一票否决",),
}
MIN_MATCH = 0.6
# Words every indicator heading shares; they say nothing about which indicator it is.
GENERIC_TOKENS = frozenset(
    [
        "指标",
        "情况",
        "达标",
        "标准",
        "学校",
        "比例",
        "全县",
        "全区",
        "县域",
        "要求",
        "达到",
        "所有",
        "评估",
        "完成",
        "义务教育",
    ]
)
_CODE_REF = regex.compile(r"指标\s*(\d{3})")
_CONCLUSION = regex.compile(
    r"(?:自评|评估|自查)?结论\s*(?:为|是)?\s*[:：]?\s*[“\"]?(?P<c>[^。；;\n）)”\"]{1,20})|[（(]\s*(?P<p>自评[^）)]{1,10})[)）]"
)
_COMBINED = regex.compile(r"(?:上述|以上|这)\s*(?:\d+|[七八])\s*项")
_CV_LABEL = regex.compile(r"差异系数|差异率")
_SCHOOL_RATIO = regex.compile(r"达标(?:比例|率)|占比|比例")
_STANDARD_WORDS = regex.compile(
    r"不低于|不少于|不超过|不高于|不小于|不大于|达到|以上|以下|以内|≥|≤|分别不"
)


@dataclass
class IndicatorValue:
    """What a report says about one indicator at one level."""

    code: str
    level: str
    start: int
    end: int
    value: Figure | None = None
    stated_standard: Figure | None = None
    schools_total: int | None = None
    schools_meeting: int | None = None
    schools_basic: int = 0
    schools_unmet: int = 0
    schools_span: tuple[int, int] | None = None  # where the 达标 count is stated
    school_ratio: Figure | None = None
    cv: dict[str, Figure] = field(default_factory=dict)
    self_conclusion: str | None = None
    conclusion_span: tuple[int, int] | None = None
    cv_combined: bool = False


Tokenize = Callable[[str], tuple[str, ...]]


# Codes already matched, by (title, catalog version, group, tokenizer): the same headings recur
# in report after report. Bounded, so that a long batch does not grow it without end.
_MATCHED: dict[tuple, str | None] = {}
_MATCHED_MAX = 4096


def match_code(title: str, catalog: Catalog, group: str | None, tokenize: Tokenize) -> str | None:
    """The catalog code whose name or alias best matches a block title (None below MIN_MATCH)."""
    key = (title, catalog.version, group, tokenize)
    if key not in _MATCHED:
        if len(_MATCHED) >= _MATCHED_MAX:
            _MATCHED.clear()
        _MATCHED[key] = _best_code(title, catalog, group, tokenize)
    return _MATCHED[key]


def _best_code(title: str, catalog: Catalog, group: str | None, tokenize: Tokenize) -> str | None:
    explicit = [
        c for c in _CODE_REF.findall(title) if c in catalog.frameworks["quality_balance"].indicators
    ]
    if explicit:
        return explicit[0]
    indicators = [
        indicator
        for indicator in catalog.frameworks["quality_balance"].indicators.values()
        if not group or indicator.group == group
    ]
    # jieba's words of a title are pieces of it, so the catalog words the title contains bound
    # each overlap from above: a name held outright, or a best bound below MIN_MATCH, settles
    # the match without segmenting the title (most headings; jieba's dictionary costs ~0.6 s).
    best, best_score = _best_name(title, None, indicators)
    if MIN_MATCH <= best_score <= 1.0:
        best, best_score = _best_name(title, set(tokenize(title)) - GENERIC_TOKENS, indicators)
    return best if best_score >= MIN_MATCH else None


def _best_name(
    title: str, title_tokens: set[str] | None, indicators: list[Indicator]
) -> tuple[str | None, float]:
    best, best_score = None, 0.0
    for indicator in indicators:
        score = _name_score(title, title_tokens, indicator)
        if score > best_score:
            best, best_score = indicator.code, score
    return best, best_score


def _name_score(title: str, title_tokens: set[str] | None, indicator: Indicator) -> float:
    """Above 1 when the title holds a name outright (longer names score higher), else the
    largest share of a name's words among `title_tokens` — or, when None, among the pieces
    of the title (an upper bound of the share among its jieba words)."""
    names, token_sets = _name_words(indicator.name, indicator.short, indicator.aliases)
    longest = max((len(n) for n in names if n in title), default=0)
    if longest:
        return 1.0 + longest / 100  # longer alias wins ties
    if title_tokens is None:
        return max((sum(w in title for w in t) / len(t) for t in token_sets), default=0.0)
    return max((len(t & title_tokens) / len(t) for t in token_sets), default=0.0)


@lru_cache(maxsize=1024)
def _name_words(
    name: str, short: str, aliases: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """An indicator's names of 2+ characters and their telling words, built once per process:
    every heading of every document is scored against them."""
    names = (name, short, *aliases)
    token_sets = (frozenset(t for t in name_words(n) if len(t) > 1) - GENERIC_TOKENS for n in names)
    return tuple(n for n in names if len(n) >= 2), tuple(t for t in token_sets if t)


def block_group(section: Section | None) -> str | None:
    """The indicator group a section's ancestors name (资源配置 → resource…)."""
    node = section.parent if section else None
    while node is not None:
        for group, words in GROUP_WORDS.items():
            if any(w in node.title for w in words):
                return group
        node = node.parent
    return None


def extract_indicators(
    doc: Document, sections: list[Section], figures: list[Figure], tokenize: Tokenize
) -> list[IndicatorValue]:
    """Indicator values from indicator blocks, then from prose outside them."""
    catalog = load_catalog()
    results: list[IndicatorValue] = []
    covered: list[tuple[int, int]] = []
    by_start = sorted(range(len(figures)), key=lambda i: figures[i].start)
    starts = [figures[i].start for i in by_start]
    for section in sections:
        codes = _section_codes(doc, section, catalog, tokenize)
        if not codes:
            continue
        covered.append((section.start, section.end))
        inside = by_start[bisect_left(starts, section.start) : bisect_left(starts, section.end)]
        block_figures = [figures[i] for i in sorted(inside)]  # in the figures' own order
        title_end = section.body_start
        for code in codes:
            results.extend(_read_block(doc, section, title_end, code, block_figures, catalog))
    results.extend(_prose_indicators(doc, figures, covered, catalog))
    _apply_combined_cv(doc, results, figures, sections)
    return merge_indicators(results)


def _section_codes(
    doc: Document, section: Section, catalog: Catalog, tokenize: Tokenize
) -> list[str]:
    """Codes a section is about: explicit 指标101 references, or its title matched by meaning."""
    head = doc.text[section.start : section.body_start + 1]
    known = catalog.frameworks["quality_balance"].indicators
    explicit = [
        c
        for c in _CODE_REF.findall(doc.text[section.start : _first_sentence_end(doc, section)])
        if c in known
    ]
    if explicit:
        return list(dict.fromkeys(explicit))
    group = block_group(section)
    code = match_code(section.title or head, catalog, group, tokenize)
    if code is None:
        return []
    if section.level >= 5:
        return [code]
    # A numbered heading of another style (（1）, 1.) names an indicator when it holds its
    # name outright under a group section, or names social recognition / the veto items.
    holds_name = _name_score(section.title, set(), known[code]) >= 1.0
    if holds_name and (group is not None or known[code].group in ("recognition", "veto")):
        return [code]
    return []


def _first_sentence_end(doc: Document, section: Section) -> int:
    return min(doc.sentence_at(section.start).end + 1, section.end)


def _read_block(
    doc: Document,
    section: Section,
    title_end: int,
    code: str,
    figures: list[Figure],
    catalog: Catalog,
) -> list[IndicatorValue]:
    indicator = catalog.indicator(code)
    text = doc.text
    conclusion, span = _conclusion(text, section.start, section.end, catalog)
    by_level: dict[str, IndicatorValue] = {}

    def entry(level: str) -> IndicatorValue:
        if level not in by_level:
            by_level[level] = IndicatorValue(code, level, section.start, section.end)
        return by_level[level]

    previous_role: str | None = None
    previous_fig: Figure | None = None
    for fig in figures:
        if fig.is_target or (fig.quantity.unit != "%" and _in_parentheses(text, fig)):
            continue
        if _is_cv(text, fig):
            if (
                indicator.group == "resource"
                and fig.level in ("primary", "junior")
                and not fig.is_standard
            ):
                entry("all").cv.setdefault(fig.level, fig)
            continue
        if fig.is_standard or (
            fig.start < title_end and _STANDARD_WORDS.search(own_clause(text, fig))
        ):
            if _unit_fits(fig, indicator) and (
                fig.level in indicator.standards or fig.level == "all"
            ):
                entry(fig.level).stated_standard = entry(fig.level).stated_standard or fig
            continue
        if _restates_standard(fig, indicator):
            entry(fig.level).stated_standard = entry(fig.level).stated_standard or fig
            continue
        if _is_school_count(fig):
            previous_role = school_count(text, fig, entry, previous_role, previous_fig)
            previous_fig = fig
            continue
        if fig.quantity.unit == "%" and _is_school_ratio(fig, figures):
            entry(fig.level).school_ratio = entry(fig.level).school_ratio or fig
            continue
        if _is_value(text, fig, indicator):
            for level in _value_levels(text, fig, indicator, figures):
                target = entry(level)
                if target.value is None or _same_run(text, target.value, fig):
                    target.value = fig
    if not by_level and conclusion:
        entry("all")
    for item in by_level.values():
        item.self_conclusion, item.conclusion_span = conclusion, span
    complete_school_counts(by_level)
    return list(by_level.values())


def _unit_fits(fig: Figure, indicator: Indicator) -> bool:
    unit = fig.quantity.unit
    if not indicator.unit:
        return False
    return unit == indicator.unit or unit.lstrip("万亿千").startswith(indicator.unit)


def _is_cv(text: str, fig: Figure) -> bool:
    """A coefficient of variation: a unit-less fraction after 差异系数 in its sentence."""
    q = fig.quantity
    return (
        not q.unit
        and not q.ratio
        and q.value < 1
        and bool(_CV_LABEL.search(text, fig.sentence.start, fig.start))
    )


def _in_parentheses(text: str, fig: Figure) -> bool:
    """An aside in parentheses (不含2个50人以下教学点) is never a headline figure."""
    return bracket_depth(text, fig.sentence.start, fig.start) > 0


def _is_school_count(fig: Figure) -> bool:
    unit = fig.quantity.unit
    return unit == "所" or (unit == "个" and _TEACHING_POINT.search(fig.label) is not None)


def _is_value(text: str, fig: Figure, indicator: Indicator) -> bool:
    """A statement of the indicator's own quantity, not a count that qualifies a noun."""
    if not indicator.numeric or not indicator.standards or not _unit_fits(fig, indicator):
        return False  # composite items (音美专用教室) have no single value to read
    if text[fig.end : fig.end + 1] == "的":
        return False  # "超过2000人的小学2所": the number describes schools
    return _plausible(fig, indicator)


def _restates_standard(fig: Figure, indicator: Indicator) -> bool:
    """ "均未超过2000人": a bound equal to a national threshold restates the standard."""
    q = fig.quantity
    if q.exact or not _unit_fits(fig, indicator):
        return False
    return any(s.value == q.value * q.scale for s in indicator.standards.values() if s.value)


def _plausible(fig: Figure, indicator: Indicator) -> bool:
    """Within a factor of ten of the national standard: 4.96人 per hundred students can be
    indicator 101, the 1493 teachers of the district cannot."""
    bars = [s.value for s in indicator.standards.values() if s.value]
    if not bars or fig.quantity.unit == "%":
        return True
    value = fig.quantity.value * fig.quantity.scale
    return min(bars) / 10 <= value <= max(bars) * 10


def _value_levels(text: str, fig: Figure, indicator: Indicator, figures: list[Figure]) -> list[str]:
    """Levels a value speaks for: "小学、初中…均达100%" names both."""
    if {"primary", "junior"} <= set(indicator.standards):
        clause = text[fig.sentence.start : fig.start]
        if _BOTH_LEVELS.search(clause):
            return ["primary", "junior"]
    return [_value_level(fig, indicator, figures)]


def _value_level(fig: Figure, indicator: Indicator, figures: list[Figure]) -> str:
    """Level of a value; an unlabelled value next to a labelled sibling takes the other level."""
    if set(indicator.standards) <= {"all"}:
        return "all"
    if fig.level != "all" or not ({"primary", "junior"} <= set(indicator.standards)):
        return fig.level
    siblings = {
        f.level
        for f in figures
        if f.sentence == fig.sentence and f is not fig and f.quantity.unit == fig.quantity.unit
    }
    if siblings == {"junior"}:
        return "primary"
    if siblings == {"primary"}:
        return "junior"
    return "all"


def _same_run(text: str, first: Figure, later: Figure) -> bool:
    """Values listed as a run (分别为21.5%、21.6%、27.4%): the last one is the latest."""
    gap = text[first.end : later.start]
    return _RUN_GAP.fullmatch(gap) is not None and first.label == later.label


def _is_school_ratio(fig: Figure, figures: list[Figure]) -> bool:
    """ "达标学校22所……达标比例95.7%": a share of schools, not the indicator's value."""
    if not _SCHOOL_RATIO.search(fig.label):
        return False
    before = [f for f in figures if f.sentence == fig.sentence and f.end <= fig.start]
    return "达标" in fig.label or (bool(before) and _is_school_count(before[-1]))


_BOTH_LEVELS = regex.compile(
    r"(?:小学|初中)[^，,；;。]{0,3}(?:小学|初中)[^，,；;。]*(?:均|都|全部)"
)


def _conclusion(
    text: str, start: int, end: int, catalog: Catalog
) -> tuple[str | None, tuple[int, int] | None]:
    """The block's 自评结论 (达标 / 整改后达标 / 基本达标 / 不达标), last one wins."""
    found: tuple[str | None, tuple[int, int] | None] = (None, None)
    for m in _CONCLUSION.finditer(text, start, end):
        phrase = m["c"] or m["p"]
        value = catalog.match_conclusion(phrase)
        if value:
            found = (value, (m.start(), m.end()))
    return found


def _prose_indicators(
    doc: Document, figures: list[Figure], covered: list[tuple[int, int]], catalog: Catalog
) -> list[IndicatorValue]:
    """Indicators stated in running prose: a figure whose label holds an indicator alias."""
    found = []
    indicators = [
        (i, tuple(a for a in (i.name, *i.aliases) if len(a) >= 4))
        for i in catalog.frameworks["quality_balance"].indicators.values()
        if i.numeric and i.unit and not i.per_school
    ]
    any_name = _any_of(tuple(a for _, names in indicators for a in names))
    for fig in figures:
        label = fig.label
        if fig.is_target or fig.is_standard:
            continue
        if not any_name.search(label):  # most labels name no indicator: one search, not 30
            continue
        if any(s <= fig.start < e for s, e in covered):
            continue
        for indicator, names in indicators:
            if not _unit_fits(fig, indicator):
                continue
            if any(a in label for a in names) and _prose_ok(fig, indicator):
                sentence = fig.sentence
                found.append(
                    IndicatorValue(
                        indicator.code,
                        fig.level if fig.level in indicator.standards else "all",
                        sentence.start,
                        sentence.end,
                        value=fig,
                    )
                )
                break
    return found


@lru_cache(maxsize=8)
def _any_of(names: tuple[str, ...]) -> regex.Pattern:
    """One pattern for a set of names, compiled once per catalog."""
    return regex.compile("|".join(regex.escape(n) for n in names) or "(?!)")


def _prose_ok(fig: Figure, indicator: Indicator) -> bool:
    """Aliases that are too general on their own need a qualifying word (满意度 → 综合/社会/问卷)."""
    words = indicator.prose_requires
    return not words or any(word in fig.label for word in words)


def _apply_combined_cv(
    doc: Document, results: list[IndicatorValue], figures: list[Figure], sections: list[Section]
) -> None:
    """ "上述7项指标，小学校际差异系数为0.24": one cv for every resource indicator of the section."""
    catalog = load_catalog()
    for fig in figures:
        head = doc.text[fig.sentence.start : fig.start]
        if (
            fig.level not in ("primary", "junior")
            or not _is_cv(doc.text, fig)
            or not _COMBINED.search(head)
        ):
            continue
        section = section_at(sections, fig.start)
        while section is not None and section.level >= 5:
            section = section.parent
        low, high = (section.start, section.end) if section else (0, len(doc.text))
        codes = {
            r.code
            for r in results
            if low <= r.start < high and catalog.indicator(r.code).group == "resource"
        }
        for code in sorted(codes):
            holder = next((r for r in results if r.code == code and r.level == "all"), None)
            if holder is None:
                holder = IndicatorValue(code, "all", fig.sentence.start, fig.sentence.end)
                results.append(holder)
            holder.cv.setdefault(fig.level, fig)
            holder.cv_combined = True


def merge_indicators(results: list[IndicatorValue]) -> list[IndicatorValue]:
    """One entry per (code, level): first block wins, later ones fill gaps."""
    merged: dict[tuple[str, str], IndicatorValue] = {}
    for item in results:
        key = (item.code, item.level)
        if key not in merged:
            merged[key] = item
            continue
        base = merged[key]
        for name in (
            "value",
            "stated_standard",
            "schools_total",
            "schools_meeting",
            "school_ratio",
            "self_conclusion",
        ):
            if getattr(base, name) is None and getattr(item, name) is not None:
                setattr(base, name, getattr(item, name))
        for level, fig in item.cv.items():
            base.cv.setdefault(level, fig)
    return list(merged.values())
