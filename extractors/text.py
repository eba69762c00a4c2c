"""Plain text (crawled page text, exported reports): one paragraph block per line."""

from __future__ import annotations

from extractors.boilerplate import is_boilerplate
from extractors.encoding import UndecodableError, decode_bytes
from extractors.model import Extraction, RawBlock
from extractors.sitemeta import looks_like_meta_line, parse_pairs

# The metadata grid of a disclosure page sits above the body; look for it only there.
META_HEAD_LINES = 40


def extract_text(data: bytes) -> Extraction:
    try:
        text, encoding = decode_bytes(data)
    except UndecodableError as exc:
        return Extraction(status="failed", error=f"不是可读的文本文件：{exc}")
    result = blocks_from_text(text)
    result.encoding = encoding
    return result


def blocks_from_text(text: str, page: int | None = None) -> Extraction:
    """Split text into line blocks, dropping site chrome and marking the metadata grid."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = "\n".join(lines[:META_HEAD_LINES])
    blocks: list[RawBlock] = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or is_boilerplate(stripped):
            continue
        in_head = number < META_HEAD_LINES
        kind = "meta" if in_head and looks_like_meta_line(stripped) else "paragraph"
        blocks.append(RawBlock(kind, stripped, page=page))
    return Extraction(blocks=blocks, site_meta=parse_pairs(head))
