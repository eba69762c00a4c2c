"""Funding requirements a report's own growth rates can be checked against: the budget's
education spending must not fall (只增不减), and must grow faster than the fiscal revenue that
pays for it (教育法 "三个增长"). Both are `info`: the text states the numbers, the law the bar.

A growth rate belongs to a subject when it is the first rate after the subject's name in the
same statement, with no other subject named in between ("一般公共预算教育经费64469万元，比上年
的73991万元增长-12.9%").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import regex

from pipeline.data import derived_from, lexicon
from pipeline.engine.arithmetic import HUNDRED
from pipeline.engine.findings import Finding, finding, fmt, q_text
from pipeline.engine.reading import Statement, Token, alternation
from pipeline.extract.fold import GLOSS

_CLAUSE_BREAK = regex.compile(r"[，,；;。]")
# 指标304: teacher training funds at least 5% of the schools' annual public-funds budget.
TRAINING_SHARE = Decimal(5)


@dataclass
class Rate:
    """A stated growth rate of a named subject, signed by its verb (下降3% → −3)."""

    subject: str
    kind: str  # "education" or "revenue"
    value: Decimal
    decimals: int
    start: int
    end: int


@derived_from("lexicon.toml")
def _patterns() -> dict[str, regex.Pattern]:
    v = lexicon()["vocabulary"]
    growth = v["growth"]
    verbs = alternation(growth["rise"] + growth["rise_rate"] + ["增"])
    falls = alternation(growth["fall"] + growth["fall_rate"] + ["减"])
    funding = v["funding"]
    return {
        "subject": regex.compile(
            rf"(?<!生均)(?P<education>{_gloss_tolerant(funding['education_budget'])})"
            rf"|(?P<revenue>{_gloss_tolerant(funding['revenue'])})"
        ),
        "verb": regex.compile(rf"(?:(?P<fall>{falls})|{verbs})了?(?:幅度|率)?(?:为|达)?\s*$"),
        "training": regex.compile(_gloss_tolerant(funding["training"])),
        "public_funds": regex.compile(rf"(?<!生均){_gloss_tolerant(funding['public_funds'])}"),
        "stated_gap": regex.compile(
            r"增长高于\s*(?:" + alternation(funding["revenue"]) + r")\s*(?:的)?增长\s*$"
        ),
    }


# A pinyin gloss a mirror site puts after a converted character: 預(yù)算.
_GLOSS = f"(?:{GLOSS.pattern})?"


def _gloss_tolerant(words: list[str]) -> str:
    """An alternation of words that also matches them with a gloss after any character."""
    spelled = [
        _GLOSS.join(regex.escape(ch) for ch in w) for w in sorted(words, key=len, reverse=True)
    ]
    return "|".join(spelled)


def check_funding(statements: list[Statement]) -> list[Finding]:
    findings: list[Finding] = []
    for stmt in statements:
        if stmt.is_target:
            continue
        rates = _rates(stmt)
        findings += [_decrease(r) for r in rates if r.kind == "education" and r.value < 0]
        findings += _below_revenue(stmt, rates)
        findings += _training_share(stmt)
    return findings


def _training_share(stmt: Statement) -> list[Finding]:
    """Training funds below 5% of the public funds, derived from the two amounts a statement
    gives when it states no share of its own (a stated share is checked by the share readers)."""
    pats = _patterns()
    training = _amount_after(stmt, pats["training"])
    public = _amount_after(stmt, pats["public_funds"], before=training)
    if training is None or public is None or public.q.value <= 0:
        return []
    if "占" in stmt.match_text[training.end : stmt.end]:
        return []
    share = training.q.value * training.q.scale * HUNDRED / (public.q.value * public.q.scale)
    if share >= TRAINING_SHARE:
        return []
    shown = fmt(share.quantize(Decimal("0.01")), 2)
    return [
        finding(
            "training_share_below_standard",
            "info",
            training,
            f"{q_text(training.q)} / {q_text(public.q)} = {shown}% < {fmt(TRAINING_SHARE)}%",
            share.quantize(Decimal("0.0001")),
            TRAINING_SHARE,
            training=q_text(training.q),
            public=q_text(public.q),
            share=shown,
        )
    ]


def _amount_after(
    stmt: Statement, pattern: regex.Pattern, before: Token | None = None
) -> Token | None:
    """The first exact money amount after the first mention of a subject, in the clause."""
    m = pattern.search(stmt.match_text, stmt.start, before.start if before else stmt.end)
    if m is None:
        return None
    for token in stmt.tokens:
        if token.start < m.end():
            continue
        if token.q.kind == "amount" and token.q.exact and not token.q.unit.endswith("/生"):
            gap = stmt.match_text[m.end() : token.start]
            return token if len(gap) <= 12 and not _CLAUSE_BREAK.search(gap) else None
    return None


def _rates(stmt: Statement) -> list[Rate]:
    pats, text = _patterns(), stmt.match_text
    subjects = list(pats["subject"].finditer(text, stmt.start, stmt.end))
    rates = []
    for i, m in enumerate(subjects):
        limit = subjects[i + 1].start() if i + 1 < len(subjects) else stmt.end
        token = _first_rate(stmt, m.end(), limit)
        if token is None:
            continue
        verb = pats["verb"].search(text, m.end(), token.start)
        value = -token.q.value if verb["fall"] and token.q.value > 0 else token.q.value
        kind = "education" if m["education"] else "revenue"
        rates.append(
            Rate(GLOSS.sub("", m.group()), kind, value, token.q.decimals, token.start, token.end)
        )
    return rates


def _first_rate(stmt: Statement, start: int, limit: int) -> Token | None:
    """The first growth rate after a subject: a % number right after a change verb."""
    for token in stmt.tokens:
        if token.start < start or token.end > limit:
            continue
        if token.q.unit == "%" and token.q.exact:
            if _patterns()["verb"].search(
                stmt.match_text, max(start, token.start - 12), token.start
            ):
                return token
            return None  # the subject's first percentage is not a growth rate
    return None


def _decrease(rate: Rate) -> Finding:
    return finding(
        "funding_decrease",
        "info",
        rate,
        f"{fmt(rate.value, rate.decimals)}% < 0",
        rate.value,
        Decimal(0),
        label=rate.subject,
        rate=fmt(rate.value, rate.decimals),
    )


def _below_revenue(stmt: Statement, rates: list[Rate]) -> list[Finding]:
    """Education's growth below revenue's, from both rates or from the gap the text states."""
    education = [r for r in rates if r.kind == "education"]
    revenue = [r for r in rates if r.kind == "revenue"]
    findings = []
    if education and revenue and education[0].value < revenue[0].value:
        e, f = education[0], revenue[0]
        findings.append(
            finding(
                "funding_growth_below_revenue",
                "info",
                e,
                f"{fmt(e.value, e.decimals)}% < {fmt(f.value, f.decimals)}%",
                e.value,
                f.value,
                label=e.subject,
                rate=fmt(e.value, e.decimals),
                revenue=fmt(f.value, f.decimals),
            )
        )
    for token in stmt.tokens:
        if token.q.unit != "个百分点" or token.q.value >= 0:  # before the statement is searched
            continue
        gap = _patterns()["stated_gap"].search(stmt.match_text, stmt.start, token.start)
        if gap and gap.end() == token.start:
            findings.append(
                finding(
                    "funding_growth_below_revenue",
                    "info",
                    token,
                    f"{fmt(token.q.value, token.q.decimals)}个百分点 < 0",
                    token.q.value,
                    Decimal(0),
                    template="message_stated",
                    gap=fmt(token.q.value, token.q.decimals),
                )
            )
    return findings
