"""Shares: a percentage of a stated whole, checked against its part and whole, or (when the
whole is not stated) by granularity — can any integer whole give that percentage (GRIM)?

"分配名额835人，占比59.6%", "交流骨干教师103名，占交流教师数的29%",
"满意问卷数337份，…满意度为88.9%", "达标学校22所，不达标初中1所，达标比例95.7%".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

import regex

from pipeline.data import lexicon
from pipeline.engine.arithmetic import (
    HUNDRED,
    Range,
    accept_region,
    best_rounding,
    classify,
    classify_point,
    grim_whole_verdict,
    is_exact_count,
    percent,
    round_to,
    value_range,
)
from pipeline.engine.findings import Finding, base, finding, fmt, q_text
from pipeline.engine.reading import (
    TRAIL,
    Relation,
    Statement,
    Token,
    label_similarity,
    same_kind,
    usable,
    value_lists,
)
from pipeline.extract.quantities import Quantity

_SHARE_AFTER_PART = regex.compile(
    r"\s*[，,、]?\s*(?:其)?(?:占比|所占比例|占(?P<whole>[^，,。；;、\d]{1,24}?)(?:的)?(?:比例|比重)?)\s*"
    r"(?:为|达到|达|是|降至|降到|升至|提高到|提升到|下降到|增至)?\s*"
)
_RATE_WORDS = regex.compile(
    r"(?:比例|比率|占比|比重|满意度|满意率|达标率|合格率|覆盖率|完成率|入学率|就读率)$"
)
_TOTAL_WORDS = regex.compile(r"总|共|合计|全部")
_RATE_SUFFIX = regex.compile(r"(?:率|度|比例|比率|比重|占比)$")
_RATE_SCOPE = regex.compile(r"^.*?(?:其中|全区|全县|问卷调查综合|综合)")
_TOTAL_NAME = regex.compile(r"总|合计|共")
_AMONG = regex.compile(r"其中")
_PASS_RATE = regex.compile(r"(?:达标|合格)(?:比例|率)")
_PASSING = regex.compile(r"(?<![不未])(?:达标|合格)")
_BASIC = regex.compile(r"基本")
_FAILING = regex.compile(r"[不未](?:达标|合格)")


@dataclass
class ShareRelation(Relation):
    """A share, its part and its whole (mode "ratio"), a share of an unstated whole
    ("grim_whole"), or a pass rate whose whole is the sum of `parts` ("pass_rate");
    `candidates` are other wholes a reader accepts."""

    parts: list[Quantity] = field(default_factory=list)
    candidates: list[Quantity] = field(default_factory=list)


def read(stmt: Statement, sums: list[Relation]) -> list[Relation]:
    return percent_relations(stmt, sums)


def percent_relations(stmt: Statement, sums: list[Relation]) -> list[Relation]:
    """Shares tied to a stated part and (when readable) a stated whole."""
    relations = []
    in_lists = {id(t) for run in value_lists(stmt) for t in run}
    for i, t in enumerate(stmt.tokens):
        if t.q.unit != "%" or id(t) in in_lists or t.q.ratio:
            continue
        if _is_gross(stmt, t):
            stmt.refuse("shares", t.start, "毛入学（园）率可超过100%，不作占比复算")
            continue
        if _is_requirement(stmt, t):
            stmt.refuse("shares", t.start, "引用的要求或标准值，不是报告的实际比例")
            continue
        rel = _share_after_part(stmt, i, sums) or _named_rate(stmt, i) or _pass_rate(stmt, i)
        if rel is not None:
            relations.append(rel)
        else:
            stmt.refuse("shares", t.start, "读不出唯一的分子和整体")
    return relations


def _is_gross(stmt: Statement, t: Token) -> bool:
    gross = lexicon()["vocabulary"]["gross_rates"]
    return any(w in stmt.clause_before(t.start) for w in gross)


_REQUIREMENT_AFTER = regex.compile(r"\s*(?:的|以上的|以下的)?\s*(?:要求|标准|目标|规定|底线)")


def _is_requirement(stmt: Statement, t: Token) -> bool:
    """ "达到了社会满意度85%的要求": a threshold quoted, not a value reported."""
    if t.q.qualifier and t.q.qualifier != "达到":
        return True
    return _REQUIREMENT_AFTER.match(stmt.text, t.end) is not None


def _previous(stmt: Statement, i: int) -> Token | None:
    return stmt.tokens[i - 1] if i > 0 else None


def _share_after_part(stmt: Statement, i: int, sums: list[Relation]) -> Relation | None:
    """ "分配名额835人，占比59.6%", "交流骨干教师103名，占交流教师数的29%"."""
    share = stmt.tokens[i]
    part = _previous(stmt, i)
    if part is None or not usable(part) or part.q.kind != "count" and part.q.kind != "amount":
        return None
    m = _SHARE_AFTER_PART.fullmatch(stmt.between(part, share))
    if not m:
        return None
    rel = ShareRelation("percent", part.start, share.end, roles={"part": part.q, "share": share.q})
    rel.labels = {"part": part.label, "share": share.label}
    wanted = (m.group("whole") or "").strip()
    whole = _whole_for(stmt, i - 1, part, wanted, sums)
    if whole is None and not wanted:
        whole = _whole_in_previous(stmt, part)
    elif whole is None:
        whole = named_whole_in_previous(stmt, part, wanted)
    if whole is not None:
        rel.roles["whole"] = whole.q
        rel.labels["whole"] = whole.label
        rel.mode = "ratio"
        rel.start = min(rel.start, whole.start)
    elif wanted or _whole_implied(stmt, part):
        rel.mode = "grim_whole"
        rel.labels["whole"] = wanted or "总数"
    else:
        return None
    return rel


def _whole_implied(stmt: Statement, part: Token) -> bool:
    """ "占比X%" right after a count with no stated whole: a share of an unstated total."""
    return part.q.kind == "count"


def _whole_for(
    stmt: Statement, part_index: int, part: Token, wanted: str, sums: list[Relation]
) -> Token | None:
    """The whole a share refers to: named ("占X的"), the total of a list the part belongs to,
    or the only earlier addable total in the statement."""
    earlier = [
        t
        for t in stmt.tokens[:part_index]
        if usable(t) and same_kind(t.q, part.q, t.label, part.label)
    ]
    if wanted:
        scored = [(label_similarity(wanted, t.label), t) for t in earlier]
        scored = [(s, t) for s, t in scored if s >= Decimal("0.75")]
        if scored:
            best = max(s for s, _ in scored)
            top = [t for s, t in scored if s == best]
            return top[-1] if len(top) == 1 or _same_value(top) else None
        return None
    for rel in sums:
        if (rel.mode == "partition" or len(rel.parts) == 1) and any(p is part.q for p in rel.parts):
            total = rel.roles["total"]
            return next((t for t in stmt.tokens if t.q is total), None)
    siblings = _share_bearers(stmt)
    earlier = [
        t
        for t in earlier
        if t.depth == part.depth and t.q.value >= part.q.value and id(t) not in siblings
    ]
    named = [t for t in earlier if _TOTAL_WORDS.search(t.label + stmt.clause_before(t.start))]
    if len(named) == 1:
        return named[0]
    if (
        len(earlier) == 1
        and _same_object(earlier[0], part)
        and not _CHANGED.search(stmt.clause_before(part.start))
    ):
        return earlier[0]
    return None


def _share_bearers(stmt: Statement) -> set[int]:
    """Counts followed by their own share ("随班就读60人、占比22.1%"): parts of a list, so never
    the whole of a sibling's share."""
    toks = stmt.tokens
    return {
        id(a)
        for a, b in zip(toks, toks[1:], strict=False)
        if b.q.unit == "%"
        and usable(a)
        and (m := _SHARE_AFTER_PART.fullmatch(stmt.between(a, b)))
        and not m.group("whole")
    }


