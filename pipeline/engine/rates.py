"""Rates: a rate times a count ("按每生每年6000元…180名，共计拨付108万元"), a rate per
hundred students from its two counts, and formulas such as 初中三年巩固率 recomputed from the
components the text states.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import regex

from pipeline.engine.arithmetic import (
    Range,
    best_rounding,
    classify,
    classify_quantity,
    percent,
    value_range,
)
from pipeline.engine.findings import Finding, base, finding, fmt, in_unit, q_text
from pipeline.engine.reading import Relation, Statement, label_similarity, same_kind, usable
from pipeline.extract.quantities import Quantity

_STUDENTS = regex.compile(r"学生|在校生")
_COUNT_SUFFIX = regex.compile(r"数$")


@dataclass
class ProductRelation(Relation):
    """roles rate, count and their stated product total."""


@dataclass
class PerHundredRelation(Relation):
    """roles students, numerator and the stated value per hundred students."""


@dataclass
class FormulaRelation(Relation):
    """A named formula (mode) and the components the text states, as roles."""


def read(stmt: Statement) -> list[Relation]:
    return [*product_relations(stmt), *per_hundred_relations(stmt), *formula_relations(stmt)]


_RATE_LABEL = regex.compile(r"每生每年|每生|每人每年|每人|生均|人均")
_TOTAL_LABEL = regex.compile(r"共计|合计|总计|累计|共|总额")


def product_relations(stmt: Statement) -> list[Relation]:
    """ "按每生每年6000元…特殊教育学生180名，共计拨付108万元": rate × count = total."""
    rates = [
        t
        for t in stmt.tokens
        if t.q.kind == "amount"
        and t.q.exact
        and ("/" in t.q.unit or _RATE_LABEL.search(stmt.clause_before(t.start)))
    ]
    counts = [t for t in stmt.tokens if t.q.base_unit in ("人", "名") and usable(t)]
    totals = [
        t
        for t in stmt.tokens
        if t.q.kind == "amount"
        and "/" not in t.q.unit
        and t not in rates
        and usable(t)
        and _TOTAL_LABEL.search(stmt.clause_before(t.start))
    ]
    if len(rates) != 1 or len(counts) != 1 or len(totals) != 1:
        if rates and totals:
            stmt.refuse("rates", rates[0].start, "单价、人数或总额不唯一，不作乘积复算")
        return []
    rate, count, total = rates[0], counts[0], totals[0]
    if not (rate.end <= total.start and count.end <= total.start):
        return []
    rel = ProductRelation("product", min(rate.start, count.start), total.end)
    rel.roles = {"rate": rate.q, "count": count.q, "total": total.q}
    rel.labels = {"count": count.label, "total": total.label}
    return [rel]


_PER_HUNDRED = regex.compile(
    r"每百名?(?:学生|生)(?:拥有)?(?P<what>[^，,。；;\d]{1,20}?)(?:数)?(?:为|达到|达|是)?\s*$"
)


def per_hundred_relations(stmt: Statement) -> list[Relation]:
    """ "学生1200人，专任教师96人，每百名学生拥有专任教师8.0人": both counts stated."""
    relations = []
    for t in stmt.tokens:
        if not t.q.exact or t.q.kind != "count":  # before the clause is cut and searched
            continue
        m = _PER_HUNDRED.search(stmt.clause_before(t.start))
        if not m:
            continue
        students = [
            s
            for s in stmt.tokens
            if s is not t
            and usable(s)
            and s.q.base_unit in ("人", "名")
            and _STUDENTS.search(s.label)
        ]
        what = _COUNT_SUFFIX.sub("", m.group("what"))
        numer = [
            s
            for s in stmt.tokens
            if s is not t
            and usable(s)
            and s not in students
            and same_kind(s.q, t.q)
            and label_similarity(what, s.label) >= Decimal("0.75")
        ]
        if len(students) == 1 and len(numer) == 1:
            rel = PerHundredRelation("per_hundred", min(students[0].start, numer[0].start), t.end)
            rel.roles = {"students": students[0].q, "numerator": numer[0].q, "value": t.q}
            rel.labels = {"numerator": numer[0].label}
            relations.append(rel)
    return relations


_RETENTION_PARTS = {
    role: regex.compile(pattern)
    for role, pattern in {
        "graduates": r"毕业生",
        "entrants": r"初一|初中一年级|七年级|一年级在校生",
        "in": r"转入",
        "out": r"转出",
        "dead": r"死亡",
        "suspended": r"休学",
        "resumed": r"复学",
    }.items()
}


def formula_relations(stmt: Statement) -> list[Relation]:
    """初中三年巩固率 from its components (毕业生, 初一, 转入, 转出, 死亡…), when all are stated."""
    rate = next(
        (t for t in stmt.tokens if t.q.unit == "%" and "巩固率" in stmt.clause_before(t.start)),
        None,
    )
    if rate is None or not rate.q.exact:
        return []
    found: dict[str, Quantity] = {}
    for t in stmt.tokens:
        if not usable(t) or t.q.base_unit not in ("人", "名"):
            continue
        for role, pattern in _RETENTION_PARTS.items():
            if role not in found and pattern.search(t.label):
                found[role] = t.q
                break
    if not {"graduates", "entrants"} <= found.keys():
        return []
    rel = FormulaRelation(
        "formula", min(q.start for q in found.values()), rate.end, mode="retention"
    )
    rel.roles = {**found, "rate": rate.q}
    return [rel]


def check_product(rel: ProductRelation) -> list[Finding]:
    rate, count, total = rel.roles["rate"], rel.roles["count"], rel.roles["total"]
    product = value_range(rate).times(value_range(count))
    if not product.bounded:
        return []
    verdict = classify_quantity(product, total)
    if verdict == "ok":
        return []
    expected = base(rate) * base(count)
    formula = f"{q_text(rate)} × {q_text(count)} = {in_unit(expected, total)}{total.unit} ≠ {q_text(total)}"
    return [
        finding(
            "product_mismatch",
            verdict,
            rel,
            formula,
            total.value,
            expected / total.scale,
            rate=q_text(rate),
            count=q_text(count),
            expected=in_unit(expected, total) + total.unit,
            reported=q_text(total),
        )
    ]


def check_per_hundred(rel: PerHundredRelation) -> list[Finding]:
    students, numerator, value = rel.roles["students"], rel.roles["numerator"], rel.roles["value"]
    ratio = percent(value_range(numerator), value_range(students))
    if ratio is None:
        return []
    verdict = classify(ratio, value.value, value.decimals)
    if verdict == "ok":
        return []
    exact = ratio.mid
    shown = fmt(best_rounding(exact, value.decimals + 2))
    formula = f"{q_text(numerator)} / {q_text(students)} × 100 = {shown} ≠ {fmt(value.value, value.decimals)}"
    return [
        finding(
            "per_hundred_mismatch",
            verdict,
            rel,
            formula,
            value.value,
            best_rounding(exact, value.decimals + 2),
            numerator_label=rel.labels.get("numerator", ""),
            numerator=q_text(numerator),
            students=q_text(students),
            expected=shown,
            reported=q_text(value),
        )
    ]


def check_formula(rel: FormulaRelation) -> list[Finding]:
    """初中三年巩固率: standard and common variants; a mismatch only when none agrees."""
    roles, rate = rel.roles, rel.roles["rate"]

    def v(name: str) -> Decimal:
        return roles[name].value if name in roles else Decimal(0)

    graduates = v("graduates")
    variants = {
        "毕业生数 / (初一在校生数 + 转入 − 转出 − 死亡)": v("entrants")
        + v("in")
        - v("out")
        - v("dead"),
        "毕业生数 / (初一在校生数 + 转入 − 转出 − 死亡 − 休学 + 复学)": v("entrants")
        + v("in")
        - v("out")
        - v("dead")
        - v("suspended")
        + v("resumed"),
        "毕业生数 / (初一在校生数 + 转入 − 转出)": v("entrants") + v("in") - v("out"),
        "毕业生数 / 初一在校生数": v("entrants"),
    }
    results = []
    for name, denominator in variants.items():
        if denominator <= 0:
            continue
        ratio = percent(Range.point(graduates), Range.point(denominator))
        results.append((classify(ratio, rate.value, rate.decimals), name, denominator, ratio))  # type: ignore[arg-type]
    if not results or any(r[0] == "ok" for r in results):
        return []
    verdict, name, denominator, ratio = results[0]
    shown = fmt(best_rounding(ratio.mid, rate.decimals + 2))
    formula = f"{fmt(graduates)} / {fmt(denominator)} = {shown}% ≠ {q_text(rate)}（{name}）"
    return [
        finding(
            "formula_mismatch",
            "last_digit" if any(r[0] == "last_digit" for r in results) else verdict,
            rel,
            formula,
            rate.value,
            best_rounding(ratio.mid, rate.decimals + 2),
            formula_name="初中三年巩固率",
            expected=shown,
            reported=fmt(rate.value, rate.decimals),
        )
    ]


CHECKS = {"product": check_product, "per_hundred": check_per_hundred, "formula": check_formula}
