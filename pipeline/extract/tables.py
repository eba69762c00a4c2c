"""Tables written as text: rows of cells separated by "|", one row a line, or one cell a line
with empty lines between rows (what HTML tables become when a page is copied as text).

A table is read as header cells (the text cells before the first row that holds numbers) and
rows (a label — the text cells at the start — and value cells). Every cell keeps its span, so
the numbers of a row can be tied to the figures extraction found at the same place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import regex

_NUMBER = regex.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?%?")
_SERIAL = regex.compile(r"\d{1,3}")
_LINE = regex.compile(r"[^\n]*")


@dataclass(frozen=True)
class Cell:
    text: str
    start: int
    end: int

    @property
    def is_number(self) -> bool:
        return bool(_NUMBER.fullmatch(self.text))


@dataclass
class Row:
    cells: list[Cell]

    @property
    def label(self) -> str:
        """The text cells before the values: 小学 | 差异系数 → 小学差异系数."""
        return "".join(c.text for c in self.cells[self._first_text() : self._first_value()])

    @property
    def values(self) -> list[Cell]:
        """The cells after the label, numbers and blanks alike (a blank keeps its column)."""
        return self.cells[self._first_value() :]

    def _first_text(self) -> int:
        """Skip a row's serial number (1 | 全县平均值 | …)."""
        cells = self.cells
        serial = len(cells) > 1 and _SERIAL.fullmatch(cells[0].text) and not cells[1].is_number
        return 1 if serial else 0

    def _first_value(self) -> int:
        start = self._first_text()
        return next(
            (i for i, c in enumerate(self.cells) if i >= start and c.is_number), len(self.cells)
        )


@dataclass
class TextTable:
    start: int
    end: int
    header: list[Cell] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


@lru_cache(maxsize=2)
def text_tables(text: str) -> tuple[TextTable, ...]:
    """Every run of "|"-separated lines in the text, read as a table. Remembered for the last
    documents: the coefficient reader and the table-cell figures both read them."""
    return tuple(table for block in _pipe_blocks(text) if (table := _read(block)).rows)


def _pipe_blocks(text: str) -> list[list[tuple[int, str]]]:
    """Runs of consecutive lines that contain a "|" (line start offset, line text)."""
    blocks, current = [], []
    for m in _LINE.finditer(text):
        line = m.group()
        if "|" in line:
            current.append((m.start(), line))
        elif current and line.strip() == "" and m.start() == m.end():
            continue  # the empty match after a line
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cells(start: int, line: str) -> list[Cell]:
    cells, pos = [], 0
    for part in line.split("|"):
        stripped = part.strip()
        offset = start + pos + (len(part) - len(part.lstrip()))
        cells.append(Cell(stripped, offset, offset + len(stripped)))
        pos += len(part) + 1
    while cells and not cells[-1].text:
        cells.pop()  # the trailing "|" of a row
    return cells


def _read(block: list[tuple[int, str]]) -> TextTable:
    lines = [_cells(start, line) for start, line in block]
    one_cell_per_line = sum(len([c for c in cells if c.text]) <= 1 for cells in lines) > 0.8 * len(
        lines
    )
    rows = _rows_from_cells(lines) if one_cell_per_line else [Row(c) for c in lines if c]
    table = TextTable(block[0][0], block[-1][0] + len(block[-1][1]))
    for row in rows:
        if not table.rows and not any(c.is_number for c in row.cells):
            table.header += [c for c in row.cells if c.text]
        else:
            table.rows.append(row)
    return table


def _rows_from_cells(lines: list[list[Cell]]) -> list[Row]:
    """One cell a line: a line without text ends the row."""
    rows, current = [], []
    for cells in lines:
        filled = [c for c in cells if c.text]
        if filled:
            current += filled
        elif current:
            rows.append(Row(current))
            current = []
    if current:
        rows.append(Row(current))
    return rows
