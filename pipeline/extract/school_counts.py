"""School counts inside an indicator block: how many schools were evaluated, meet the standard,
only basically meet it or do not ("69所小学中有56所达标、13所基本达标"), read from the clause
around each count."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import regex

from pipeline.extract.figures import Figure, level_of
from pipeline.extract.text import CLAUSE_MARKS_LIST, clause_start

if TYPE_CHECKING:
    from pipeline.extract.indicators import IndicatorValue

_CLAUSE_END = regex.compile(r"[，,；;。]|$")
_NOT_MEETING = regex.compile(r"不达标|未达标|不合格|未达到")
_TOTAL_LABEL = regex.compile(
    r"(?:全区|全县|全市|现有|共有|纳入[\p{Han}]{0,12}的?|参评|义务教育|阶段|中小学?|的)*学校(?:\(含校点\)|（含校点）)?"
)
_MEETING_LABEL = regex.compile(r"(?:达到|符合|按照?)[^，,；;。]{0,16}标准")
_SCHOOL_ROLES = tuple(
    (role, regex.compile(pattern))
    for role, pattern in (
        ("total", r"^(?:小学|初中)?(?:学校)?(?:中|里)?有|^[^，,；;。]{0,6}中有"),
        ("basic", r"^基本达标"),
        ("unmet", r"^(?:学校)?(?:不达标|未达标|未达到)"),
        ("all_meeting", r"^[\p{Han}\d、]{0,16}?(?:100%|全部|均)达标"),
        ("meeting", r"^(?:学校)?(?:均|全部)?达标"),
    )
)
_LIST_JOIN = regex.compile(r"[、和及]")


def school_count(
    text: str,
    fig: Figure,
    entry: Callable[[str], IndicatorValue],
    previous_role: str | None,
    previous: Figure | None,
) -> str | None:
    """Read 达标学校23所 / 69所小学中有56所达标 / 13所基本达标 / 不达标小学2所、教学点1个 /
    25所初中100%达标; a count listed after another (、) shares its role. Returns the role."""
    clause_end = _CLAUSE_END.search(text[fig.end : fig.sentence.end]).start() + fig.end
    after = text[fig.end : clause_end]
    role = next((r for r, p in _SCHOOL_ROLES if p.search(after)), None)
    clause = own_clause(text, fig)
    if role is None:
        if "基本达标" in clause:
            role = "basic"
        elif _NOT_MEETING.search(clause):
            role = "unmet"
        elif "达标" in clause or _MEETING_LABEL.search(clause):
            role = "meeting"
        elif _TOTAL_LABEL.fullmatch(fig.label):
            role = "total"
        elif previous is not None and _LIST_JOIN.fullmatch(
            text[previous.end : fig.start].strip()[:1] or "x"
        ):
            role = previous_role
    item = entry(level_of(after[:4]) or fig.level)  # "69所小学中有…": the level follows the unit
    count = int(fig.quantity.value)
    if role == "total":
        item.schools_total = item.schools_total or count
    elif role == "basic":
        item.schools_basic += count
    elif role == "unmet":
        item.schools_unmet += count
    elif role == "all_meeting" and item.schools_total is None:
        item.schools_total = item.schools_meeting = count
        item.schools_span = (fig.start, fig.end)
    elif role == "meeting" and item.schools_meeting is None:
        item.schools_meeting = count
        item.schools_span = (fig.start, fig.end)
    return role


def complete_school_counts(by_level: dict[str, IndicatorValue]) -> None:
    """Total = meeting + basic + not meeting when the report gives only the parts.

    Unmet schools named by level (不达标初中1所) count toward an overall 达标学校N所."""
    overall = by_level.get("all")
    if overall is not None and overall.schools_meeting is not None:
        for level, item in by_level.items():
            if level != "all" and item.schools_meeting is None and item.schools_total is None:
                overall.schools_unmet += item.schools_unmet
                overall.schools_basic += item.schools_basic
                item.schools_unmet = item.schools_basic = 0
    for item in by_level.values():
        if item.schools_meeting is None or item.schools_total is not None:
            continue
        if item.schools_unmet or item.schools_basic:
            item.schools_total = item.schools_meeting + item.schools_unmet + item.schools_basic
        elif item.school_ratio is not None and item.school_ratio.quantity.value == 100:
            item.schools_total = item.schools_meeting


def own_clause(text: str, fig: Figure) -> str:
    """From the last clause break before a figure to its end (its qualifier included)."""
    start = clause_start(text, fig.sentence.start, fig.start, CLAUSE_MARKS_LIST)
    return text[start : fig.end]
