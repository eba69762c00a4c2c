"""The arithmetic checks: recompute every relation a report states and say what does not agree.

Each rule turns a relation into at most one finding with the numbers it used, so an inspector
can verify it in seconds ("41 / 194 = 21.13% ≠ 21.2%"). Severity follows the contract: error
when no rounding of the reported digits explains the difference, warning when it is only at the
last digit (or the value was rounded up), info when it is merely worth a look. Rule ids,
severities and message templates live in `pipeline/data/rules.toml`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext

import regex

from pipeline.document import Document
from pipeline.engine.arithmetic import (
    HUNDRED,
    Range,
    Verdict,
    accept_region,
    best_rounding,
    classify,
    classify_quantity,
    grim_whole_verdict,
    is_exact_count,
    percent,
    round_to,
    roundings,
    value_range,
)
from pipeline.engine.findings import Finding, fmt
from pipeline.engine.relations import Relation, extract_relations, rules_data
from pipeline.extract.quantities import Quantity


def rule(rule_id: str) -> dict:
    return rules_data()["rules"][rule_id]


def severity(rule_id: str, verdict: Verdict) -> str:
    spec = rule(rule_id)
    if verdict == "last_digit":
        return spec.get("severity_last_digit", spec["severity"])
    return spec["severity"]


def message(rule_id: str, **fields: object) -> str:
    return rule(rule_id)["message"].format(**fields)


def finding(
    rule_id: str,
    verdict: Verdict,
    rel: Relation,
    formula: str,
    reported: Decimal | None,
    expected: Decimal | None,
    /,
    **fields: object,
) -> Finding:
    """One finding over a relation's span, severity and message from rules.toml (positional
    arguments first, so a message may use the field names `reported` and `expected`)."""
    return Finding(
        rule_id,
        severity(rule_id, verdict),
        message(rule_id, **fields),
        formula,
        rel.start,
        rel.end,
        reported=reported,
        expected=expected,
    )


def check_arithmetic(
    doc: Document, quantities: list[Quantity], figures: list | None = None
) -> list[Finding]:
    """Every arithmetic finding for one document, in text order."""
    relations = extract_relations(doc, quantities)
    return check_relations(relations, figures, doc.text)


def check_relations(
    relations: list[Relation], figures: list | None = None, text: str = ""
) -> list[Finding]:
    findings: list[Finding] = []
    for rel in relations:
        check = _CHECKS.get(rel.kind)
        if check is not None:
            findings += check(rel)
    if figures:
        findings += check_duplicates(figures, text)
    findings.sort(key=lambda f: (f.start, f.rule))
    return _one_per_span(findings)


def _one_per_span(findings: list[Finding]) -> list[Finding]:
    """Identical (rule, span) findings from overlapping readings are reported once."""
    seen, result = set(), []
    for f in findings:
        key = (f.rule, f.start, f.end, f.formula)
        if key not in seen:
            seen.add(key)
            result.append(f)
    return result


def q_text(q: Quantity) -> str:
    """A quantity as written, with its unit: "8131.88万元", "21.2%"."""
    return f"{q.raw}{q.unit}"


def _base(q: Quantity) -> Decimal:
    return q.value * q.scale


def _in_unit(value: Decimal, q: Quantity, extra: int = 0) -> str:
    """A base-unit value shown in q's unit and precision (plus `extra` digits)."""
    shown = value / q.scale
    return fmt(shown, max(q.decimals, 0) + extra) if q.decimals >= 0 else fmt(shown)


# --------------------------------------------------------------------------------------------
# sums


def check_sum(rel: Relation) -> list[Finding]:
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
        _shift(part_sum, alt - sum(_base(p) for p in parts)) for alt in rel.alternatives
    ]
    verdicts = [classify_quantity(r, total) for r in readings]
    if "ok" in verdicts:
        return []
    verdict: Verdict = "last_digit" if "last_digit" in verdicts else "beyond"
    if all(is_exact_count(q) for q in [total, *parts]):
        verdict = "beyond"  # exact counts have no rounding: any difference is an error
    naive = sum(_base(p) for p in parts)
    note = ""
    if rel.alternatives:
        others = "、".join(_in_unit(a, total) for a in rel.alternatives)
        note = f"（按九年一贯制学校计数方式的其他口径为{others}，亦不相符）"
    formula = (
        " + ".join(_in_unit(_base(p), total) for p in parts)
        + f" = {_in_unit(naive, total)} ≠ {q_text(total)}"
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
            sum=_in_unit(naive, total) + total.unit,
            note=note,
        )
    ]