_REFERS_BACK = regex.compile(r"\s*(?:其中|在这些\p{Han}{0,6}中|上述\p{Han}{0,6}中)\s*[，,：:]?")


def named_whole_in_previous(stmt: Statement, part: Token, wanted: str) -> Token | None:
    """ "在校生88.08万人…。其中，随班就读在校生43.58万人，占特殊教育在校生的比例49.47%": a
    sentence opening with 其中 names the whole of its shares, stated in the sentence before
    under the same noun (在校生); only a single such count is taken."""
    if stmt.previous is None or not _REFERS_BACK.match(stmt.text, stmt.start):
        return None
    wholes = [
        t
        for t in stmt.previous.tokens
        if usable(t)
        and same_kind(t.q, part.q, t.label, part.label)
        and len(t.label) >= 2
        and (wanted.endswith(t.label) or t.label.endswith(wanted))
        and base(t.q) >= base(part.q)
    ]
    return wholes[0] if len(wholes) == 1 else None


def _whole_in_previous(stmt: Statement, part: Token) -> Token | None:
    """ "…入学272人。其中，特教学校就读154人、占比56.6%，随班就读60人、占比22.1%…": a sentence
    opening with 其中 lists parts of a whole stated in the sentence before. Of that sentence's
    counts (here 276 适龄, 272 入学), the whole is the one the listed counts add up to (they
    partition it); when none does, there is no safe reading and the share keeps no whole."""
    if stmt.previous is None or not _REFERS_BACK.match(stmt.text, stmt.start):
        return None
    bearers = _share_bearers(stmt)
    listed = [
        t for t in stmt.tokens if id(t) in bearers and t.depth == part.depth and is_exact_count(t.q)
    ]
    if len(listed) < 2 or all(t is not part for t in listed):
        return None
    if not all(same_kind(t.q, part.q, t.label, part.label) for t in listed):
        return None
    total = sum((t.q.value for t in listed), Decimal(0))
    wholes = [
        t
        for t in stmt.previous.tokens
        if is_exact_count(t.q)
        and same_kind(t.q, part.q, t.label, part.label)
        and t.q.value == total
    ]
    return wholes[-1] if wholes else None


