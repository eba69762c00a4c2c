"""Changes: a growth rate and its amounts ("比上年同期增加支出8131.88万元，增长12.89%",
"由12.5亿元增加到13.8亿元，增长10.4%"), a difference of two amounts ("较…15.3549万元，超出
0.0654万元") and a change of percentages in 个百分点, which is a difference, never a growth rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

import regex

from pipeline.data import derived_from, lexicon
from pipeline.engine.arithmetic import (
    HUNDRED,
    Range,
    Verdict,
    best_rounding,
    classify,
    classify_point,
    classify_quantity,
    percent,
    value_range,
)
from pipeline.engine.findings import Finding, base, finding, fmt, in_unit, q_text
from pipeline.engine.reading import Relation, Statement, Token, alternation, same_kind, usable

_STATEMENT_BREAK = regex.compile(r"[；;。]")
_SEMICOLON = regex.compile(r"[；;]")


@dataclass
class GrowthRelation(Relation):
    """roles current, increase, rate (mode rise / fall), or previous, current, rate."""


@dataclass
class DifferenceRelation(Relation):
    """roles a, b and their stated difference diff."""


def read(stmt: Statement) -> list[Relation]:
    return [
        *growth_relations(stmt),
        *two_amount_growth(stmt),
        *stated_growth(stmt),
        *difference_relations(stmt),
        *point_change_relations(stmt),
    ]


@derived_from("lexicon.toml")
def _growth_patterns() -> dict[str, regex.Pattern]:
    """Regexes of the growth vocabulary in rules.toml (comparison cue, verbs, rate words)."""
    v = lexicon()["vocabulary"]["growth"]
    verbs = alternation(v["rise"] + v["fall"])
    rate_words = alternation(v["rise_rate"] + v["fall_rate"])
    cue = (
        rf"(?:{alternation(v['same_period'])}"
        rf"|(?:{alternation(v['comparers'])})\s*(?:{alternation(v['bases'])})(?:相比|比较)?)"
        rf"\s*[，,]?\s*[^，,。；;\d%]{{0,6}}?(?P<dir>{verbs})"
    )
    return {
        "cue": regex.compile(cue),
        # "，增长8.9%", "、增幅为8.9%" between the amount and its rate
        "rate_gap": regex.compile(
            rf"\s*[，,、]?\s*(?:同比)?(?P<word>{rate_words})(?:率)?(?:为|达到|达|了)?\s*"
        ),
        # "，增加6020万元", "，增加教育经费6020万元" between a rate and its amount
        "amount_gap": regex.compile(rf"\s*[，,、]\s*(?P<word>{verbs})了?[\p{{Han}}]{{0,6}}?\s*"),
        # what may stand between the change verb and the first number: "增加支出", "增长了"
        "lead": regex.compile(r"[\p{Han}\s]{0,8}"),
    }


def _is_fall(word: str) -> bool:
    """Does a change or rate word ("下降", "降幅", "减少") name a decrease?"""
    v = lexicon()["vocabulary"]["growth"]
    return any(word.startswith(w) for w in v["fall"] + v["fall_rate"])


def growth_relations(stmt: Statement) -> list[Relation]:
    """ "支出7.12亿元，比上年同期增加支出8131.88万元，增长12.89%", "同比增长8.9%，增加…万元"."""
    relations = []
    pats = _growth_patterns()
    for m in pats["cue"].finditer(stmt.text, stmt.start, stmt.end):
        before = [t for t in stmt.tokens if t.end <= m.start()]
        after = [t for t in stmt.tokens if t.start >= m.end()]
        if not before or len(after) < 2:
            continue
        current = before[-1]
        if _STATEMENT_BREAK.search(stmt.text, current.end, m.start()):
            continue
        if not pats["lead"].fullmatch(stmt.text[m.end() : after[0].start]):
            continue
        falling = _is_fall(m.group("dir"))
        pair = _amount_and_rate(stmt, after[0], after[1], falling)
        if pair is None:
            continue
        if not _growable(current, pair[0]):
            stmt.refuse("changes", current.start, "变化量与现值不是同类数量，不作增长率复算")
            continue
        increase, rate = pair
        rel = GrowthRelation("growth", current.start, max(increase.end, rate.end))
        rel.mode = "fall" if falling else "rise"
        rel.roles = {"current": current.q, "increase": increase.q, "rate": rate.q}
        rel.labels = {"current": current.label}
        relations.append(rel)
    return relations


def _amount_and_rate(
    stmt: Statement, first: Token, second: Token, falling: bool
) -> tuple[Token, Token] | None:
    """(amount of change, growth rate) in either order, joined by a word of the same direction."""
    pats = _growth_patterns()
    gap = stmt.between(first, second)
    if first.q.unit != "%":
        amount, rate, m = first, second, pats["rate_gap"].fullmatch(gap)
    else:
        amount, rate, m = second, first, pats["amount_gap"].fullmatch(gap)
    if m is None or rate.q.unit != "%" or not rate.q.exact or amount.q.unit == "%":
        return None
    if _is_fall(m.group("word")) != falling:
        stmt.refuse("changes", rate.start, "增减方向前后不一致，无法确定读法")
        return None
    return amount, rate


def _growable(current: Token, increase: Token) -> bool:
    """A stated amount or count and its change, in the same kind of unit ("学校50所，比上年增加
    学位3000个" is not a change of the schools)."""
    return (
        usable(current)
        and usable(increase)
        and current.q.kind in ("amount", "count")
        and current.q.unit != "个百分点"
        and same_kind(current.q, increase.q, current.label, increase.label)
    )


_TO = regex.compile(r"(?P<dir>增加|增长|提高|提升|上升|增|减少|下降|降低|降)(?:到|至)\s*$")
_RATE_AFTER = regex.compile(
    r"\s*[，,]?\s*(?:同比)?(?:增长|增幅|增长率|提高|下降|降幅|减少)(?:了|为|达)?\s*"
)
_YEAR_BEFORE = regex.compile(r"((?:19|20)\d{2})\s*年")


def two_amount_growth(stmt: Statement) -> list[Relation]:
    """ "由12.5亿元增加到13.8亿元，增长10.4%", "2023年投入12.5亿元，2024年投入13.8亿元，增长10.4%"."""
    relations = []
    toks = stmt.tokens
    for i in range(len(toks) - 2):
        a, b, rate = toks[i], toks[i + 1], toks[i + 2]
        if not (usable(a) and usable(b) and same_kind(a.q, b.q) and a.q.unit != "%"):
            continue
        if (
            rate.q.unit != "%"
            or not rate.q.exact
            or not _RATE_AFTER.fullmatch(stmt.between(b, rate))
        ):
            continue
        gap = stmt.between(a, b)
        to = _TO.search(gap)
        if to and not _SEMICOLON.search(gap):
            falling = to.group("dir") in ("减少", "下降", "降低", "降")
        else:
            ya = _YEAR_BEFORE.findall(stmt.clause_before(a.start))
            yb = _YEAR_BEFORE.findall(gap)
            if not (ya and yb and int(yb[-1]) == int(ya[-1]) + 1) or _SEMICOLON.search(gap):
                continue
            falling = b.q.value * b.q.scale < a.q.value * a.q.scale
        rel = GrowthRelation("growth", a.start, rate.end, mode="fall" if falling else "rise")
        rel.roles = {"previous": a.q, "current": b.q, "rate": rate.q}
        rel.labels = {"current": b.label}
        relations.append(rel)
    return relations


@derived_from("lexicon.toml")
def _stated_gaps() -> dict[str, regex.Pattern]:
    """Gaps of "A，比上年的B增长r%", "A比上年B减少D，下降r%" and "上年B，本年A，同口径增长r%"."""
    v = lexicon()["vocabulary"]["growth"]
    verbs = alternation(v["rise"] + v["fall"] + v["rise_rate"] + v["fall_rate"] + ["增", "减"])
    bases = alternation(v["bases"])
    return {
        "than": regex.compile(
            rf"\s*[，,]?\s*(?:{alternation(v['comparers'])})\s*(?:{bases})(?:相比|比较)?\s*(?:的|为)?\s*"
        ),
        "rate": regex.compile(
            rf"\s*[，,]?\s*(?:同口径)?(?:相比|比较)?\s*[，,]?\s*(?:本年)?(?:比上年)?(?:同比)?"
            rf"(?P<dir>{verbs})了?(?:幅度|率)?(?:为|达到|达)?\s*"
        ),
        "increase": regex.compile(rf"\s*[，,]?\s*(?P<dir>{verbs})了?\s*"),
        "previous": regex.compile(rf"(?:{bases})(?:为|是)?\s*$"),
        "current": regex.compile(r"\s*[，,]\s*(?:本年|今年|当年)(?:为|是)?\s*"),
    }


def stated_growth(stmt: Statement) -> list[Relation]:
    """A growth rate stated with both amounts: "为6497元，比上年的5612元增长15.78%", with the
    change between ("比上年34583.04万元减少738.30万元，下降1.73%"), or "上年B，本年A，增长r%"."""
    gaps, toks, found = _stated_gaps(), stmt.tokens, []
    for i in range(len(toks) - 2):
        a, b = toks[i], toks[i + 1]
        if gaps["than"].fullmatch(stmt.between(a, b)):
            current, previous = a, b
        elif gaps["current"].fullmatch(stmt.between(a, b)) and gaps["previous"].search(
            stmt.clause_before(a.start)
        ):
            previous, current = a, b
        else:
            continue
        if not _comparable(current, previous):
            stmt.refuse("changes", a.start, "两期数值不是同类数量，不作增长率复算")
            continue
        rest, increase = toks[i + 2 :], None
        m = gaps["increase"].fullmatch(stmt.between(b, rest[0]))
        if len(rest) > 1 and m and rest[0].q.unit != "%" and same_kind(current.q, rest[0].q):
            increase, rest = rest[0], rest[1:]
        rate = rest[0]
        m = gaps["rate"].fullmatch(stmt.between(increase or b, rate))
        if m is None or rate.q.unit != "%" or not rate.q.exact:
            continue
        rel = GrowthRelation("stated_growth", current.start, rate.end)
        rel.mode = "fall" if _is_fall(m.group("dir")) else "rise"
        rel.roles = {"previous": previous.q, "current": current.q, "rate": rate.q}
        if increase is not None:
            rel.roles["increase"] = increase.q
        rel.labels = {"current": current.label}
        found.append(rel)
    return found


def _comparable(current: Token, previous: Token) -> bool:
    """Two amounts of one quantity in two periods; an unlabelled number takes the other's unit
    ("上年2709.16，本年2845.20元")."""
    if current.q.unit == "%" or previous.q.unit == "%":
        return False
    if not (current.q.exact and previous.q.exact and not current.q.ratio and not previous.q.ratio):
        return False
    if previous.q.kind == "plain" or same_kind(current.q, previous.q):
        return True
    # "3.94亿元，比上年的3.92亿": the magnitude alone stands for the same unit
    return f"{previous.q.unit}元" == current.q.unit or f"{current.q.unit}元" == previous.q.unit


def check_stated_growth(rel: GrowthRelation) -> list[Finding]:
    """The growth rate the two stated amounts give, compared at the reported digits."""
    previous, current, rate = rel.roles["previous"], rel.roles["current"], rel.roles["rate"]
    scale = current.scale if previous.kind == "plain" else previous.scale
    prev, cur = value_range(previous).scaled(scale / previous.scale), value_range(current)
    if prev.lo is None or prev.lo <= 0 or cur.lo is None or cur.hi is None:
        return []
    reported = -rate.value if rel.mode == "fall" and rate.value > 0 else rate.value
    with localcontext() as ctx:
        ctx.prec = 40
        point = (base(current) / (previous.value * scale) - 1) * HUNDRED
        true = Range((cur.lo / prev.hi - 1) * HUNDRED, (cur.hi / prev.lo - 1) * HUNDRED)
    verdict = classify_point(point, true, reported, rate.decimals)
    if verdict == "ok":
        return []
    shown = fmt(best_rounding(point, rate.decimals + 2))
    prev_text = previous.raw + (previous.unit or current.unit)
    formula = f"{q_text(current)} / {prev_text} − 1 = {shown}% ≠ {fmt(reported, rate.decimals)}%"
    return [
        finding(
            "growth_mismatch",
            verdict,
            rel,
            formula,
            reported,
            best_rounding(point, rate.decimals + 2),
            template="message_two_amounts",
            current_label=rel.labels.get("current", ""),
            current=q_text(current),
            previous=prev_text,
            expected=shown,
            reported=fmt(reported, rate.decimals),
        )
    ]


_DIFF = regex.compile(r"^\s*[，,]?\s*(?:较|比|与|相比|高于|低于)(?P<label>[^，,。；;\d]{0,24}?)$")
_DIFF_VERB = regex.compile(
    r"^\s*[，,]?\s*(?:相比)?[，,]?\s*(?:超出|高出|多出|多|高|超过|低|少|减少|增加|相差|差)了?\s*$"
)


def difference_relations(stmt: Statement) -> list[Relation]:
    """ "年平均工资15.4203万元，较公务员年平均工资收入15.3549万元，超出0.0654万元"."""
    relations = []
    toks = stmt.tokens
    for i in range(len(toks) - 2):
        a, b, c = toks[i], toks[i + 1], toks[i + 2]
        if not all(t.q.exact and not t.q.ratio for t in (a, b, c)):
            continue
        if not (same_kind(a.q, b.q) and same_kind(a.q, c.q)) or a.q.unit == "%" and c.q.unit != "%":
            continue
        first_gap = stmt.between(a, b)
        m = _DIFF.match(first_gap)
        if not m or not _DIFF_VERB.match(stmt.between(b, c)):
            continue
        rel = DifferenceRelation(
            "difference", a.start, c.end, roles={"a": a.q, "b": b.q, "diff": c.q}
        )
        rel.labels = {"a": a.label, "b": m.group("label") or b.label}
        relations.append(rel)
    return relations


@derived_from("lexicon.toml")
def _point_gaps() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    """Gaps of "由A%提高到B%，提高C个百分点" and "B%，比上年（A%）提高C个百分点"."""
    v = lexicon()["vocabulary"]["growth"]
    verbs = alternation(v["rise"] + v["fall"])
    to = regex.compile(rf"\s*(?:{verbs})(?:到|至)\s*")
    than = regex.compile(
        rf"\s*[，,]?\s*(?:{alternation(v['comparers'])})\s*(?P<base>{alternation(v['bases'])})"
        r"(?:的|[（(])\s*"
    )
    change = regex.compile(rf"\s*[)）]?\s*[，,、]?\s*(?:{verbs})了?\s*")
    return to, than, change


def point_change_relations(stmt: Statement) -> list[Relation]:
    """A change in 个百分点 between two stated percentages: a difference, never a growth rate."""
    relations = []
    to, than, change = _point_gaps()
    toks = stmt.tokens
    for a, b, c in zip(toks, toks[1:], toks[2:], strict=False):
        if not (a.q.unit == b.q.unit == "%" and c.q.unit == "个百分点"):
            continue
        if not all(t.q.exact and not t.q.ratio for t in (a, b, c)):
            continue
        if not change.fullmatch(stmt.between(b, c)):
            continue
        if to.fullmatch(stmt.between(a, b)):
            new, old, old_label = b, a, "原来"
        elif m := than.fullmatch(stmt.between(a, b)):
            new, old, old_label = a, b, m.group("base")
        else:
            continue
        rel = DifferenceRelation(
            "difference", a.start, c.end, roles={"a": new.q, "b": old.q, "diff": c.q}
        )
        rel.labels = {"a": new.label or a.label, "b": old_label}
        relations.append(rel)
    return relations


# growth, difference, product, per hundred, formula


def check_growth(rel: GrowthRelation) -> list[Finding]:
    if "previous" in rel.roles:
        return _check_two_amount_growth(rel)
    current, increase, rate = rel.roles["current"], rel.roles["increase"], rel.roles["rate"]
    cur, inc = value_range(current), value_range(increase)
    before = cur - inc if rel.mode == "rise" else cur + inc
    ratio = percent(inc, before)
    if ratio is None or before.mid is None or before.mid <= 0:
        return []
    sign = 1 if rel.mode == "rise" else -1
    exact = base(increase) * HUNDRED / (base(current) - sign * base(increase))
    verdict = classify_point(exact, ratio, rate.value, rate.decimals)
    if verdict == "ok":
        return []
    formula = (
        f"{q_text(increase)} / ({q_text(current)} {'−' if rel.mode == 'rise' else '+'} {q_text(increase)}) = "
        f"{fmt(best_rounding(exact, rate.decimals + 2))}% ≠ {q_text(rate)}"
    )
    increase_text, base_text = q_text(increase), in_unit(before.mid, increase) + increase.unit
    return [_growth_finding(rel, verdict, formula, exact, increase_text, base_text)]


def _check_two_amount_growth(rel: GrowthRelation) -> list[Finding]:
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
    exact = (abs(base(current) - base(previous))) * HUNDRED / base(previous)
    shown = fmt(best_rounding(exact, rate.decimals + 2))
    formula = (
        f"|{q_text(current)} − {q_text(previous)}| / {q_text(previous)} = {shown}% ≠ {q_text(rate)}"
    )
    increase_text = in_unit(abs(base(current) - base(previous)), current) + current.unit
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


def check_difference(rel: DifferenceRelation) -> list[Finding]:
    a, b, diff = rel.roles["a"], rel.roles["b"], rel.roles["diff"]
    delta = value_range(a) - value_range(b)
    if delta.mid is not None and delta.mid < 0:
        delta = -delta
    verdict = classify_quantity(delta, diff)
    if verdict == "ok":
        return []
    expected = abs(base(a) - base(b))
    formula = f"{q_text(a)} − {q_text(b)} = {in_unit(expected, diff)}{diff.unit} ≠ {q_text(diff)}"
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
            expected=in_unit(expected, diff) + diff.unit,
            reported=q_text(diff),
        )
    ]


CHECKS = {
    "growth": check_growth,
    "stated_growth": check_stated_growth,
    "difference": check_difference,
}
