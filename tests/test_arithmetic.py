"""Rounding-aware arithmetic: intervals, rounding modes, qualifiers, 万/亿 precision, GRIM."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pipeline.engine.arithmetic import (
    Range,
    classify,
    classify_quantity,
    grim_part_verdict,
    grim_whole_verdict,
    percent,
    roundings,
    value_range,
)
from pipeline.extract.quantities import find_quantities


def q(text: str):
    (quantity,) = find_quantities(text)
    return quantity


def share(part: int, whole: int) -> Range:
    result = percent(Range.point(D(part)), Range.point(D(whole)))
    assert result is not None
    return result


@pytest.mark.parametrize(
    ("part", "whole", "reported", "decimals", "verdict"),
    [
        (337, 379, "88.9", 1, "ok"),  # 88.918
        (835, 1400, "59.6", 1, "ok"),  # 59.643
        (94, 194, "48.4", 1, "last_digit"),  # 48.454: only truncation gives it
        (94, 194, "48.5", 1, "ok"),  # half-up
        (41, 194, "21.2", 1, "last_digit"),  # 21.134: only by rounding up
        (41, 194, "21.0", 1, "last_digit"),
        (41, 194, "21.3", 1, "beyond"),
        (103, 346, "29", 0, "last_digit"),  # 29.77: only truncation gives it
        (6, 26, "23", 0, "ok"),
        (1, 8, "12.5", 1, "ok"),
        (1, 8, "12", 0, "ok"),  # half-even gives 12
        (20, 23, "100", 0, "beyond"),  # 86.96%
    ],
)
def test_percent_classification(
    part: int, whole: int, reported: str, decimals: int, verdict: str
) -> None:
    assert classify(share(part, whole), D(reported), decimals) == verdict


def test_roundings_of_a_true_value() -> None:
    assert roundings(D("21.134"), 1) == {D("21.1")}
    assert roundings(D("48.454"), 1) == {D("48.5")}
    assert roundings(D("12.5"), 0) == {D("13"), D("12")}


def test_exact_counts_are_points_and_wan_amounts_are_intervals() -> None:
    assert value_range(q("专任教师835人")) == Range(D(835), D(835))
    assert value_range(q("资助学生1.3万人")) == Range(D(12500), D(13500))
    assert value_range(q("支出7.12亿元")) == Range(D("711500000"), D("712500000"))
    assert value_range(q("公用经费108万元")) == Range(D("1075000"), D("1085000"))


def test_qualifiers_widen_or_bound() -> None:
    assert value_range(q("巩固率95%以上")).hi is None
    assert value_range(q("培训教师6000余人次")).hi is None
    assert value_range(q("近600万元")).lo is None
    approx = value_range(q("投入资金约3500万元"))
    assert approx.lo < D(3200) * 10**4 and approx.hi > D(3800) * 10**4
    # a lower bound is consistent with any larger true value
    assert classify_quantity(Range.point(D("99.2")), q("巩固率95%以上")) == "ok"
    assert classify_quantity(Range.point(D("90")), q("巩固率95%以上")) == "beyond"


def test_classify_in_the_reported_unit() -> None:
    increase = Range(D("80000000"), D("80000000"))
    assert classify_quantity(increase, q("增加8000万元")) == "ok"
    assert classify_quantity(increase, q("增加0.8亿元")) == "ok"
    assert classify_quantity(increase, q("增加0.9亿元")) == "last_digit"
    assert classify_quantity(increase, q("增加1.0亿元")) == "beyond"


def test_grim_whole_unknown() -> None:
    assert grim_whole_verdict(102, D("21.528"), 3) == "beyond"  # needs N in (473.78, 473.81]
    assert grim_whole_verdict(94, D("21.56"), 2) == "ok"  # 94/436
    assert grim_whole_verdict(4, D("7.14"), 2) == "ok"  # 4/56
    assert grim_whole_verdict(346, D("30"), 0) is None  # whole beyond 10^2: says nothing


def test_grim_count_unknown() -> None:
    assert grim_part_verdict(379, D("88.9"), 1) == "ok"
    assert grim_part_verdict(23, D("87.5"), 1) == "beyond"  # 20/23 = 86.96, 21/23 = 91.30
    assert grim_part_verdict(20000, D("12.34"), 2) is None  # whole > 10^4


def test_negative_values_mirror() -> None:
    assert classify(Range.point(D("-8.891")), D("-8.89"), 2) == "ok"
    assert classify(Range.point(D("-8.891")), D("-9.89"), 2) == "beyond"


def _share_findings(text: str) -> list[tuple[str, str]]:
    from pipeline.audit import audit_document
    from pipeline.ingest.files import ingest_bytes

    result = audit_document(ingest_bytes(text.encode("utf-8"), "x.txt"))
    return [(f["rule"], f["severity"]) for f in result["findings"]]


def test_the_rounding_section_of_rules_toml_decides_the_verdict(monkeypatch) -> None:
    """7 / 9 = 77.78%: "77.7%" is a truncation, a last-digit warning while only half-up and
    half-even are accepted, and consistent once the [rounding] section accepts truncation."""
    from pipeline.engine.arithmetic import rounding_policy
    from pipeline.engine.rules import rules_data

    text = "全区参评学校9所，其中达标学校7所，占比77.7%。"
    assert _share_findings(text) == [("percent_mismatch", "warning")]
    monkeypatch.setitem(rules_data()["rounding"], "accepted", ["half_up", "half_even", "down"])
    rounding_policy.cache_clear()
    try:
        assert _share_findings(text) == []
    finally:
        monkeypatch.undo()
        rounding_policy.cache_clear()
    assert _share_findings(text) == [("percent_mismatch", "warning")]