def _sum_below(rel: Relation, total_range: Range) -> bool:
    parts = Range(Decimal(0), Decimal(0))
    for p in rel.parts:
        parts = parts + value_range(p)
    return parts.hi is not None and total_range.lo is not None and parts.hi <= total_range.lo


def _shift(r: Range, delta: Decimal) -> Range:
    return r + Range(delta, delta)


def _check_subset(rel: Relation, total: Quantity, total_range: Range) -> list[Finding]:
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


# --------------------------------------------------------------------------------------------
# percentages


def check_percent(rel: Relation) -> list[Finding]:
    share = rel.roles["share"]
    if not share.exact or share.decimals < 0:
        return []
    if rel.mode == "grim_whole":
        return _check_grim(rel)
    part = rel.roles["part"]
    wholes = _wholes(rel)
    if not wholes:
        return []
    results = []
    for whole_range in wholes:
        ratio = percent(value_range(part), whole_range)
        if ratio is None:
            return []
        results.append((classify(ratio, share.value, share.decimals), ratio, whole_range))
    if any(v == "ok" for v, _, _ in results):
        return []
    verdict, ratio, whole_range = min(results, key=lambda r: r[0] != "last_digit")
    exact = ratio.mid
    digits = max(share.decimals + 1, 2)
    shown = fmt(best_rounding(exact, digits), digits)
    how = _how(exact, share)
    whole_text = _whole_text(rel, whole_range)
    formula = f"{_part_text(part)} / {whole_text} = {shown}% ≠ {q_text(share)}"
    return [
        Finding(
            "percent_mismatch",
            severity("percent_mismatch", verdict),
            message(
                "percent_mismatch",
                part_label=rel.labels.get("part", ""),
                part=q_text(part),
                whole_label=rel.labels.get("whole", ""),
                whole=whole_text
                + (
                    rel.roles["whole"].unit
                    if "whole" in rel.roles and rel.roles["whole"].scale == 1
                    else ""
                ),
                expected=shown,
                reported=fmt(share.value, share.decimals),
                how=how,
            ),
            formula,
            rel.start,
            rel.end,
            reported=share.value,
            expected=best_rounding(exact, share.decimals + 2),
        )
    ]


def _part_text(q: Quantity) -> str:
    return fmt(q.value) if q.scale == 1 else q_text(q)


def _whole_text(rel: Relation, whole_range: Range) -> str:
    if rel.mode == "pass_rate":
        return "(" + " + ".join(fmt(p.value) for p in rel.parts) + ")"
    whole = rel.roles.get("whole")
    if whole is not None and value_range(whole) == whole_range:
        return _part_text(whole)
    for c in rel.candidates:
        if value_range(c) == whole_range:
            return _part_text(c)
    return fmt(whole_range.mid or Decimal(0))


def _wholes(rel: Relation) -> list[Range]:
    if rel.mode == "pass_rate":
        total = Range(Decimal(0), Decimal(0))
        for p in rel.parts:
            total = total + value_range(p)
        return [total]
    whole = rel.roles.get("whole")
    if whole is None:
        return []
    ranges = [value_range(whole)] + [value_range(c) for c in rel.candidates]
    return [r for r in ranges if r.bounded]


def _how(exact: Decimal, share: Quantity) -> str:
    """Say which rounding the reported value misses, for the inspector."""
    half_up = round_to(exact, share.decimals, "half_up")
    down = round_to(exact, share.decimals, "down")
    up = round_to(exact, share.decimals, "ceiling")
    if share.value == up and share.value not in (half_up, down):
        return f"（四舍五入应为{fmt(half_up, share.decimals)}%，报告值只能由向上进位得到）"
    if half_up == down:
        return f"（任何常见舍入均应为{fmt(half_up, share.decimals)}%）"
    return f"（四舍五入为{fmt(half_up, share.decimals)}%，截尾为{fmt(down, share.decimals)}%）"


