"""Numbers in tables written as text: a cell states a figure even without a unit of its own
(the unit sits in the column header, which a copied table often garbles).

Prose never yields a unit-less integer (it is too often a serial, a page or a code), so table
cells are read here, by their shape: the value cells of a "|" table (`tables.text_tables`) and
rows of three or more numbers separated by spaces ("158 1243 34737 3946"), with an optional
row label in front. Each cell becomes its own quantity with its span, unit "" unless the cell
carries one; cells that a quantity already covers or that a mask refuses (dates, codes) are left.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from decimal import Decimal

import regex

from pipeline.extract.quantities import Quantity, masks
from pipeline.extract.tables import text_tables

_CELL_NUMBER = regex.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# A line of ≥3 numbers separated by spaces, after an optional label: a row of a table copied as
# text. The label may not end in a digit, so a wrapped sentence is not read as a row.
_ALIGNED_ROW = regex.compile(
    r"(?m)^[ \t\u3000]*(?:[^\d\s|][^\d\n|]*?[ \t\u3000]+)?"
    r"(?P<cells>\d+(?:\.\d+)?(?:[ \t\u3000]+\d+(?:\.\d+)?){2,})[ \t\u3000]*$"
)
# What every aligned row holds (a number between two others, spaces apart): only the lines
# with one are tried against the row pattern, whose lazy label otherwise scans every line.
_THREE_NUMBERS = regex.compile(r"\d[ \t\u3000]+\d+(?:\.\d+)?[ \t\u3000]+\d")
# "2021 09 15": a date that lost its 年月日, not a row.
_DATE_ROW = regex.compile(r"(?:19|20)\d{2}[ \t\u3000]+\d{1,2}[ \t\u3000]+\d{1,2}")


def table_cell_quantities(text: str, quantities: list[Quantity]) -> list[Quantity]:
    """Unit-less quantities for the number cells of text tables that nothing else read."""
    cells = _number_cells(text)
    if not cells:
        return []
    taken = _union([(q.start, q.end) for q in quantities] + _masked_lines(text, cells))
    ends = [b for _, b in taken]
    found = []
    for start, end in cells:
        first = bisect_right(ends, start)  # the first taken span ending after the cell starts
        if first < len(taken) and taken[first][0] < end:
            continue
        raw = text[start:end]
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        found.append(Quantity(start, end, raw, Decimal(raw.replace(",", "")), decimals, ""))
    return found


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans covering the same characters (so their ends ascend)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _masked_lines(text: str, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Masked spans (dates, codes) of the lines that hold cells: a cell never spans a line."""
    spans = []
    for line_start in sorted({text.rfind("\n", 0, start) + 1 for start, _ in cells}):
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end]
        spans += [(line_start + m.start, line_start + m.end) for m in masks(line)]
    return spans


def _number_cells(text: str) -> list[tuple[int, int]]:
    cells = [
        (c.start, c.end)
        for table in text_tables(text)
        for row in table.rows
        for c in row.values
        if _CELL_NUMBER.fullmatch(c.text)
    ]
    for row in _aligned_rows(text):
        if _DATE_ROW.fullmatch(row["cells"]):
            continue
        offset = row.start("cells")
        cells += [
            (offset + m.start(), offset + m.end()) for m in _CELL_NUMBER.finditer(row["cells"])
        ]
    return sorted(cells)


def _aligned_rows(text: str) -> Iterator[regex.Match]:
    """The lines matching `_ALIGNED_ROW`, in order (neither pattern crosses a line break)."""
    pos = 0
    while (hint := _THREE_NUMBERS.search(text, pos)) is not None:
        line_start = text.rfind("\n", 0, hint.start()) + 1
        line_end = text.find("\n", hint.end())
        line_end = len(text) if line_end < 0 else line_end
        if (row := _ALIGNED_ROW.match(text, line_start, line_end)) is not None:
            yield row
        pos = line_end + 1
