"""Tables written as text, and the coefficients of variation they report (our own tables of
the shapes copied pages take: "|"-rows, and one cell a line with empty lines between rows)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audit import audit_document
from pipeline.extract.tables import text_tables
from pipeline.ingest.files import ingest_bytes

NAMES = [
    "每百名学生拥有高于规定学历教师数",
    "每百名学生拥有县级骨干教师数",
    "每百名学生拥有体育、艺术专任教师数",
    "生均教学及辅助用房面积（㎡）",
    "生均体育运动场馆面积（㎡）",
    "生均教学仪器设备值（元）",
    "每百名学生拥有网络多媒体教室数",
]


def audit(text: str) -> dict:
    return audit_document(ingest_bytes(text.encode("utf-8"), "table.txt"))


def test_pipe_rows_with_level_in_the_row() -> None:
    text = (
        "某县2023年校际差异系数测算结果\n"
        + " | ".join(NAMES)
        + " | 综合 |\n"
        + "小学 | 差异系数 | 0.412 | 0.530 | 0.388 | 0.301 | 0.276 | 0.350 | 0.299 | |\n"
        + "初中 | 差异系数 | 0.401 | 0.398 | 0.466 | 0.221 | 0.310 | 0.250 | 0.200 |\n"
    )
    result = audit(text)
    cvs = {(i["code"], i["level"]): i["cv"] for i in result["indicators"]}
    assert cvs[("102", "primary")] == {"primary": 0.53}
    assert cvs[("103", "junior")] == {"junior": 0.466}
    above = [(f["rule"], f["severity"], f["formula"]) for f in result["findings"]]
    assert above == [
        ("cv_above_limit", "info", "0.53 > 0.5"),
        ("cv_above_limit", "info", "0.466 > 0.45"),
    ]


def test_one_cell_a_line_with_the_level_in_the_caption() -> None:
    lines = ["某区优质均衡发展指标差异系数（初中部分） |", "||", "序号 |", "项目 |"]
    lines += [f"{n} |" for n in NAMES] + ["||", "1 |", "差异系数 |"]
    lines += ["0.30 |", "0.47 |", "0.20 |", "0.20 |", "0.20 |", "0.20 |", "0.20 |", "|"]
    result = audit("\n".join(lines) + "\n")
    assert [(f["rule"], f["formula"]) for f in result["findings"]] == [
        ("cv_above_limit", "0.47 > 0.45")
    ]


def test_a_header_whose_names_ran_together_is_not_read() -> None:
    glued = "".join(NAMES)
    text = f"内容概述 | {glued} |\n小学 | 差异系数 | 0.9 | 0.9 | 0.9 |\n"
    assert audit(text)["indicators"] == []


def test_cells_keep_their_spans_and_serial_numbers_are_not_labels() -> None:
    text = "项目 | 小学 | 初中 |\n1 | 班额 | 42 | 48 |\n"
    (table,) = text_tables(text)
    assert [c.text for c in table.header] == ["项目", "小学", "初中"]
    (row,) = table.rows
    assert row.label == "班额"
    assert [text[c.start : c.end] for c in row.values] == ["42", "48"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["12", "3.4", "2021", "0", " ", "  ", "\t", "\u3000", "\n", "|", "学校", "a"]
        ),
        max_size=20,
    ).map("".join)
)
def test_aligned_rows_are_the_lines_the_row_pattern_matches(text: str) -> None:
    """Only lines holding three spaced numbers are tried against the row pattern: the same
    rows as the pattern scanned over the whole text."""
    from pipeline.extract.table_cells import _ALIGNED_ROW, _aligned_rows

    expected = [m.span("cells") for m in _ALIGNED_ROW.finditer(text)]
    assert [m.span("cells") for m in _aligned_rows(text)] == expected