def _check_grim(rel: Relation) -> list[Finding]:
    part, share = rel.roles["part"], rel.roles["share"]
    if not is_exact_count(part) or share.value > HUNDRED:
        return []
    verdict = grim_whole_verdict(int(part.value), share.value, share.decimals)
    if verdict in (None, "ok"):
        return []
    lo, hi = accept_region(share.value, share.decimals)
    with localcontext() as ctx:
        ctx.prec = 30
        n_lo, n_hi = HUNDRED * part.value / hi, HUNDRED * part.value / lo
    near = [int(n_lo), int(n_lo) + 1]
    tried = "，".join(
        f"{fmt(part.value)}/{n} = {fmt(best_rounding(HUNDRED * part.value / n, share.decimals + 1))}%"
        for n in near
        if n > 0
    )
    formula = f"{fmt(part.value)} / N = {q_text(share)} 需 N ∈ ({fmt(n_lo, 2)}, {fmt(n_hi, 2)}]，无整数；{tried}"
    return [
        finding(
            "percent_impossible",
            verdict,
            rel,
            formula,
            share.value,
            None,
            part_label=rel.labels.get("part", ""),
            part=q_text(part),
            whole_label=rel.labels.get("whole", "总数"),
            reported=fmt(share.value, share.decimals),
            side="总数",
        )
    ]


def check_shares(rel: Relation) -> list[Finding]:
    """Shares of one whole: forced to exactly 100, or not summing to 100 when exhaustive."""
    whole, parts, shares = rel.roles["whole"], rel.parts, rel.shares
    if not all(s.exact and s.decimals >= 0 for s in shares) or not all(
        is_exact_count(p) for p in parts + [whole]
    ):
        return []
    total_share = sum((s.value for s in shares), Decimal(0))
    exhaustive = sum(p.value for p in parts) == whole.value
    findings = []
    exact = [HUNDRED * p.value / whole.value for p in parts]
    offenders = [
        (p, s, e)
        for p, s, e in zip(parts, shares, exact, strict=True)
        if s.value not in roundings(e, s.decimals)
    ]
    one_mode = any(
        all(round_to(e, s.decimals, mode) == s.value for s, e in zip(shares, exact, strict=True))
        for mode in ("half_up", "half_even", "down", "ceiling")
    )
    if exhaustive and total_share == HUNDRED and offenders and not one_mode:
        listed = "、".join(
            f"{fmt(s.value, s.decimals)}%（{fmt(p.value)}/{fmt(whole.value)} = {fmt(best_rounding(e, s.decimals + 2))}%）"
            for p, s, e in offenders
        )
        formula = (
            " + ".join(fmt(s.value, s.decimals) for s in shares)
            + " = 100；"
            + "；".join(
                f"{fmt(p.value)}/{fmt(whole.value)} = {fmt(best_rounding(e, s.decimals + 2))}% → {fmt(round_to(e, s.decimals), s.decimals)}%"
                for p, s, e in zip(parts, shares, exact, strict=True)
            )
        )
        findings.append(
            Finding(
                "shares_forced_to_100",
                severity("shares_forced_to_100", "last_digit"),
                message("shares_forced_to_100", total=fmt(total_share), offenders=listed),
                formula,
                rel.start,
                rel.end,
                reported=total_share,
                expected=sum(
                    (round_to(e, s.decimals) for s, e in zip(shares, exact, strict=True)),
                    Decimal(0),
                ),
            )
        )
    if exhaustive:
        decimals = max(s.decimals for s in shares)
        lo = sum((accept_region(s.value, s.decimals)[0] for s in shares), Decimal(0))
        hi = sum((accept_region(s.value, s.decimals)[1] for s in shares), Decimal(0))
        if not (lo <= HUNDRED < hi):
            verdict = (
                classify(Range.point(HUNDRED), total_share, decimals)
                if len(shares) <= 2
                else _sum_verdict(lo, hi, shares)
            )
            findings.append(
                Finding(
                    "shares_sum_mismatch",
                    severity("shares_sum_mismatch", verdict),
                    message(
                        "shares_sum_mismatch",
                        shares_text="、".join(q_text(s) for s in shares),
                        sum=fmt(total_share),
                    ),
                    " + ".join(fmt(s.value, s.decimals) for s in shares)
                    + f" = {fmt(total_share)} ≠ 100",
                    rel.start,
                    rel.end,
                    reported=total_share,
                    expected=HUNDRED,
                )
            )
    return findings


