"""Shares of one whole read together: lists introduced by 分别 ("分别102名、94名、123名，分别
占…总数的21.528%、21.56%、27.39%"), and several shares of the same stated whole, whose sum must
be about 100% and must not have been forced to exactly 100 by adjusting some of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import regex

from pipeline.engine.arithmetic import (
    HUNDRED,
    Range,
    Verdict,
    accept_region,
    best_rounding,
    classify,
    is_exact_count,
    round_to,
    rounding_policy,
    roundings,
)
from pipeline.engine.findings import Finding, finding, fmt, q_text
from pipeline.engine.reading import (
    LEAD,
    TRAIL,
    Relation,
    Statement,
    Token,
    label_similarity,
    usable,
    value_lists,
)
from pipeline.engine.shares import ShareRelation, named_whole_in_previous
from pipeline.extract.quantities import Quantity

_LIST_SHARE = regex.compile(
    r"分别(?:占比|(?:占|达到|达|为|是)?(?P<whole>[^，,。；;、\d]{2,24}?)的(?:比例|比重)?|占|为|是|达到|达)?"
    r"\s*(?:为|达到|达)?\s*$"
)


def read(stmt: Statement) -> list[Relation]:
    return list_relations(stmt)


@dataclass
class SharesGroup(Relation):
    """Counts of one whole (`parts`) and their shares, in the order the text lists them."""

    parts: list[Quantity] = field(default_factory=list)
    shares: list[Quantity] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def list_relations(stmt: Statement) -> list[Relation]:
    """ "分别102名、94名、123名，分别达到…总数的21.528%、21.56%、27.39%" and shares lists."""
    relations = []
    runs = value_lists(stmt)
    for k, run in enumerate(runs):
        if run[0].q.unit != "%":
            continue
        m = _LIST_SHARE.search(stmt.clause_before(run[0].start))
        if not m:
            continue
        counts = [r for r in runs[:k] if r[0].q.unit != "%" and len(r) == len(run)]
        if not counts or not all(usable(t) for t in counts[-1]):
            continue
        parts = counts[-1]
        wanted = (m.group("whole") or "").strip()
        wholes = None
        if wanted:
            named = [
                r
                for r in counts[:-1]
                if label_similarity(wanted, _list_label(stmt, r)) >= Decimal("0.75")
            ]
            wholes = named[-1] if named else None
            if wholes is None and (whole := named_whole_in_previous(stmt, parts[0], wanted)):
                wholes = [whole] * len(run)  # one whole, named and stated the sentence before
        for p, s, w in zip(parts, run, wholes or [None] * len(run), strict=True):
            rel = ShareRelation("percent", p.start, s.end, roles={"part": p.q, "share": s.q})
            rel.labels = {"part": _list_label(stmt, parts), "share": s.label}
            if w is not None:
                rel.roles["whole"] = w.q
                rel.labels["whole"] = _list_label(stmt, wholes)
                rel.mode = "ratio"
            elif wanted:
                rel.mode = "grim_whole"
                rel.labels["whole"] = wanted
            else:
                continue
            relations.append(rel)
    return relations


def _list_label(stmt: Statement, run: list[Token]) -> str:
    head = stmt.clause_before(run[0].start)
    head = head.split("分别")[0]
    return LEAD.sub("", TRAIL.sub("", head).strip())[-24:]


def share_groups(percents: list[Relation]) -> list[Relation]:
    """Several shares of the same stated whole in one statement (59人占30.4%，94人占48.4%…)."""
    by_whole: dict[int, list[Relation]] = {}
    for rel in percents:
        whole = rel.roles.get("whole")
        if whole is not None and rel.mode == "ratio":
            by_whole.setdefault(id(whole), []).append(rel)
    groups = []
    for members in by_whole.values():
        if len(members) < 2:
            continue
        parts = [m.roles["part"] for m in members]
        if len({id(p) for p in parts}) != len(parts):
            continue
        g = SharesGroup("shares", members[0].start, members[-1].end, mode="counts")
        g.roles = {"whole": members[0].roles["whole"]}
        g.parts = parts
        g.shares = [m.roles["share"] for m in members]
        g.labels = {"whole": members[0].labels.get("whole", "")}
        g.items = [m.labels.get("part", "") for m in members]
        groups.append(g)
    return groups


def check_shares(rel: SharesGroup) -> list[Finding]:
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
        for mode in rounding_policy().all_modes
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
            finding(
                "shares_forced_to_100",
                "last_digit",
                rel,
                formula,
                total_share,
                sum(
                    (round_to(e, s.decimals) for s, e in zip(shares, exact, strict=True)),
                    Decimal(0),
                ),
                total=fmt(total_share),
                offenders=listed,
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
                finding(
                    "shares_sum_mismatch",
                    verdict,
                    rel,
                    " + ".join(fmt(s.value, s.decimals) for s in shares)
                    + f" = {fmt(total_share)} ≠ 100",
                    total_share,
                    HUNDRED,
                    shares_text="、".join(q_text(s) for s in shares),
                    sum=fmt(total_share),
                )
            )
    return findings


def _sum_verdict(lo: Decimal, hi: Decimal, shares: list[Quantity]) -> Verdict:
    step = max(Decimal(1).scaleb(-s.decimals) for s in shares)
    return "last_digit" if lo - step <= HUNDRED < hi + step else "beyond"


CHECKS = {"shares": check_shares}
