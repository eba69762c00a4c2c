"""The workbook and tables as an inspector reads them: colours only where a finding is, one
fixed schema with a Chinese dictionary, rows in order, links, a summary by district × rule."""

from __future__ import annotations

import copy

import pandas as pd
from openpyxl import load_workbook

from outputs.tables import data_dictionary, write_tables
from outputs.workbook import write_workbook
from tests.test_outputs import evidence, make_result


def two_levels() -> dict:
    """A report with 102 at 小学 and 初中 and one finding about the 小学 value."""
    result = make_result(findings=[])
    base = result["indicators"][1]
    primary = {**base, "code": "102", "level": "primary", "value": 1.2, "meets_standard": True,
               "cv": None, "evidence": evidence(600, 620, "小学县级及以上骨干教师1.2人。")}  # fmt: skip
    junior = {
        **primary,
        "level": "junior",
        "value": 1.5,
        "evidence": evidence(700, 720, "初中1.5人。"),
    }
    result["indicators"] += [primary, junior]
    result["findings"] = [
        {"rule": "stated_standard_differs", "severity": "warning", "message": "小学标准不同",
         "formula": "1 ≠ 1.2", "reported": 1, "expected": 1.2, "code": "102",
         "evidence": evidence(605, 612, "小学县级及以上骨干教师1.2人。")},
    ]  # fmt: skip
    return result


def test_a_finding_colours_only_the_level_it_is_about(tmp_path) -> None:
    ws = load_workbook(write_workbook([two_levels()], tmp_path / "c.xlsx"))["对比表"]
    head = {str(c.value).split("\n")[0]: c.column for c in ws[1]}
    primary, junior = ws.cell(2, head["102 小学"]), ws.cell(2, head["102 初中"])
    assert primary.fill.fgColor.rgb == "FFFFD08A" and "小学标准不同" in primary.comment.text
    assert junior.fill.fill_type is None and junior.comment is None


def test_a_dismissed_finding_no_longer_colours_but_stays_in_the_comment(tmp_path) -> None:
    result = two_levels()
    result["findings"][0].update(review="dismissed", review_note="省定标准")
    ws = load_workbook(write_workbook([result], tmp_path / "c.xlsx"))["对比表"]
    head = {str(c.value).split("\n")[0]: c.column for c in ws[1]}
    cell = ws.cell(2, head["102 小学"])
    assert (
        cell.fill.fill_type is None
        and "[已排除]" in cell.comment.text
        and "省定标准" in cell.comment.text
    )


def test_tables_have_one_fixed_schema_whatever_the_data(tmp_path) -> None:
    rich = two_levels()
    rich["indicators"][0]["novel_key"] = "x"  # a key no dictionary knows
    shapes = []
    for i, results in enumerate(
        ([rich], [make_result(indicators=[], figures=[], findings=[])], [])
    ):
        out = tmp_path / str(i)
        out.mkdir()
        write_tables(results, out)
        shapes.append({n: list(pd.read_parquet(out / f"{n}.parquet").columns)
                       for n in ("documents", "indicators", "figures", "findings")})  # fmt: skip
    assert shapes[0] == shapes[1] == shapes[2]
    assert shapes[0] == {t: [c[0] for c in cols] for t, cols in data_dictionary().items()}
    extra = pd.read_parquet(tmp_path / "0" / "indicators.parquet").extra_json.dropna()
    assert extra.str.contains("novel_key").any()


def test_the_dictionary_and_summary_sheets_are_in_the_workbook(tmp_path) -> None:
    a = two_levels()
    b = copy.deepcopy(a)
    b["doc_id"], b["meta"]["district"] = "b" * 16, "江北区"
    b["findings"][0]["review"] = "confirmed"
    wb = load_workbook(write_workbook([b, a], tmp_path / "c.xlsx"))
    dictionary = list(wb["数据字典"].iter_rows(min_row=2, values_only=True))
    assert ("findings.csv / findings.parquet", "review", "text") in [r[:3] for r in dictionary]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    head = summary[0]
    rows = {(r[0], r[2]): dict(zip(head, r, strict=True)) for r in summary[1:]}
    assert rows[("万盛经开区", "stated_standard_differs")]["待复核"] == 1
    assert rows[("江北区", "stated_standard_differs")]["已确认"] == 1
    assert rows[("合计", None)]["警告"] == 2
    comparison = [r[0] for r in wb["对比表"].iter_rows(min_row=2, values_only=True)]
    assert comparison == ["万盛经开区", "江北区"], "rows sorted by district, not file order"
    assert wb["规则说明"]["A1"].value == "规则编号"


def test_an_open_cv_finding_on_a_cv_within_its_limit_colours_it_orange(tmp_path) -> None:
    result = make_result()
    result["indicators"][1]["cv"] = {"primary": 0.503, "junior": 0.44}  # junior limit 0.45
    cv_finding = next(f for f in result["findings"] if f["rule"] == "cv_above_limit")
    cv_finding.update(rule="cv_mismatch", message="初中差异系数0.44与明细不符", reported=0.44)
    ws = load_workbook(write_workbook([result], tmp_path / "c.xlsx"))["对比表"]
    head = {str(c.value).split("\n")[0]: c.column for c in ws[1]}
    junior = ws.cell(2, head["101 差异系数 初中"])
    assert junior.value == 0.44 and junior.fill.fgColor.rgb == "FFFFD08A"
    assert "与明细不符" in junior.comment.text


def _links(ws) -> int:
    return sum(1 for row in ws.iter_rows() for cell in row if cell.hyperlink is not None)


def test_findings_sheet_drops_link_kinds_to_stay_within_excels_limit(tmp_path, monkeypatch) -> None:
    """Three links a finding while they fit; then no rule links; then only the page link."""
    results = [make_result(doc_id=f"{n:016x}") for n in range(4)]  # 3 findings each
    for limit, expected in ((36, 36), (30, 24), (20, 12)):
        monkeypatch.setattr("outputs.sheets.MAX_HYPERLINKS", limit)
        ws = load_workbook(write_workbook(results, tmp_path / f"{limit}.xlsx"))["问题清单"]
        assert _links(ws) == expected <= limit
        rules = [ws.cell(r, 3) for r in range(2, 14)]
        assert all(c.value for c in rules) and (limit == 36) == all(c.hyperlink for c in rules)
        assert (limit < 36) == any("每表至多" in str(c.value) for c in ws["I"])


def test_no_sheet_gets_more_links_than_excel_allows(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("outputs.xlsx_sheet.MAX_HYPERLINKS", 5)
    results = [make_result(doc_id=f"{n:016x}") for n in range(4)]
    wb = load_workbook(write_workbook(results, tmp_path / "c.xlsx"))
    assert all(_links(ws) <= 5 for ws in wb.worksheets)
    last = wb["问题清单"].cell(13, 14)
    assert last.value == "打开" and last.hyperlink is None and last.font.u is None  # no link look
