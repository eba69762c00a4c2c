"""The engine: re-check what extraction read — indicators against the national standard and
the report's own conclusions (`standards`), and the arithmetic relations the text states."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.document import Document
from pipeline.engine.families import check_arithmetic
from pipeline.engine.findings import Finding
from pipeline.engine.funding import check_funding
from pipeline.engine.reading import statements
from pipeline.engine.standards import check_standards

if TYPE_CHECKING:
    from pipeline.extract import Extracted


def check_document(doc: Document, extracted: Extracted) -> list[Finding]:
    """Every finding for one document, in text order, once per repeated statement."""
    return once_per_statement(doc, every_finding(doc, extracted))


def every_finding(doc: Document, extracted: Extracted) -> list[Finding]:
    """The findings of every check, repeated statements included (`explain` shows both)."""
    findings = check_standards(doc, extracted.indicators, extracted.meta)
    stmts = statements(doc, extracted.quantities)
    findings += check_arithmetic(doc, stmts, extracted.figures)
    findings += check_funding(stmts)
    findings.sort(key=lambda f: (f.start, f.rule))
    return findings


def once_per_statement(doc: Document, findings: list[Finding]) -> list[Finding]:
    """A statement printed twice (a page's teaser or summary repeating its body) gives one
    finding, kept at the last copy: the body follows the summary on a page."""
    last: dict[tuple, Finding] = {}
    for f in findings:
        last[(f.rule, f.formula, f.reported, f.expected, doc.text[f.start : f.end])] = f
    kept = {id(f) for f in last.values()}
    return [f for f in findings if id(f) in kept]
