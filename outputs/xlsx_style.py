"""Shared look of the workbook's sheets: fills, header row, widths, links, review greying."""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from outputs.report.docpage import page_name
from outputs.xlsx_sheet import LightCell, Sheet

RED = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
ORANGE = PatternFill("solid", start_color="FFFFD08A", end_color="FFFFD08A")
GREY_FONT = Font(color="FF8A8A8A", italic=True)
LINK_FONT = Font(color="FF1155CC", underline="single")
HEADER_FILL = PatternFill("solid", start_color="FFDDE6F0", end_color="FFDDE6F0")
SEVERITY_FILL = {"error": RED, "warning": ORANGE}
MAX_WIDTH = 60
RULES_SHEET = "规则说明"


def header(ws: Sheet, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(1, col, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def finish(
    ws: Sheet,
    headers: list[str],
    freeze: str,
    widths: dict[int, int] | None = None,
    header_height: float | None = None,
) -> None:
    """Frozen header, autofilter over the used range, widths fitted to the content (capped)."""
    ws.freeze_panes = freeze
    last = get_column_letter(max(len(headers), 1))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"
    fitted = ws.content_widths()
    for col in range(1, len(headers) + 1):
        width = min(fitted.get(col, 8) + 2, MAX_WIDTH)
        if widths and col in widths:
            width = min(width, widths[col])
        ws.column_dimensions[get_column_letter(col)].width = max(width, 8)
    if header_height:
        ws.row_dimensions[1].height = header_height


def cell_value(value: object) -> object:
    """Numbers and text as they are; anything else (lists, dicts) as text."""
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def link(cell: LightCell, target: str | None, text: str | None = None) -> None:
    """An external or relative hyperlink (the HTML page, the source) with its text."""
    if not target:
        return
    cell.value = text if text is not None else target
    cell.hyperlink = target
    cell.font = LINK_FONT


def sheet_link(cell: LightCell, sheet: str, ref: str, text: str) -> None:
    """A link to a cell of another sheet of this workbook (it works wherever the file is)."""
    cell.value = text
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!{ref}")
    cell.font = LINK_FONT


def report_page(result: dict, fragment: str = "") -> str:
    """The document's HTML page, relative to OUT_DIR where the workbook is written."""
    return f"report/{page_name(result['doc_id'])}" + (f"#{fragment}" if fragment else "")


def source_target(result: dict) -> str | None:
    """The source URL when crawled, else the file itself."""
    url = result.get("source_url")
    if url and str(url).startswith(("http://", "https://")):
        return str(url)
    path = result.get("path")
    if not path:
        return None
    try:
        return Path(path).resolve().as_uri()
    except ValueError:
        return None


def rules_sheet_ref(rule_id: str, rows: dict[str, int]) -> str:
    """The cell of a rule on the 规则说明 sheet (A1 when unknown)."""
    return f"A{rows.get(rule_id, 1)}"