_CHANGED = regex.compile(
    r"(?:降至|降到|减少到|减少至|下降到|下降至|升至|增至|增加到|增加至|提高到|提升到)\s*$"
)


def _same_object(whole: Token, part: Token) -> bool:
    """Do the two labels name the same kind of thing (学校 … 的学校), so one can be the other's whole?"""
    a, b = whole.label, part.label
    return label_similarity(a, b) >= Decimal("0.5") or (
        len(a) >= 2 and len(b) >= 2 and a[-2:] == b[-2:]
    )


def _same_value(tokens: list[Token]) -> bool:
    return len({t.q.value * t.q.scale for t in tokens}) == 1


def _named_rate(stmt: Statement, i: int) -> Relation | None:
    """ "指标到校数为2452人，指标到校比例为71.2%", "满意问卷数337份，…满意度为88.9%"."""
    share = stmt.tokens[i]
    label = TRAIL.sub("", stmt.clause_before(share.start)).strip()
    m = _RATE_WORDS.search(label)
    if not m:
        return None
    stem = label[: m.start()]
    core = _RATE_SUFFIX.sub("", m.group())
    if len(core) >= 2:
        stem = core
    stem = _RATE_SCOPE.sub("", stem)
    earlier = [t for t in stmt.tokens[:i] if usable(t) and t.q.kind == "count"]
    if len(stem) < 2 or not earlier:
        return None
    parts = [t for t in earlier if stem in t.label and "不" + stem not in t.label]
    if not parts:
        parts = _part_just_named(stmt, i, label)
    if len(parts) != 1:
        return None
    part = parts[0]
    wholes = [
        t
        for t in earlier
        if t is not part
        and same_kind(t.q, part.q, t.label, part.label)
        and t.q.value >= part.q.value
    ]
    if not wholes:
        return None
    # "…有效问卷2655份，其中满意问卷2501份": 其中 refers to the whole just before it; else a whole
    # named as a total (总, 合计, 共); else the nearest one ("发放问卷3669份，回收有效问卷3529份，
    # 满意3349份": each count narrows the one before).
    named = [t for t in wholes if _TOTAL_NAME.search(t.label)]
    if _AMONG.search(stmt.text, wholes[-1].end, part.start) or len(named) != 1:
        main = wholes[-1]
    else:
        main = named[-1]
    rel = ShareRelation("percent", min(t.start for t in [part, *wholes]), share.end, mode="ratio")
    rel.roles = {"part": part.q, "whole": main.q, "share": share.q}
    rel.labels = {"part": part.label, "whole": main.label, "share": label}
    rel.candidates = [t.q for t in wholes if t is not main]
    return rel


def _part_just_named(stmt: Statement, i: int, label: str) -> list[Token]:
    """ "教师57人，其中大专学历52人，学历合格率92%": the rate right after a 其中 part, the part's
    name sharing a word with the rate's (学历), is that part's share of the whole before it."""
    if i < 2:
        return []
    whole, part = stmt.tokens[i - 2], stmt.tokens[i - 1]
    if not _AMONG.search(stmt.text, whole.end, part.start) or part.q.kind != "count":
        return []
    shared = any(part.label[k : k + 2] in label for k in range(len(part.label) - 1))
    return [part] if shared else []


