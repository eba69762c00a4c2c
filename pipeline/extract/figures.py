"""Figures: the contract's view of mentions — every quantitative statement with what it
measures, its level, year and role, as the JSON result lists it (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.document import Document
from pipeline.extract.mentions import Mention, derive_mentions, level_of
from pipeline.extract.quantities import Quantity

__all__ = ["Figure", "extract_figures", "level_of"]


@dataclass(frozen=True)
class Figure:
    """A mention seen as a figure: its attributes are the mention's (label, quantity, level,
    year, is_target, is_standard, sentence, clause, depth, start, end)."""

    mention: Mention

    def __post_init__(self) -> None:
        # Copied once, as plain attributes: the mention is complete once figures are made, and
        # a fallback lookup per read cost more than copying what every figure has read. One
        # update of the instance dict (frozen: object.__setattr__ per name costs twice as much).
        m, q = self.mention, self.mention.quantity
        vars(self).update(
            label=m.label,
            quantity=q,
            level=m.level,
            year=m.year,
            is_target=m.is_target,
            is_standard=m.is_standard,
            sentence=m.sentence,
            clause=m.clause,
            depth=m.depth,
            start=q.start,
            end=q.end,
        )

    def to_dict(self, doc: Document) -> dict:
        from pipeline.engine.findings import to_number

        m, q = self.mention, self.mention.quantity
        result = {
            "label": m.label,
            "value": to_number(q.value),
            "unit": q.unit,
            "level": m.level,
            "is_target": m.is_target,
            "year": m.year,
            "start": q.start,
            "end": q.end,
            "text": doc.text[m.sentence.start : m.sentence.end],
            "raw": q.raw,
            "decimals": q.decimals,
            "qualifier": q.qualifier,
            "is_standard": m.is_standard,
        }
        if q.ratio:
            result["ratio"] = [to_number(p) for p in q.ratio]
        if q.unit.startswith(("亿", "万", "千")):  # q.scale != 1, without building it
            result["value_base"] = to_number(q.value * q.scale)
        return result


def extract_figures(
    doc: Document,
    quantities: list[Quantity],
    kind: str | None = None,
    report_year: int | None = None,
) -> list[Figure]:
    """Figures of the quantities outside metadata blocks, in text order."""
    return [Figure(m) for m in derive_mentions(doc, quantities, kind, report_year)]
