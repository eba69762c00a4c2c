"""Sheets built as light cells, then streamed into a write-only workbook.

openpyxl's ordinary worksheet keeps a full cell object (with its style proxies) for every cell
until it saves: about 1.5 KB a cell, 700 MB for the workbook of 3,000 reports. The sheet
builders fill a `Sheet` instead (the same `cell(row, column, value)` calls and cell attributes
they used on a worksheet, row after row), which spills each finished row to a temporary file;
`save` then streams the rows through a write-only workbook, so no sheet is ever held whole,
and writes the parts openpyxl would build whole (comments, their shapes, links, relationships)
one element at a time, byte for byte as openpyxl writes them (tests/test_xlsx_sheet.py).
"""

from __future__ import annotations

import pickle
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments.author import AuthorList
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.comments.shape_writer import ShapeWriter, _shape_factory
from openpyxl.packaging.relationship import Relationship, get_rels_path
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import PKG_REL_NS
from openpyxl.xml.functions import tostring

STYLES = ("font", "fill", "alignment", "number_format", "hyperlink", "comment")
SHARED = ("font", "fill", "alignment")  # style objects the builders share between cells
WIDE = re.compile("[\u2e81-\U0010ffff]")  # what Excel's default font draws two columns wide
MAX_HYPERLINKS = 65_530  # Excel's limit per worksheet: past it, Excel "repairs" the file


class LightCell:
    """What a sheet builder sets on a cell; styles are only written when set."""

    __slots__ = ("row", "column", "value", *STYLES)

    def __init__(self, row: int, column: int, value: object = None) -> None:
        self.row, self.column, self.value = row, column, value
        for name in STYLES:
            setattr(self, name, None)

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


class _Spilled:
    """A list that keeps what is appended in a temporary file (a copy is read back each time
    it is iterated): a sheet's finished rows, and the comments and links openpyxl holds
    until the sheet ends."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the object
        self._count = 0

    def append(self, item: object) -> None:
        self._file.seek(0, 2)
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator:
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)


class Sheet:
    """The part of openpyxl's Worksheet the sheet builders use. Rows are filled in order; a
    finished row is spilled to a temporary file, so a sheet of any length holds one row."""

    def __init__(self, title: str = "") -> None:
        self.title = title
        self.freeze_panes: str | None = None
        self.auto_filter = SimpleNamespace(ref=None)
        self.column_dimensions: dict[str, SimpleNamespace] = _Dimensions()
        self.row_dimensions: dict[int, SimpleNamespace] = _Dimensions()
        self.column_formats: dict[int, str] = {}  # number format of a column below its header
        self._current = self._done = 0  # the row being filled, the last row spilled
        self._row: dict[int, LightCell] = {}
        self._spilled = _Spilled()
        self._widths: dict[int, int] = {}
        self.styles: list[object] = []  # shared style objects; spilled cells hold their index
        self._style_index: dict[int, int] = {}  # id → index (the list keeps the ids valid)

    def cell(self, row: int, column: int, value: object = None) -> LightCell:
        if row <= self._done:
            raise ValueError(f"{self.title}: row {row} was already written")
        if row != self._current:
            self._flush()
            self._current = row
        cell = self._row.get(column)
        if cell is None:
            cell = self._row[column] = LightCell(row, column)
        if value is not None:
            cell.value = value
        return cell

    @property
    def max_row(self) -> int:
        return max(self._current, 1)

    def content_widths(self) -> dict[int, int]:
        """column → display width of its longest line, over every row so far."""
        self._flush()
        return dict(self._widths)

    def rows(self) -> Iterator[list[LightCell]]:
        """Every row, in order, as written."""
        self._flush()
        yield from self._spilled

    def _flush(self) -> None:
        if not self._row:
            return
        cells = [self._row[c] for c in sorted(self._row)]
        for cell in cells:
            if cell.value is not None:
                longest = max(display_width(line) for line in str(cell.value).split("\n"))
                self._widths[cell.column] = max(self._widths.get(cell.column, 0), longest)
            for name in SHARED:
                style = getattr(cell, name)
                if style is not None:
                    setattr(cell, name, self._style_number(style))
        self._spilled.append(cells)
        self._row, self._done = {}, self._current

    def _style_number(self, style: object) -> int:
        number = self._style_index.get(id(style))
        if number is None:
            number = self._style_index[id(style)] = len(self.styles)
            self.styles.append(style)
        return number


def display_width(text: str) -> int:
    """CJK characters take two columns in Excel's default font."""
    return len(text) + len(WIDE.findall(text))


