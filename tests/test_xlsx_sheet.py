"""The light sheets' writer against openpyxl's own: the same bytes in every part of the file,
while it streams comments, their shapes, links and relationships instead of building them."""

from __future__ import annotations

import zipfile

from openpyxl.comments import Comment
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from outputs import xlsx_sheet
from outputs.xlsx_sheet import Sheet, save
from outputs.xlsx_style import LINK_FONT, RED, link, sheet_link


def sheets() -> list[Sheet]:
    first, second = Sheet("表一"), Sheet("表二")
    for row in range(1, 40):
        first.cell(row, 1, f"第{row}行")
        first.cell(row, 2, row * 1.5).fill = RED
        if row % 3 == 0:
            first.cell(row, 2).comment = Comment(f"注 {row} <&>", "edu-audit", width=320)
        link(first.cell(row, 3), f"report/{row:016x}.html#f-{row}", "打开")
        sheet_link(second.cell(row, 1), "表一", f"A{row}", "回到表一")
    first.freeze_panes, first.auto_filter.ref = "B2", "A1:C39"
    first.column_dimensions["A"].width = 20
    first.cell(40, 3).font = LINK_FONT  # a style without a link
    first.cell(42, 1, " 前后空格 ")  # row 41 left empty; text kept with its spaces
    first.cell(42, 2, 7)
    first.cell(42, 3, True)
    first.cell(42, 4, "")
    return [first, second]


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_streamed_parts_are_the_bytes_openpyxl_writes(tmp_path, monkeypatch) -> None:
    save(sheets(), tmp_path / "ours.xlsx")
    monkeypatch.setattr(xlsx_sheet, "_StreamingWriter", ExcelWriter)
    monkeypatch.setattr(xlsx_sheet, "_StreamingLinks", WorksheetWriter)
    save(sheets(), tmp_path / "openpyxl.xlsx")
    ours, theirs = members(tmp_path / "ours.xlsx"), members(tmp_path / "openpyxl.xlsx")
    assert "xl/comments/comment1.xml" in ours and "xl/worksheets/_rels/sheet1.xml.rels" in ours
    assert list(ours) == list(theirs)
    assert all(ours[name] == theirs[name] for name in ours)
