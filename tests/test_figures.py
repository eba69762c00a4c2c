"""Figures: labels, levels, years and roles read from report sentences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audit import audit_document
from pipeline.extract.text import CLAUSE_MARKS, CLAUSE_MARKS_COLON, CLAUSE_MARKS_LIST, clause_start
from pipeline.ingest.files import ingest_bytes


def figures(text: str) -> list[dict]:
    return audit_document(ingest_bytes(text.encode(), "doc.txt"))["figures"]


def test_labels_levels_and_years():
    found = figures(
        "星河区教育工作报告\n2024年全区专任教师2480人，其中小学教师1620人、初中教师860人。"
    )
    assert [(f["label"], f["value"], f["level"], f["year"]) for f in found] == [
        ("专任教师", 2480, "all", 2024),
        ("小学教师", 1620, "primary", 2024),
        ("初中教师", 860, "junior", 2024),
    ]


def test_respectively_lists_share_a_label_and_take_levels_in_order():
    found = figures("星河区自查自评报告\n校际差异系数小学、初中分别为0.356、0.291。")
    assert [(f["label"], f["level"], f["value"]) for f in found] == [
        ("校际差异系数", "primary", 0.356),
        ("校际差异系数", "junior", 0.291),
    ]


def test_targets_in_plans_and_quoted_standards():
    plan = figures("青岚县义务教育优质均衡发展实施方案\n到2027年，全县初中三年巩固率达到99%以上。")
    assert plan and all(f["is_target"] for f in plan)
    quoted = figures("星河区自查自评报告\n标准：小学达到4.2人以上、初中达到5.3人以上。")
    assert [f["is_standard"] for f in quoted] == [True, True]


def test_plan_targets_are_not_indicator_values():
    text = "青岚县义务教育优质均衡发展实施方案\n到2027年，全县初中三年巩固率达到99%以上，优质高中招生名额分配比例不低于60%。"
    result = audit_document(ingest_bytes(text.encode(), "plan.txt"))
    assert result["meta"]["kind"] == "implementation_plan"
    assert all(i["value"] is None for i in result["indicators"])
    assert not [f for f in result["findings"] if f["severity"] in ("error", "warning")]


def test_level_words_follow_another_lexicon(tmp_path):
    """`level_of` remembers its answers; another lexicon.toml must clear them."""
    from pipeline.data import read_data, use_data_file
    from pipeline.extract.mentions import level_of

    assert level_of("幼儿园教师") is None
    lexicon = read_data("lexicon.toml").decode("utf-8")
    changed = lexicon.replace('"中学" = "junior"', '"中学" = "junior", "幼儿园" = "primary"')
    assert changed != lexicon
    (tmp_path / "lexicon.toml").write_text(changed, "utf-8")
    try:
        use_data_file("lexicon.toml", tmp_path / "lexicon.toml")
        assert level_of("幼儿园教师") == "primary"
    finally:
        use_data_file("lexicon.toml", None)
    assert level_of("幼儿园教师") is None


@pytest.mark.parametrize(
    ("text", "marks", "clause"),
    [
        ("全区小学12所，初中5所", CLAUSE_MARKS, "初中5所"),
        ("标准：小学达到4.2人以上", CLAUSE_MARKS, "标准：小学达到4.2人以上"),
        ("标准：小学达到4.2人以上", CLAUSE_MARKS_COLON, "小学达到4.2人以上"),
        ("小学12所、初中5所", CLAUSE_MARKS, "小学12所、初中5所"),
        ("小学12所、初中5所", CLAUSE_MARKS_LIST, "初中5所"),
        ("其中；小学，初中、高中", CLAUSE_MARKS_LIST, "高中"),
    ],
)
def test_a_clause_runs_from_the_last_clause_mark(text: str, marks: str, clause: str) -> None:
    assert text[clause_start(text, 0, len(text), marks) :] == clause
    assert clause_start(text, 3, 3, marks) == 3  # nothing before pos: the floor


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="学，,；;：:、\n", max_size=16),
    st.integers(0, 17),
    st.integers(0, 17),
    st.sampled_from([CLAUSE_MARKS, CLAUSE_MARKS_COLON, CLAUSE_MARKS_LIST]),
)
def test_a_clause_starts_after_the_last_mark_between_floor_and_pos(
    text: str, floor: int, pos: int, marks: str
) -> None:
    """The backwards search finds what the last occurrence of any mark in text[floor:pos] is."""
    last = max(text.rfind(mark, floor, pos) for mark in marks)
    assert clause_start(text, floor, pos, marks) == (last + 1 if last >= 0 else floor)


_YEAR_PIECES = [
    "2020年",
    "2021学年",
    "2019年度",
    "19",
    " ",
    "年",
    "3人",
    "5%",
    "，",
    "。",
    "\n",
    ".",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_YEAR_PIECES), max_size=14).map("".join))
def test_a_figure_year_is_the_last_year_scanned_up_to_its_number(text: str) -> None:
    """A sentence's years are read once for all its numbers: each number must get the last
    year a scan from the sentence start up to the number finds."""
    from pipeline.extract.mentions import _YEAR, _year
    from pipeline.extract.quantities import find_quantities
    from pipeline.extract.text import sentences

    read: dict = {}
    for q in find_quantities(text):
        for sentence in sentences(text):
            if sentence.start > q.start:
                continue
            scanned = [int(m.group(1)) for m in _YEAR.finditer(text, sentence.start, q.start)]
            assert _year(text, sentence, q, read) == (scanned[-1] if scanned else None)
