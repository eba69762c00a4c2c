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

import contextlib
import pickle
import re
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import IO

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import _set_attributes
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.comments.author import AuthorList
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.comments.shape_writer import ShapeWriter, _shape_factory
from openpyxl.compat import safe_string
from openpyxl.packaging.relationship import Relationship, get_rels_path
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import PKG_REL_NS
from openpyxl.xml.functions import tostring

STYLES = ("font", "fill", "alignment", "number_format", "hyperlink", "comment")
SHARED = ("font", "fill", "alignment")  # style objects the builders share between cells
WIDE = re.compile("[\u2e81-\U0010ffff]")  # what Excel's default font draws two columns wide
MAX_HYPERLINKS = 65_530  # Excel's limit per worksheet: past it, Excel "repairs" the file
ROWS_HELD = 50_000  # cells of a sheet held in memory (about 10 MB) before its rows spill
ITEMS_HELD = 10_000  # comments or links of a sheet held (3 to 6 MB) before they spill


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
    """A list that keeps what is appended in memory up to a budget, and the rest in a
    temporary file (read back, as a copy, each time it is iterated): a sheet's finished rows
    (weighed by their cells), and the comments and links openpyxl holds until the sheet
    ends. Below the budget nothing is pickled, which is most of a small workbook's time."""

    def __init__(self, budget: int) -> None:
        self._held: list = []
        self._budget = budget
        self._file: IO[bytes] | None = None
        self._count = 0

    def append(self, item: object, weight: int = 1) -> None:
        if self._file is None and weight <= self._budget:
            self._held.append(item)
            self._budget -= weight
        else:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the object
            self._file.seek(0, 2)
            pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator:
        yield from self._held
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._count - len(self._held)):
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
        self._spilled = _Spilled(ROWS_HELD)
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
        self._spilled.append(cells, weight=len(cells))
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
        ws = write_only_sheet(wb, sheet)
        ws._writer = _StreamingLinks(ws)  # taken by the sheet in place of its own writer
        ws._writer.write_top()  # what precedes the rows: panes, widths, filter
        rows = _Rows(ws, sheet.styles)
        for cells in sheet.rows():
            rows.write(cells[0].row, _formatted(sheet, cells))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _StreamingWriter(wb, archive).write_data()
    return wb


def write_only_sheet(wb: Workbook, sheet: Sheet) -> object:
    """The sheet's write-only worksheet with what precedes its rows: widths, heights, panes,
    filter."""
    ws = wb.create_sheet(sheet.title)
    for letter, dim in sheet.column_dimensions.items():
        if dim.width is not None:
            ws.column_dimensions[letter].width = dim.width
    for row, dim in sheet.row_dimensions.items():
        if dim.height is not None:
            ws.row_dimensions[row].height = dim.height
    ws.freeze_panes = sheet.freeze_panes
    ws.auto_filter.ref = sheet.auto_filter.ref
    return ws


def _formatted(sheet: Sheet, cells: list[LightCell]) -> list[LightCell]:
    """The row with its columns' number formats (below the header, empty cells too)."""
    if not sheet.column_formats or cells[0].row == 1:
        return cells
    by_column = {cell.column: cell for cell in cells}
    for column, fmt in sheet.column_formats.items():
        by_column.setdefault(column, LightCell(cells[0].row, column)).number_format = fmt
    return [by_column[c] for c in sorted(by_column)]