def _sum_verdict(lo: Decimal, hi: Decimal, shares: list[Quantity]) -> Verdict:
    step = max(Decimal(1).scaleb(-s.decimals) for s in shares)
    return "last_digit" if lo - step <= HUNDRED < hi + step else "beyond"


# --------------------------------------------------------------------------------------------
# growth, difference, product, per hundred, formula


def check_growth(rel: Relation) -> list[Finding]:
    if "previous" in rel.roles:
        return _check_two_amount_growth(rel)
    current, increase, rate = rel.roles["current"], rel.roles["increase"], rel.roles["rate"]
    cur, inc = value_range(current), value_range(increase)
    base = cur - inc if rel.mode == "rise" else cur + inc
    ratio = percent(inc, base)
    if ratio is None:
        return []
    verdict = classify(ratio, rate.value, rate.decimals)
    if verdict == "ok":
        return []
    exact = ratio.mid
    base_mid = base.mid
    formula = (
        f"{q_text(increase)} / ({q_text(current)} {'−' if rel.mode == 'rise' else '+'} {q_text(increase)}) = "
        f"{fmt(best_rounding(exact, rate.decimals + 2))}% ≠ {q_text(rate)}"
    )
    increase_text, base_text = q_text(increase), _in_unit(base_mid, increase) + increase.unit
    return [_growth_finding(rel, verdict, formula, exact, increase_text, base_text)]


def _check_two_amount_growth(rel: Relation) -> list[Finding]:
    previous, current, rate = rel.roles["previous"], rel.roles["current"], rel.roles["rate"]
    prev, cur = value_range(previous), value_range(current)
    change = cur - prev if rel.mode == "rise" else prev - cur
    if change.lo is None or change.lo < 0:
        change = Range(max(change.lo or Decimal(0), Decimal(0)), change.hi)
    ratio = percent(change, prev)
    if ratio is None:
        return []
    verdict = classify(ratio, rate.value, rate.decimals)
    if verdict == "ok":
        return []
    exact = (abs(_base(current) - _base(previous))) * HUNDRED / _base(previous)
    shown = fmt(best_rounding(exact, rate.decimals + 2))
    formula = (
        f"|{q_text(current)} − {q_text(previous)}| / {q_text(previous)} = {shown}% ≠ {q_text(rate)}"
    )
    increase_text = _in_unit(abs(_base(current) - _base(previous)), current) + current.unit
    return [_growth_finding(rel, verdict, formula, exact, increase_text, q_text(previous))]


def _growth_finding(
    rel: Relation, verdict: Verdict, formula: str, exact: Decimal, increase: str, base: str
) -> Finding:
    """A growth rate that its amounts do not give, shown at two more digits than reported."""
    rate, current = rel.roles["rate"], rel.roles["current"]
    expected = best_rounding(exact, rate.decimals + 2)
    return finding(
        "growth_mismatch",
        verdict,
        rel,
        formula,
        rate.value,
        expected,
        current_label=rel.labels.get("current", ""),
        current=q_text(current),
        increase=increase,
        base=base,
        expected=fmt(expected),
        reported=fmt(rate.value, rate.decimals),
    )


def check_difference(rel: Relation) -> list[Finding]:
    a, b, diff = rel.roles["a"], rel.roles["b"], rel.roles["diff"]
    delta = value_range(a) - value_range(b)
    if delta.mid is not None and delta.mid < 0:
        delta = -delta
    verdict = classify_quantity(delta, diff)
    if verdict == "ok":
        return []
    expected = abs(_base(a) - _base(b))
    formula = f"{q_text(a)} − {q_text(b)} = {_in_unit(expected, diff)}{diff.unit} ≠ {q_text(diff)}"
    return [
        finding(
            "difference_mismatch",
            verdict,
            rel,
            formula,
            diff.value,
            expected / diff.scale,
            a_label=rel.labels.get("a", ""),
            a=q_text(a),
            b_label=rel.labels.get("b", ""),
            b=q_text(b),
            expected=_in_unit(expected, diff) + diff.unit,
            reported=q_text(diff),
        )
    ]