def _pass_rate(stmt: Statement, i: int) -> Relation | None:
    """ "达标学校22所，不达标初中1所，达标比例95.7%": whole = meeting + not meeting."""
    share = stmt.tokens[i]
    label = stmt.clause_before(share.start)
    if not _PASS_RATE.search(label):
        return None
    earlier = [
        t for t in stmt.tokens[:i] if t.depth == share.depth and usable(t) and t.q.kind == "count"
    ]
    passing = [t for t in earlier if _PASSING.search(t.label) and not _BASIC.search(t.label)]
    failing_start = next(
        (
            k
            for k, t in enumerate(earlier)
            if _FAILING.search(t.label + stmt.clause_before(t.start))
        ),
        None,
    )
    if len(passing) != 1 or failing_start is None:
        return None
    failing = [
        t
        for t in earlier[failing_start:]
        if t is not passing[0] and same_kind(t.q, passing[0].q, "学校" + t.label, "学校")
    ]
    if not failing or earlier.index(passing[0]) > failing_start:
        return None
    rel = ShareRelation("percent", passing[0].start, share.end, mode="pass_rate")
    rel.roles = {"part": passing[0].q, "share": share.q}
    rel.parts = [passing[0].q, *[t.q for t in failing]]
    rel.labels = {"part": passing[0].label, "whole": "参评学校（达标+不达标）", "share": label}
    return rel


def check_percent(rel: ShareRelation) -> list[Finding]:
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
        results.append((_share_verdict(part, ratio, whole_range, share), ratio, whole_range))
    if any(v == "ok" for v, _, _ in results):
        return []
    verdict, ratio, whole_range = min(results, key=lambda r: r[0] != "last_digit")
    exact = ratio.mid
    digits = max(share.decimals + 1, 2)
    shown = fmt(best_rounding(exact, digits), digits)
    how = _how(exact, share)
    whole_text = _whole_text(rel, whole_range)
    formula = f"{_part_text(part)} / {whole_text} = {shown}% ≠ {q_text(share)}"
    whole_unit = (
        rel.roles["whole"].unit if "whole" in rel.roles and rel.roles["whole"].scale == 1 else ""
    )
    return [
        finding(
            "percent_mismatch",
            verdict,
            rel,
            formula,
            share.value,
            best_rounding(exact, share.decimals + 2),
            part_label=rel.labels.get("part", ""),
            part=q_text(part),
            whole_label=rel.labels.get("whole", ""),
            whole=whole_text + whole_unit,
            expected=shown,
            reported=fmt(share.value, share.decimals),
            how=how,
        )
    ]


def _share_verdict(part: Quantity, ratio: Range, whole: Range, share: Quantity) -> str:
    """Judged on the stated figures, like a growth rate: a share that only the rounding of its
    inputs explains (43.58万 / 88.08万 = 49.478% reported 49.47%) is a last-digit warning. A part
    with a qualifier (余, 以上) has no stated point, so only its range is compared."""
    part_mid, whole_mid = value_range(part).mid, whole.mid
    if not part.exact or part_mid is None or not whole_mid:
        return classify(ratio, share.value, share.decimals)
    with localcontext() as ctx:
        ctx.prec = 40
        point = part_mid / whole_mid * HUNDRED
    return classify_point(point, ratio, share.value, share.decimals)


def _part_text(q: Quantity) -> str:
    return fmt(q.value) if q.scale == 1 else q_text(q)


def _whole_text(rel: ShareRelation, whole_range: Range) -> str:
    if rel.mode == "pass_rate":
        return "(" + " + ".join(fmt(p.value) for p in rel.parts) + ")"
    whole = rel.roles.get("whole")
    if whole is not None and value_range(whole) == whole_range:
        return _part_text(whole)
    for c in rel.candidates:
        if value_range(c) == whole_range:
            return _part_text(c)
    return fmt(whole_range.mid or Decimal(0))


def _wholes(rel: ShareRelation) -> list[Range]:
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


def _check_grim(rel: ShareRelation) -> list[Finding]:
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


CHECKS = {"percent": check_percent}
