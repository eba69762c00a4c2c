"""Extraction: what a document states, read once — metadata, sections, quantities with their
context (figures), and the national indicators they report.

`extract(doc)` is the plain function chain production uses; `pipeline.extract.nlp` offers the
same stages as spaCy pipeline components (see docs/extraction.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.document import Document
from pipeline.extract.cvtables import table_coefficients
from pipeline.extract.figures import Figure, extract_figures
from pipeline.extract.indicators import IndicatorValue, extract_indicators, merge_indicators
from pipeline.extract.metadata import extract_metadata
from pipeline.extract.quantities import Quantity, find_quantities
from pipeline.extract.sections import Section, find_sections
from pipeline.extract.table_cells import table_cell_quantities
from pipeline.extract.words import tokenize


@dataclass
class Extracted:
    """Everything extraction read from one document, for the engine and the contract."""

    meta: dict
    sections: list[Section]
    quantities: list[Quantity]
    figures: list[Figure]
    indicators: list[IndicatorValue]


def extract(doc: Document) -> Extracted:
    """metadata → sections → quantities → figures → indicators, each stage reading the last."""
    meta = extract_metadata(doc)
    sections = find_sections(doc)
    quantities = find_quantities(doc.text)
    cells = table_cell_quantities(doc.text, quantities)  # figures only: no relation reads them
    figures = extract_figures(
        doc,
        sorted(quantities + cells, key=lambda q: q.start),
        meta.get("kind"),
        meta.get("report_year"),
    )
    return Extracted(meta, sections, quantities, figures, read_indicators(doc, sections, figures))


def read_indicators(
    doc: Document, sections: list[Section], figures: list[Figure]
) -> list[IndicatorValue]:
    """Indicators from blocks and prose, and coefficients from tables written as text."""
    return merge_indicators(
        extract_indicators(doc, sections, figures, tokenize)
        + table_coefficients(doc, figures, tokenize)
    )