class _Dimensions(dict):
    def __missing__(self, key: object) -> SimpleNamespace:
        self[key] = SimpleNamespace(width=None, height=None)
        return self[key]


def save(sheets: list[Sheet], path: Path) -> Workbook:
    """Write the sheets, in order, as one workbook; returns it (saved) for its properties."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for letter, dim in sheet.column_dimensions.items():
            if dim.width is not None:
                ws.column_dimensions[letter].width = dim.width
        for row, dim in sheet.row_dimensions.items():
            if dim.height is not None:
                ws.row_dimensions[row].height = dim.height
        ws.freeze_panes = sheet.freeze_panes
        ws.auto_filter.ref = sheet.auto_filter.ref
        ws._writer = _StreamingLinks(ws)  # taken by the sheet in place of its own writer
        ws._writer.write_top()  # what precedes the rows: panes, widths, filter
        rows, written = _Rows(ws, sheet.styles), 0
        for cells in sheet.rows():
            row = cells[0].row
            while written < row - 1:  # rows the builder left empty stay empty
                ws.append([])
                written += 1
            ws.append(rows.values(_formatted(sheet, cells)))
            written = row
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _StreamingWriter(wb, archive).write_data()
    return wb


def _formatted(sheet: Sheet, cells: list[LightCell]) -> list[LightCell]:
    """The row with its columns' number formats (below the header, empty cells too)."""
    if not sheet.column_formats or cells[0].row == 1:
        return cells
    by_column = {cell.column: cell for cell in cells}
    for column, fmt in sheet.column_formats.items():
        by_column.setdefault(column, LightCell(cells[0].row, column)).number_format = fmt
    return [by_column[c] for c in sorted(by_column)]


class _Rows:
    """A sheet's rows into its write-only worksheet: values as they are, a write-only cell
    where a style, link or comment is set; text is never a formula (openpyxl reads any string
    starting with "=" as one; we write none). Past Excel's limit a link is left as its text.

    Each combination of styles is registered with the workbook once and its style array
    copied after that (registering hashes every style object: the workbook's main cost)."""

    def __init__(self, ws: object, styles: list) -> None:
        self.ws, self.styles = ws, styles
        self.arrays: dict[tuple, StyleArray] = {}
        self.links_left = MAX_HYPERLINKS

    def values(self, cells: list[LightCell]) -> list:
        out: list = [None] * cells[-1].column
        for cell in cells:
            if cell.hyperlink is not None:
                if self.links_left <= 0:
                    cell.hyperlink = cell.font = None
                self.links_left -= 1
            plain = not isinstance(cell.value, str) or not cell.value.startswith("=")
            unstyled = cell.font is cell.fill is cell.alignment is cell.number_format is None
            if plain and unstyled and cell.hyperlink is cell.comment is None:
                out[cell.column - 1] = cell.value
                continue
            target = WriteOnlyCell(self.ws, value=cell.value)
            if target.data_type == "f":
                target.data_type = "s"
            if not unstyled:
                target._style = StyleArray(self._style(cell, target))
            if cell.hyperlink is not None:
                target.hyperlink = cell.hyperlink
            if cell.comment is not None:
                target.comment = cell.comment
            out[cell.column - 1] = target
        return out

    def _style(self, cell: LightCell, target: WriteOnlyCell) -> StyleArray:
        key = (cell.font, cell.fill, cell.alignment, cell.number_format)
        if key not in self.arrays:
            for name, number in zip(SHARED, key[:3], strict=True):
                if number is not None:
                    setattr(target, name, self.styles[number])
            if cell.number_format is not None:
                target.number_format = cell.number_format
            self.arrays[key] = StyleArray(target._style)
        return self.arrays[key]


