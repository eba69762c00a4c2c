"""The arithmetic engine over relation families: every statement is read by each family's
readers, every relation checked by its family's check, and duplicates compared on figures.

Families (one module each, reader and check side by side): `sums`, `shares` and `share_lists`,
`changes`, `rates`, `duplicates`. Adding a reader is local to its family module; a family's
`CHECKS` maps its relation kinds to their checks.
"""

from __future__ import annotations

from pipeline.document import Document
from pipeline.engine import changes, rates, share_lists, shares, sums
from pipeline.engine.duplicates import check_duplicates
from pipeline.engine.findings import Finding
from pipeline.engine.reading import Relation, Statement, statements
from pipeline.extract.quantities import Quantity

CHECKS = {**sums.CHECKS, **shares.CHECKS, **share_lists.CHECKS, **changes.CHECKS, **rates.CHECKS}


def extract_relations(doc: Document, quantities: list[Quantity]) -> list[Relation]:
    """Every relation in the document's statements, in text order; targets are left out."""
    return relations_of(statements(doc, quantities))


def relations_of(stmts: list[Statement]) -> list[Relation]:
    result: list[Relation] = []
    for stmt in stmts:
        result += relations_in(stmt)
    return sorted(result, key=lambda r: (r.start, r.kind))


def relations_in(stmt: Statement) -> list[Relation]:
    """All relations one statement states: sums first (shares look up their wholes there)."""
    if stmt.is_target:
        stmt.refuse("engine", stmt.start, "目标或计划表述，不作复算")
        return []
    found_sums = sums.read(stmt)
    percents = shares.read(stmt, found_sums) + share_lists.read(stmt)
    return [
        *found_sums,
        *percents,
        *share_lists.share_groups(percents),
        *changes.read(stmt),
        *rates.read(stmt),
        *sums.count_relations(stmt),
    ]


def check_arithmetic(
    doc: Document, stmts: list[Statement], figures: list | None = None
) -> list[Finding]:
    """Every arithmetic finding for one document's statements, in text order."""
    return check_relations(relations_of(stmts), figures, doc.text)


def check_relations(
    relations: list[Relation], figures: list | None = None, text: str = ""
) -> list[Finding]:
    findings: list[Finding] = []
    for rel in relations:
        findings += CHECKS[rel.kind](rel)
    if figures:
        findings += check_duplicates(figures, text)
    findings.sort(key=lambda f: (f.start, f.rule))
    return _one_per_span(findings)


def _one_per_span(findings: list[Finding]) -> list[Finding]:
    """Identical (rule, span) findings from overlapping readings are reported once."""
    seen, result = set(), []
    for f in findings:
        key = (f.rule, f.start, f.end, f.formula)
        if key not in seen:
            seen.add(key)
            result.append(f)
    return result
