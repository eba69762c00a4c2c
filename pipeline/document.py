"""The document model: one clean, offset-addressable text per input, whatever its format.

Document → blocks (heading / paragraph / table / meta) → sentences, every piece carrying
character offsets into `Document.text`, the normalised text that all later stages read.
`Document.to_source` maps an offset back to the extracted text before normalisation.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from extractors.model import BlockKind, Status
from pipeline.ingest.normalize import OffsetMap

KINDS = (
    "quality_balance_self_assessment",
    "basic_balance_self_assessment",
    "duty_performance_self_assessment",
    "implementation_plan",
    "research_report",
    "other",
)
META_KEYS = (
    "title",
    "district",
    "city",
    "province",
    "kind",
    "published",
    "publisher",
    "report_year",
)


@dataclass
class Block:
    kind: BlockKind
    start: int
    end: int
    page: int | None = None
    cells: list[list[str]] | None = None


@dataclass
class Span:
    start: int
    end: int


@dataclass
class Document:
    doc_id: str
    path: str
    format: str
    status: Status = "ok"
    error: str | None = None
    encoding: str | None = None
    site_meta: dict[str, str] = field(default_factory=dict)
    text: str = ""
    source_text: str = ""
    blocks: list[Block] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    pages: list[Span] = field(default_factory=list)
    page_count: int | None = None
    # per block: (start in text, start in source_text, map of the block's normalisation)
    _maps: list[tuple[int, int, OffsetMap]] = field(default_factory=list, repr=False)

    def to_source(self, pos: int) -> int:
        """Offset in the extracted (pre-normalisation) text for an offset in `text`."""
        k = bisect_right(self._maps, pos, key=lambda m: m[0]) - 1
        if k < 0:
            return pos
        start, source_start, omap = self._maps[k]
        return source_start + omap.to_source(pos - start)

    def sentence_at(self, pos: int) -> Span:
        """The sentence containing `pos` (the evidence unit for figures and findings)."""
        k = bisect_right(self.sentences, pos, key=lambda s: s.start) - 1
        if k < 0:
            return Span(0, 0)
        return self.sentences[k]

    def block_at(self, pos: int) -> Block | None:
        k = bisect_right(self.blocks, pos, key=lambda b: b.start) - 1
        return self.blocks[k] if k >= 0 else None

    def evidence(self, start: int, end: int) -> dict:
        """Evidence for a span: offsets plus the whole sentence(s) it lies in."""
        first = self.sentence_at(start)
        last = self.sentence_at(max(start, end - 1))
        s, e = min(first.start, start), max(last.end, end)
        return {"start": start, "end": end, "text": self.text[s:e].strip()}
