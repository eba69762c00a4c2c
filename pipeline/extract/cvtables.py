"""Coefficients of variation reported in a table: a header row naming the seven resource
indicators, then rows such as "小学 | 差异系数 | 0.677 | 0.674 | …".

Each number of a 差异系数 row becomes the coefficient of the indicator its column names, at the
level the row or the table's caption names ("（小学部分）"). A table whose header cannot be
tied to distinct indicators, one name per cell, is left alone.
"""

from __future__ import annotations

import regex

from pipeline.catalog import Catalog, load_catalog
from pipeline.document import Document
from pipeline.extract.figures import Figure, level_of
from pipeline.extract.indicators import IndicatorValue, Tokenize, match_code
from pipeline.extract.tables import Cell, TextTable, text_tables

_SPACE = regex.compile(r"\s+")
_DIGIT = regex.compile(r"\d")
_CV_ROW = regex.compile(r"差异系数")
_CAPTION_CHARS = 160
_MIN_COLUMNS = 3


def table_coefficients(
    doc: Document, figures: list[Figure], tokenize: Tokenize
) -> list[IndicatorValue]:
    catalog = load_catalog()
    by_start = {f.start: f for f in figures}
    found = []
    for table in text_tables(doc.text):
        codes = [code for cell in table.header if (code := _column_code(cell, catalog, tokenize))]
        if len(codes) < _MIN_COLUMNS or len(set(codes)) != len(codes):
            continue
        caption = _caption_level(doc, table)
        for row in table.rows:
            level = level_of(row.label) or caption
            if not _CV_ROW.search(row.label) or level not in ("primary", "junior"):
                continue
            for code, cell in zip(codes, row.values, strict=False):
                fig = by_start.get(cell.start)
                if fig is not None and cell.is_number:
                    found.append(IndicatorValue(code, level, cell.start, cell.end, cv={level: fig}))
    return found


def _caption_level(doc: Document, table: TextTable) -> str | None:
    """The level a table's own title names ("…监测结果（小学部分）"), else the text before it."""
    title = table.header[0].text if table.header else ""
    before = doc.text[max(0, table.start - _CAPTION_CHARS) : table.start]
    return level_of(title) or level_of(before.rsplit("\n", 2)[-1])


def _column_code(cell: Cell, catalog: Catalog, tokenize: Tokenize) -> str | None:
    """The resource indicator a header cell names, when it names exactly one."""
    text = _SPACE.sub("", cell.text)
    if len(text) < 6 or _DIGIT.search(text):
        return None
    named = {
        ind.code
        for ind in catalog.frameworks["quality_balance"].indicators.values()
        if ind.group == "resource" and any(len(n) >= 4 and n in text for n in (ind.name, ind.short))
    }
    if len(named) > 1:
        return None  # names run together in one cell
    return match_code(text, catalog, "resource", tokenize)
