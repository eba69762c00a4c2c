"""The light sheets' writer against openpyxl's own: the same bytes in every part of the file,
while it writes rows from text and streams comments, their shapes, links and relationships
instead of building them."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment

from outputs import xlsx_sheet
from outputs.xlsx_sheet import SHARED, LightCell, Sheet, _formatted, save, write_only_sheet
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
    first.cell(43, 1, "#N/A")  # an error code: written as one, not as text
    first.cell(43, 2, 'a & b <c> "d"\r\ne\tf')
    first.cell(43, 3, float("nan"))
    first.cell(43, 4).fill = RED  # styled, no value
    first.cell(43, 5, "=1+1")  # text, never a formula
    first.cell(44, 2).hyperlink = "https://example.org/a?b=1&c=2"  # the link is its text
    second.column_formats[2] = "0.0"
    second.cell(41, 2, 2.25)
    return [first, second]


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def openpyxl_save(sheets: list[Sheet], path) -> None:
    """The sheets through openpyxl's write-only workbook and its own writers: a cell object
    for every styled, linked or commented cell, plain values as they are."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = write_only_sheet(wb, sheet)
        written = 0
        for cells in sheet.rows():
            while written < cells[0].row - 1:
                ws.append([])
                written += 1
            cells = _formatted(sheet, cells)
            values: list = [None] * cells[-1].column
            for cell in cells:
                values[cell.column - 1] = openpyxl_cell(ws, sheet, cell)
            ws.append(values)
            written = cells[0].row
    wb.save(path)


def openpyxl_cell(ws, sheet: Sheet, cell: LightCell) -> object:
    styles = [getattr(cell, name) for name in (*SHARED, "number_format", "hyperlink", "comment")]
    if all(style is None for style in styles) and not str(cell.value).startswith("="):
        return cell.value
    target = WriteOnlyCell(ws, value=cell.value)
    target.data_type = "s" if target.data_type == "f" else target.data_type
    for name in SHARED:
        if getattr(cell, name) is not None:
            setattr(target, name, sheet.styles[getattr(cell, name)])
    if cell.number_format is not None:
        target.number_format = cell.number_format
    target.hyperlink, target.comment = cell.hyperlink, cell.comment
    return target


@pytest.mark.parametrize("held", [None, 0, 7])  # as set; nothing held; some rows and links held
def test_streamed_parts_are_the_bytes_openpyxl_writes(tmp_path, monkeypatch, held) -> None:
    if held is not None:
        monkeypatch.setattr(xlsx_sheet, "ROWS_HELD", held)
        monkeypatch.setattr(xlsx_sheet, "ITEMS_HELD", held)
    save(sheets(), tmp_path / "ours.xlsx")
    openpyxl_save(sheets(), tmp_path / "openpyxl.xlsx")
    ours, theirs = members(tmp_path / "ours.xlsx"), members(tmp_path / "openpyxl.xlsx")
    assert "xl/comments/comment1.xml" in ours and "xl/worksheets/_rels/sheet1.xml.rels" in ours
    assert list(ours) == list(theirs)
    assert all(ours[name] == theirs[name] for name in ours)