class _Rows:
    """A sheet's rows into its write-only worksheet, each row one element parsed from text:
    openpyxl's append makes a cell object and an element context for every cell, which was
    most of the workbook's time. The bytes are those of openpyxl's append (test_xlsx_sheet):
    the same data types, styles, links and checks; a cell with a comment (or a value of a
    type other than text, number or bool) still goes through openpyxl's own cell. Text is
    never a formula (openpyxl reads any string starting with "=" as one; we write none).
    Past Excel's limit a link is left as its text.

    Each combination of styles is registered with the workbook once, where openpyxl would
    first register it (registering hashes every style object)."""

    def __init__(self, ws: object, styles: list) -> None:
        self.ws, self.styles = ws, styles
        self.arrays: dict[tuple, StyleArray] = {}
        self.ids: dict[tuple, int | None] = {}
        self.links_left = MAX_HYPERLINKS
        self.written = 0  # the last row written
        self.sheet_data: Iterator | None = None

    def write(self, row: int, cells: list[LightCell]) -> None:
        """Row `row` (rows the builder left empty before it are written empty)."""
        if self.sheet_data is None:
            self.sheet_data = self.ws._rows = self._sheet_data()  # closed by the sheet's close
            next(self.sheet_data)
        while self.written < row - 1:
            self.written += 1
            self.sheet_data.send(self._element(self.written, []))
        self.sheet_data.send(self._element(row, cells))
        self.written = row

    def _sheet_data(self) -> Iterator:
        """What the write-only sheet's own row writer does, for elements made here."""
        xf = self.ws._writer.xf.send(True)
        with xf.element("sheetData"), contextlib.suppress(GeneratorExit):
            while True:
                xf.write((yield))
        self.ws._writer.xf.send(None)

    def _element(self, row: int, cells: list[LightCell]) -> etree._Element:
        attrs = {"r": f"{row}"}
        attrs.update(self.ws.row_dimensions.get(row, {}))
        parts = [f"<row{_attributes(attrs)}>", *map(self._cell, cells), "</row>"]
        element = etree.fromstring("".join(parts))
        for node in element.iter():  # openpyxl's contexts write <c ...></c>, never <c .../>
            if node.text is None and not len(node):
                node.text = ""
        return element

    def _cell(self, cell: LightCell) -> str:
        """The cell's element as openpyxl writes it ("" when it writes none); the cell's link
        goes to the sheet's links as openpyxl's writer adds it."""
        if cell.hyperlink is not None:
            if self.links_left <= 0:
                cell.hyperlink = cell.font = None
            self.links_left -= 1
        value = cell.value
        if cell.comment is not None or (value is not None and value.__class__ not in PLAIN):
            return self._openpyxl_cell(cell)
        ref = f"{get_column_letter(cell.column)}{cell.row}"
        link = cell.hyperlink
        if link is not None:
            link = link if isinstance(link, Hyperlink) else Hyperlink(ref="", target=link)
            link.ref = ref
            value = link.target or link.location if value is None else value
        attrs = {"r": ref}
        if not _unstyled(cell):
            style = self._style_id(cell)
            if style is not None:
                attrs["s"] = f"{style}"
        if value is None and "s" not in attrs:
            return ""
        if link is not None:
            self.ws._hyperlinks.append(link)
        if value.__class__ is str:
            value = value[:32767]
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
            attrs["t"] = "e" if value in ERROR_CODES else "inlineStr"
        else:
            attrs["t"] = "b" if value.__class__ is bool else "n"
        return _cell_xml(attrs, value, text=attrs["t"] == "inlineStr")

    def _openpyxl_cell(self, cell: LightCell) -> str:
        """A cell with a comment or a value of another type, through openpyxl's own cell."""
        target = WriteOnlyCell(self.ws, value=cell.value)
        if target.data_type == "f":
            target.data_type = "s"
        if not _unstyled(cell):
            target._style = StyleArray(self._style(cell))
        if cell.hyperlink is not None:
            target.hyperlink = cell.hyperlink
        if cell.comment is not None:
            target.comment = cell.comment
        target.row, target.column = cell.row, cell.column
        if target.hyperlink is not None:
            target.hyperlink.ref = target.coordinate
        if target._comment is not None:
            self.ws._comments.append(CommentRecord.from_cell(target))
        elif target._value is None and not target.has_style:
            return ""
        value, attrs = _set_attributes(target, target.has_style)
        return _cell_xml(attrs, value, text=target.data_type == "s")

    def _style_id(self, cell: LightCell) -> int | None:
        """The workbook's number of the cell's styles (None when they are all the defaults:
        then openpyxl writes no style), registered where openpyxl would first ask for it."""
        key = (cell.font, cell.fill, cell.alignment, cell.number_format)
        if key not in self.ids:
            array = self._style(cell)
            self.ids[key] = self.ws.parent._cell_styles.add(array) if any(array) else None
        return self.ids[key]

    def _style(self, cell: LightCell) -> StyleArray:
        key = (cell.font, cell.fill, cell.alignment, cell.number_format)
        if key not in self.arrays:
            target = WriteOnlyCell(self.ws)
            for name, number in zip(SHARED, key[:3], strict=True):
                if number is not None:
                    setattr(target, name, self.styles[number])
            if cell.number_format is not None:
                target.number_format = cell.number_format
            self.arrays[key] = StyleArray(target._style)
        return self.arrays[key]


PLAIN = frozenset({str, int, float, bool})  # the types written here without openpyxl's cell


def _unstyled(cell: LightCell) -> bool:
    return cell.font is cell.fill is cell.alignment is cell.number_format is None


def _cell_xml(attrs: dict, value: object, text: bool) -> str:
    """What openpyxl's lxml_write_cell writes for these attributes and value (not formulas)."""
    if value is None or value == "":
        return f"<c{_attributes(attrs)}></c>"
    if text:
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f"<c{_attributes(attrs)}><is><t{space}>{_escaped(value)}</t></is></c>"
    return f"<c{_attributes(attrs)}><v>{_escaped(safe_string(value))}</v></c>"


def _attributes(attrs: dict) -> str:
    """Attributes as written; their values are coordinates, numbers and type codes, which
    need no escaping."""
    return "".join(f' {k}="{v}"' for k, v in attrs.items())


def _escaped(value: str) -> str:
    """Escaped for the parser, which turns a bare carriage return into a line feed."""
    for char, entity in ESCAPES:
        if char in value:
            value = value.replace(char, entity)
    return value


ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))


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
        ws._hyperlinks, ws._comments = _Spilled(ITEMS_HELD), _Spilled(ITEMS_HELD)

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