class _StreamingWriter(ExcelWriter):
    """openpyxl's writer, but a sheet's comments, their VML shapes and its relationships (one
    per link) are written to the zip one by one (the same bytes), where openpyxl builds each
    document whole in memory first: 200 MB for the 30,000 comments of 3,000 reports, 80 MB
    for the 51,600 links of their findings."""

    def _write_worksheets(self) -> None:
        sheets = self.workbook.worksheets
        if any(ws._charts or ws._images or ws._tables or ws._pivots for ws in sheets):
            super()._write_worksheets()  # parts our sheets never have
            return
        for number, ws in enumerate(sheets, 1):
            ws._id = number
            self.write_worksheet(ws)
            if ws._comments:
                self._write_comment(ws)
            if ws.legacy_drawing is not None:
                target = "/" + ws.legacy_drawing
                ws._rels.append(Relationship(type="vmlDrawing", Id="anysvml", Target=target))
            if ws._rels:
                with self._archive.open(get_rels_path(ws.path)[1:], "w") as out:
                    out.write(f'<Relationships xmlns="{PKG_REL_NS}">'.encode())
                    for rel in ws._rels:
                        out.write(tostring(rel.to_tree()))
                    out.write(b"</Relationships>")

    def _write_comment(self, ws: object) -> None:
        authors = IndexedList()
        for record in ws._comments:
            authors.add(record.author)
        sheet = CommentSheet(authors=AuthorList(authors), commentList=[])
        self._comments.append(sheet)
        sheet._id = len(self._comments)
        with self._archive.open(sheet.path[1:], "w") as out:
            out.write(tostring(sheet.to_tree()).removesuffix(b"</comments>") + b"<commentList>")
            for record in ws._comments:
                record.authorId = authors.index(record.author)
                out.write(tostring(record.to_tree()))
            out.write(b"</commentList></comments>")
        self.manifest.append(sheet)

        ws.legacy_drawing = f"xl/drawings/commentsDrawing{sheet._id}.vml"
        shape_types = ShapeWriter(iter(())).write(None)
        with self._archive.open(ws.legacy_drawing, "w") as out:
            out.write(shape_types.removesuffix(b"</xml>"))
            for number, record in enumerate(ws._comments, 1026):
                row, column = coordinate_to_tuple(record.ref)
                shape = _shape_factory(row - 1, column - 1, record.height, record.width)
                shape.set("id", f"_x0000_s{number:04d}")
                out.write(tostring(shape))
            out.write(b"</xml>")
        self.vba_modified.add(ws.legacy_drawing)
        ws._rels.append(Relationship(Id="comments", type=sheet._rel_type, Target=sheet.path))


class _StreamingLinks(WorksheetWriter):
    """openpyxl's sheet writer, but the sheet's comments and links wait in temporary files
    and the hyperlinks are written one by one (the same bytes), where openpyxl holds them
    all and then builds the element of all of them."""

    def __init__(self, ws: object) -> None:
        super().__init__(ws)
        ws._hyperlinks, ws._comments = _Spilled(), _Spilled()

    def write_hyperlinks(self) -> None:
        links = self.ws._hyperlinks
        if not links:
            return
        xf = self.xf.send(True)
        with xf.element("hyperlinks"):
            for link in links:
                if link.target:
                    rel = Relationship(type="hyperlink", TargetMode="External", Target=link.target)
                    self._rels.append(rel)
                    link.id = rel.id
                xf.write(link.to_tree())
        self.xf.send(None)
