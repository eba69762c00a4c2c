"""Sums: a total and its parts — partition (the parts add up to the total), exclusive parts
listed in part (their sum must not exceed it), subset and contains (no part exceeds the
total) — and a stated number of listed items. Reader and check side by side.

"共94所，其中小学69所、初中25所", "专任教师1493人（小学957人、初中536人）",
"新扩建中小学3所（荷棠小学、西禅小学、荷棠中学）".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import regex

from pipeline.engine.arithmetic import (
    Range,
    Verdict,
    classify_quantity,
    is_exact_count,
    value_range,
)
from pipeline.engine.findings import Finding, base, finding, in_unit, q_text
from pipeline.engine.reading import (
    Relation,
    Statement,
    Token,
    exhaustive,
    partition_prefix,
    same_kind,
    usable,
    value_lists,
)
from pipeline.extract.quantities import Quantity
from pipeline.extract.text import matching_close

SumMode = Literal["partition", "exclusive", "subset", "contains"]

_OPENING = regex.compile(r"\s*[（(]")
_EXCLUDING = regex.compile(r"\s*(?:不含|不包含|不包括|除)")
_OPEN_LIST = regex.compile(r"等\s*$")
_INCLUDING = regex.compile(r"\s*(?:含|包含|包括|其中)")
_LIST_CONNECTOR = regex.compile(r"其中|包括|包含|(?<=[\p{Han}])中有|(?<=[\p{Han}])有")
_SHORT_NOUN = regex.compile(r"[\p{Han}]{0,10}")
_CLAUSE_MARK = regex.compile(r"[，,；;。]")
_ETC = regex.compile(r"\s*等")
_NEW_RUN = regex.compile(r"[；;]|其中|包括")
_NAMED_ITEMS = regex.compile(r"\s*[（(]([^（()）\d]{2,80})[)）]")
_BRACKET = regex.compile(r"[（()）]")
_EACH = regex.compile(r"各\s*$")
# A count of change ("比上年减少18所") is never the whole of what follows.
_CHANGE_BEFORE = regex.compile(r"(?:增加|减少|增长|下降|提高|降低|新增|净增)\s*$")
# Parts that are those meeting a condition, or with more listed after them ("另有8所").
_SELECTED = regex.compile(
    r"[^，,；;。]{0,4}(?:全部|均|已)?(?:达标|合格|达到|通过|完成)|.*(?:另有|还有|此外)"
)
_NOT_AN_ITEM_LIST = regex.compile(r"等|含|包括|其中|如|即|[，,；;：:]")


@dataclass
class SumRelation(Relation):
    """A total and its parts; `alternatives` are other totals a reader accepts (九年一贯制
    schools counted once or twice)."""

    parts: list[Quantity] = field(default_factory=list)
    alternatives: list[Decimal] = field(default_factory=list)


@dataclass
class CountRelation(Relation):
    """A stated number and the items the text lists for it."""

    items: list[str] = field(default_factory=list)


def read(stmt: Statement) -> list[Relation]:
    """Every sum relation of a statement (one reading per total and parts)."""
    return _dedupe(breakdowns(stmt) + listed_parts(stmt))


def breakdowns(stmt: Statement) -> list[Relation]:
    """ "专任教师1493人（小学957人、初中536人）": a total followed by its parts in brackets."""
    relations = []
    for t in stmt.tokens:
        m = _OPENING.match(stmt.text, t.end, stmt.end)
        if not m or not usable(t):
            continue
        open_pos = m.end() - 1
        close = matching_close(stmt.text, open_pos, stmt.end)
        inner = stmt.text[open_pos + 1 : close]
        if _EXCLUDING.match(inner) or _OPEN_LIST.search(inner):
            stmt.refuse("sums", t.start, "括号内为不含项或以“等”结尾的不完整列举，不作合计")
            continue
        children = [
            c
            for c in stmt.tokens
            if open_pos < c.start < close and c.depth == t.depth + 1 and usable(c)
        ]
        children = [c for c in children if same_kind(t.q, c.q, t.label, c.label)]
        if not children:
            stmt.refuse("sums", t.start, "括号内没有与合计同类、可相加的分项")
            continue
        contains = _INCLUDING.match(inner) is not None
        mode: SumMode = "contains" if contains else "subset"
        if (
            not contains
            and len(children) >= 2
            and partition_prefix([c.label for c in children]) == len(children)
        ):
            mode = "partition"
        relations.append(_sum_relation(stmt, t, children, mode))
    return relations


def listed_parts(stmt: Statement) -> list[Relation]:
    """ "共26所，其中小学13所、初中5所…", "69所小学中有56所达标、13所基本达标"."""
    relations = []
    for m in _LIST_CONNECTOR.finditer(stmt.text, stmt.start, stmt.end):
        word = m.group()
        after = [t for t in stmt.tokens if t.start >= m.end()]
        before = [t for t in stmt.tokens if t.end <= m.start()]
        if not after or not before:
            continue
        depth = stmt.depth_at(m.start())
        first = next((t for t in after if t.depth == depth and usable(t)), None)
        if first is None:
            continue
        if word.endswith("有") and word not in ("其中", "包括", "包含"):
            total = before[-1]
            gap = stmt.text[total.end : m.start()]
            if not _SHORT_NOUN.fullmatch(gap) or total.depth != depth:
                continue
            if _CLAUSE_MARK.search(stmt.text, m.end(), first.start):
                continue
        else:
            total = before[-1]
            if (
                total.depth != depth
                or _BRACKET.search(stmt.text, total.end, m.start())
                or _CHANGE_BEFORE.search(stmt.clause_before(total.start))
                or not usable(total)
            ):
                stmt.refuse("sums", m.start(), f"“{word}”紧前不是与分项同类的合计数")
                continue
        parts = _run_of_parts(stmt, after, depth, total)
        if not parts:
            continue
        if not usable(total) or total.q.qualifier:
            stmt.refuse("sums", total.start, "合计不是确数（约、以上等），不作求和")
            continue
        if any(id(parts[0]) == id(t) for run in value_lists(stmt) for t in run):
            stmt.refuse("sums", parts[0].start, "“分别”列举的数逐项对应，不是分项求和")
            continue
        labels = [p.name for p in parts]
        n = partition_prefix(labels)
        tail = stmt.text[parts[-1].end : stmt.end].removeprefix(parts[-1].after)
        complete = not (
            _ETC.match(tail) or _SELECTED.match(tail) or _unfinished(stmt, total, parts)
        )
        if n == len(parts) >= 2 and complete:
            mode: SumMode = "partition" if exhaustive(labels) else "exclusive"
            relations.append(_sum_relation(stmt, total, parts, mode))
        else:
            if n >= 2:
                stmt.refuse("sums", parts[0].start, "分项未列全或带有条件（达标、另有…），不作求和")
            relations.append(_sum_relation(stmt, total, parts, "subset"))
    return relations


def _run_of_parts(stmt: Statement, after: list[Token], depth: int, total: Token) -> list[Token]:
    """Parts after a connector: same depth, addable to the total, until a semicolon or a new 其中
    (also before the first part: "2所幼儿园共有幼儿233人；3所民办园…" lists no schools)."""
    parts: list[Token] = []
    previous_end = after[0].start if after else 0
    for t in after:
        if t.depth != depth:
            continue
        if _NEW_RUN.search(stmt.text, previous_end, t.start):
            break
        previous_end = t.end
        if usable(t) and same_kind(total.q, t.q, total.label, t.label):
            parts.append(t)
    return parts


def _unfinished(stmt: Statement, total: Token, parts: list[Token]) -> bool:
    """A list the reader cannot add up: an item counted in another unit (教学点12个 under a
    total in 所) or a grouped item ("…和特殊教育学校各1所")."""
    return any(p.q.unit != total.q.unit or _EACH.search(stmt.clause_before(p.start)) for p in parts)


def _sum_relation(stmt: Statement, total: Token, parts: list[Token], mode: SumMode) -> Relation:
    rel = SumRelation(
        "sum",
        total.start,
        parts[-1].end,
        roles={"total": total.q},
        parts=[p.q for p in parts],
        labels={"total": total.label, **{f"part{i}": p.name for i, p in enumerate(parts)}},
        mode=mode,
    )
    rel.alternatives = _nine_year_readings(stmt, total, parts)
    return rel


def _nine_year_readings(stmt: Statement, total: Token, parts: list[Token]) -> list[Decimal]:
    """Other totals a reader accepts when 九年一贯制 schools may be counted once or twice."""
    base = sum((p.q.value * p.q.scale for p in parts), Decimal(0))
    extra, overlap = Decimal(0), []
    for p in parts:
        kids = _bracket_children(stmt, p)
        if "一贯制" in p.label and kids:
            inner = sum((k.q.value for k in kids), Decimal(0))
            if inner > p.q.value:
                extra += inner - p.q.value
        nine = [k.q.value for k in kids if "一贯制" in k.label]
        if nine:
            overlap.append(nine[0])
    readings = []
    if extra:
        readings.append(base + extra)
    if len(overlap) >= 2:
        readings.append(base - min(overlap))
    return readings


def _bracket_children(stmt: Statement, t: Token) -> list[Token]:
    m = _OPENING.match(stmt.text, t.end, stmt.end)
    if not m:
        return []
    open_pos = m.end() - 1
    close = matching_close(stmt.text, open_pos, stmt.end)
    return [c for c in stmt.tokens if open_pos < c.start < close and c.depth == t.depth + 1]


def count_relations(stmt: Statement) -> list[Relation]:
    """ "新扩建中小学3所（荷棠小学、西禅小学、荷棠中学）": a stated number of named items."""
    relations = []
    for t in stmt.tokens:
        m = _NAMED_ITEMS.match(stmt.text, t.end, stmt.end)
        if not m or not usable(t) or t.q.kind != "count" or t.q.value < 2:
            continue
        inner = m.group(1)
        if _NOT_AN_ITEM_LIST.search(inner):
            continue
        items = [s.strip() for s in inner.split("、")]
        if len(items) < 2 or any(not (2 <= len(s) <= 16) for s in items):
            continue
        rel = CountRelation("count", t.start, m.end(), roles={"count": t.q}, items=items)
        relations.append(rel)
    return relations


def _dedupe(sums: list[Relation]) -> list[Relation]:
    """One relation per (total, parts); a partition reading wins over a subset reading."""
    seen: dict[tuple, Relation] = {}
    for rel in sums:
        key = (id(rel.roles["total"]), tuple(id(p) for p in rel.parts))
        if key not in seen or rel.mode == "partition":
            seen[key] = rel
    return list(seen.values())


def check_sum(rel: SumRelation) -> list[Finding]:
    total = rel.roles["total"]
    total_range = value_range(total)
    parts = rel.parts
    if rel.mode in ("subset", "contains"):
        return _check_subset(rel, total, total_range)
    if rel.mode == "exclusive" and _sum_below(rel, total_range):
        return []  # exclusive parts listed in part: only a sum above the total is wrong
    part_sum = Range(Decimal(0), Decimal(0))
    for p in parts:
        part_sum = part_sum + value_range(p)
    readings = [part_sum] + [
        _shift(part_sum, alt - sum(base(p) for p in parts)) for alt in rel.alternatives
    ]
    verdicts = [classify_quantity(r, total) for r in readings]
    if "ok" in verdicts:
        return []
    verdict: Verdict = "last_digit" if "last_digit" in verdicts else "beyond"
    if all(is_exact_count(q) for q in [total, *parts]):
        verdict = "beyond"  # exact counts have no rounding: any difference is an error
    naive = sum(base(p) for p in parts)
    note = ""
    if rel.alternatives:
        others = "、".join(in_unit(a, total) for a in rel.alternatives)
        note = f"（按九年一贯制学校计数方式的其他口径为{others}，亦不相符）"
    formula = (
        " + ".join(in_unit(base(p), total) for p in parts)
        + f" = {in_unit(naive, total)} ≠ {q_text(total)}"
    )
    return [
        finding(
            "sum_mismatch",
            verdict,
            rel,
            formula,
            total.value,
            naive / total.scale,
            total_label=rel.labels.get("total", ""),
            total=q_text(total),
            parts_text="、".join(q_text(p) for p in parts),
            sum=in_unit(naive, total) + total.unit,
            note=note,
        )
    ]


def _sum_below(rel: SumRelation, total_range: Range) -> bool:
    parts = Range(Decimal(0), Decimal(0))
    for p in rel.parts:
        parts = parts + value_range(p)
    return parts.hi is not None and total_range.lo is not None and parts.hi <= total_range.lo


def _shift(r: Range, delta: Decimal) -> Range:
    return r + Range(delta, delta)


def _check_subset(rel: SumRelation, total: Quantity, total_range: Range) -> list[Finding]:
    findings = []
    for i, p in enumerate(rel.parts):
        pr = value_range(p)
        if pr.lo is None or total_range.hi is None or pr.lo <= total_range.hi:
            continue
        label = rel.labels.get(f"part{i}", "")
        findings.append(
            finding(
                "subset_exceeds_total",
                "beyond",
                rel,
                f"{q_text(p)} > {q_text(total)}",
                p.value,
                total.value * total.scale / p.scale,
                part_label=label,
                part=q_text(p),
                total_label=rel.labels.get("total", ""),
                total=q_text(total),
            )
        )
    return findings


def check_count(rel: CountRelation) -> list[Finding]:
    count = rel.roles["count"]
    if count.value == len(rel.items):
        return []
    return [
        finding(
            "count_mismatch",
            "beyond",
            rel,
            f"{q_text(count)} ≠ {len(rel.items)}项",
            count.value,
            Decimal(len(rel.items)),
            stated=q_text(count),
            listed=len(rel.items),
            items="、".join(rel.items),
        )
    ]


CHECKS = {"sum": check_sum, "count": check_count}