def check_product(rel: Relation) -> list[Finding]:
    rate, count, total = rel.roles["rate"], rel.roles["count"], rel.roles["total"]
    product = value_range(rate).times(value_range(count))
    if not product.bounded:
        return []
    verdict = classify_quantity(product, total)
    if verdict == "ok":
        return []
    expected = _base(rate) * _base(count)
    formula = f"{q_text(rate)} × {q_text(count)} = {_in_unit(expected, total)}{total.unit} ≠ {q_text(total)}"
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
            expected=_in_unit(expected, total) + total.unit,
            reported=q_text(total),
        )
    ]


def check_per_hundred(rel: Relation) -> list[Finding]:
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


def check_formula(rel: Relation) -> list[Finding]:
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
        Finding(
            "formula_mismatch",
            severity(
                "formula_mismatch",
                "last_digit" if any(r[0] == "last_digit" for r in results) else verdict,
            ),
            message(
                "formula_mismatch",
                formula_name="初中三年巩固率",
                expected=shown,
                reported=fmt(rate.value, rate.decimals),
            ),
            formula,
            rel.start,
            rel.end,
            reported=rate.value,
            expected=best_rounding(ratio.mid, rate.decimals + 2),
        )
    ]


def check_count(rel: Relation) -> list[Finding]:
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


# --------------------------------------------------------------------------------------------
# the same quantity stated twice


def check_duplicates(figures: list, text: str = "") -> list[Finding]:
    """The same stock figure (label, unit, level, year) stated with different values.

    Only head counts of people (专任教师, 在校学生, 随迁子女…) qualify: other labels name counts
    that legitimately differ from one indicator to the next (达标学校, 投入资金, 占比).
    """
    first_seen: dict[tuple, object] = {}
    findings = []
    for fig in figures:
        key = duplicate_key(fig.label, fig.quantity, fig.level, fig.year)
        if key is None or fig.is_target or fig.is_standard or in_value_list(fig, text):
            continue
        earlier = first_seen.setdefault(key, fig)
        if earlier is fig or earlier.sentence == fig.sentence:
            continue
        a, b = earlier.quantity, fig.quantity
        if _base(a) == _base(b):
            continue
        findings.append(
            Finding(
                "duplicate_mismatch",
                severity("duplicate_mismatch", "beyond"),
                message("duplicate_mismatch", label=key[0], first=q_text(a), second=q_text(b)),
                f"{q_text(a)} ≠ {q_text(b)}",
                b.start,
                b.end,
                reported=b.value,
                expected=a.value,
                extra={"first": {"start": a.start, "end": a.end}},
            )
        )
    return findings


_SCOPE = regex.compile(
    r"^(?:全区|全县|全市|全旗|我区|我县|目前|现有|共有|义务教育阶段|义务教育学校|义务教育|中小学|的)+"
)
_STOCK = regex.compile(r"教师|教职工|学生|在校生|幼儿|儿童|少年|随迁子女|毕业生")
_FLOW = regex.compile(
    r"达标|完成|新增|新进|新招|招聘|培训|交流|轮岗|参与|获|评|投入|资助|选|走教|检查|调研|送教|抽"
)


def duplicate_key(label: str, q: Quantity, level: str, year: int | None) -> tuple | None:
    """A comparable key for head counts of people, or None when the label is not one."""
    if not q.exact or q.ratio or q.kind != "count" or q.base_unit not in ("人", "名"):
        return None
    name = _SCOPE.sub("", label or "")
    if len(name) < 4 or not _STOCK.search(name) or _FLOW.search(name):
        return None
    return (name, q.base_unit if q.base_unit != "名" else "人", level, year)


def in_value_list(fig, text: str) -> bool:  # noqa: ANN001 - a pipeline.extract.figures.Figure
    """Values in a 分别 or 、 run stand for several years or groups, not one figure."""
    q = fig.quantity
    clause = text[fig.sentence.start : q.start]
    clause = clause[max((clause.rfind(c) for c in "，,；;"), default=-1) + 1 :]
    near = text[max(0, q.start - 2) : q.end + 2]
    return "分别" in clause or "、" in near


_CHECKS: dict[str, Callable[[Relation], list[Finding]]] = {
    "sum": check_sum,
    "percent": check_percent,
    "shares": check_shares,
    "growth": check_growth,
    "difference": check_difference,
    "product": check_product,
    "per_hundred": check_per_hundred,
    "formula": check_formula,
    "count": check_count,
}
