"""What a format reader returns: raw blocks in reading order, page facts and a status.

The readers in this package turn bytes into an `Extraction`; `pipeline.ingest` normalises it
into a `pipeline.document.Document`. Keeping this model here means extractors import nothing
from the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "empty", "needs_ocr", "unsupported", "failed"]
BlockKind = Literal["heading", "paragraph", "table", "meta"]


@dataclass
class RawBlock:
    """A block as a format extractor sees it, before normalisation."""

    kind: BlockKind
    text: str
    page: int | None = None
    cells: list[list[str]] | None = None


def table_block(rows: list[list[str]], page: int | None = None) -> RawBlock:
    """A table as cells plus a text rendering: one line per row, cells split by ' | '."""
    clean = [[" ".join((c or "").split()) for c in row] for row in rows]
    text = "\n".join(" | ".join(row) for row in clean)
    return RawBlock("table", text, page=page, cells=clean)


@dataclass
class Extraction:
    """What a format extractor returns: blocks in reading order plus page facts."""

    blocks: list[RawBlock] = field(default_factory=list)
    site_meta: dict[str, str] = field(default_factory=dict)
    page_count: int | None = None
    status: Status = "ok"
    error: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may cost (here, not in `pdf`, so limits import no PDF library)."""

    max_pages: int = 400
    max_seconds: float = 120.0
    # pages with at least this many path objects are checked for ruled tables
    table_min_paths: int = 8


@dataclass
class PageRead:
    """What an HTML reader found on a page, before boilerplate lines are dropped."""

    blocks: list[RawBlock]
    site_meta: dict[str, str]
    title: str | None


def line_blocks(text: str, kind: str = "paragraph") -> list[RawBlock]:
    """One block per non-empty line of a run of text, its whitespace collapsed (both HTML
    readers, so that they cannot drift apart)."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return [RawBlock(kind, line) for line in lines if line]
