"""The checking engine on the five real documents in ../shared/corpus.

Every inconsistency named in DESIGN.md §1 and in the gold files (relations with consistent=false
that are arithmetic) is found with the contract's severity; the consistent examples yield no
finding; and no error or warning appears that the gold files do not list.

Severity of 41/194 = 21.13% reported as 21.2%: a warning. The true share rounds to 21.1 under
half-up, half-even and truncation; 21.2 is one unit away in the last reported digit (reachable
only by rounding up), which the contract calls "inconsistent only at the last reported digit".
The gold file records the same severity.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.audit import audit_path
from pipeline.ingest.files import ingest_path
from tests.conftest import CORPUS

GOLD = Path(__file__).resolve().parent / "gold"
# Gold relation types the arithmetic engine answers for (comparison/conclusion belong to the
# standards checks; "percent" with 100%达标 is a conclusion finding, see below).
_SHARE_RULES = {
    "percent_mismatch",
    "percent_impossible",
    "shares_forced_to_100",
    "shares_sum_mismatch",
}
RULES_BY_TYPE = {
    "sum": {"sum_mismatch", "subset_exceeds_total"},
    "percent": _SHARE_RULES,
    "shares": _SHARE_RULES,
    "growth": {"growth_mismatch"},
    "difference": {"difference_mismatch"},
    "product": {"product_mismatch"},
    "duplicate": {"duplicate_mismatch"},
    "count": {"count_mismatch"},
}
ARITHMETIC_TYPES = set(RULES_BY_TYPE)
ARITHMETIC_RULES = set().union(*RULES_BY_TYPE.values())

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")


@cache
def findings(stem: str) -> tuple:
    """The arithmetic findings of the production path, and the document text."""
    path = CORPUS / f"{stem}.txt"
    result = audit_path(path)
    found = [SimpleNamespace(**f) for f in result["findings"] if f["rule"] in ARITHMETIC_RULES]
    return tuple(found), ingest_path(path).text


def stems() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.txt"))


def found(stem: str, rule: str, formula_part: str) -> list:
    result, _ = findings(stem)
    return [f for f in result if f.rule == rule and formula_part in f.formula]


def test_values_only_truncation_gives_are_last_digit_warnings() -> None:
    (share,) = found("000_a2b9f6637f91ecf5", "percent_mismatch", "94 / 194")
    (exchanged,) = found("003_6e22daf73f145ac2", "percent_mismatch", "103 / 346")
    assert share.severity == exchanged.severity == "warning"
    assert "截尾" in share.message and "截尾" in exchanged.message


def test_forced_shares_and_last_digit_percent() -> None:
    stem = "000_a2b9f6637f91ecf5"
    (pct,) = found(stem, "percent_mismatch", "41 / 194")
    assert pct.severity == "warning"
    assert pct.formula == "41 / 194 = 21.13% ≠ 21.2%"
    (forced,) = found(stem, "shares_forced_to_100", "30.4 + 48.4 + 21.2 = 100")
    assert forced.severity == "warning"


def test_impossible_percentage_of_102_teachers() -> None:
    (grim,) = found("000_a2b9f6637f91ecf5", "percent_impossible", "21.528%")
    assert grim.severity == "error"


def test_parts_that_do_not_sum_to_94_schools() -> None:
    (mismatch,) = found("003_6e22daf73f145ac2", "sum_mismatch", "69 + 25 + 1 = 95")
    assert mismatch.severity == "error"
    assert str(mismatch.reported) == "94"


@pytest.mark.parametrize(
    ("stem", "numbers"),
    [
        ("000_a2b9f6637f91ecf5", ("337", "379")),  # satisfaction 88.9%
        ("000_a2b9f6637f91ecf5", ("835", "1400")),  # quota allocation 59.6%
        ("000_a2b9f6637f91ecf5", ("8131.88",)),  # growth 12.89%
        ("000_a2b9f6637f91ecf5", ("0.0654",)),  # salary difference
        ("000_a2b9f6637f91ecf5", ("108",)),  # 180 × 6000 = 108万
        ("003_6e22daf73f145ac2", ("2452", "3445")),
    ],
)
def test_consistent_examples_yield_nothing(stem: str, numbers: tuple[str, ...]) -> None:
    result, _ = findings(stem)
    assert not [f for f in result if all(n in f.formula for n in numbers)]


def gold_inconsistencies(stem: str) -> list[dict]:
    gold = json.loads((GOLD / f"{stem}.json").read_text("utf-8"))
    return [
        r
        for r in gold["relations"]
        if r["consistent"] is False and r["type"] in ARITHMETIC_TYPES and "达标" not in r["snippet"]
    ]


def matches(f: SimpleNamespace, relation: dict) -> bool:
    """A finding answers a gold inconsistency: a rule of its type, its severity, the reported
    number among the gold's numbers, and the gold snippet inside the finding's evidence."""
    said = " ".join(str(relation.get(k, "")) for k in ("numbers", "recomputed", "note"))
    reported = f"{f.reported:g}" if isinstance(f.reported, float) else str(f.reported)
    return (
        f.rule in RULES_BY_TYPE[relation["type"]]
        and f.severity == relation["severity_if_not"]
        and reported in said
        and relation["snippet"][:12] in f.evidence["text"]
    )


@pytest.mark.parametrize("stem", stems())
def test_every_gold_inconsistency_is_found(stem: str) -> None:
    result, _ = findings(stem)
    for relation in gold_inconsistencies(stem):
        assert any(matches(f, relation) for f in result), f"missed: {relation['snippet']}"


@pytest.mark.parametrize("stem", stems())
def test_no_error_or_warning_beyond_the_gold(stem: str) -> None:
    """Every arithmetic error/warning answers a gold inconsistency (rule, severity, numbers)."""
    result, _ = findings(stem)
    gold = gold_inconsistencies(stem)
    for f in result:
        if f.severity in ("error", "warning"):
            assert any(matches(f, r) for r in gold), f"unexpected: {f.formula}"


def test_print_counts_by_rule_and_severity(capsys: pytest.CaptureFixture[str]) -> None:
    counts: Counter = Counter()
    for stem in stems():
        result, _ = findings(stem)
        counts.update((f.rule, f.severity) for f in result)
    with capsys.disabled():
        print("\nfindings on the corpus by rule and severity:")
        for (rule, severity), n in sorted(counts.items()):
            print(f"  {rule:24s} {severity:8s} {n}")
    # 41/194 ≠ 21.2%, and the two values only truncation gives (94/194 as 48.4%, 103/346 as 29%)
    assert counts[("percent_mismatch", "warning")] == 3
    assert counts[("shares_forced_to_100", "warning")] == 1
    assert counts[("percent_impossible", "error")] == 1
    assert counts[("sum_mismatch", "error")] == 1
    assert sum(counts.values()) == 6
