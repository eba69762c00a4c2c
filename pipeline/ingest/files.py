"""Turn any input file into a Document: sniff the format, extract blocks, normalise, split.

Never raises for bad input: every problem becomes a status and a message an inspector can act
on, so one broken file never stops a batch.
"""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO
from pathlib import Path

import regex

from extractors.model import Extraction
from extractors.text import extract_text
from pipeline.document import Block, Document, Span
from pipeline.extract.text import sentences
from pipeline.ingest.limits import Limits
from pipeline.ingest.normalize import normalize

_HTML_START = regex.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p)\b",
    regex.I | regex.S,
)

_ANY_TEXT = regex.compile(r"[\p{Han}\p{L}\d]")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUPPORTED_SUFFIXES = {
    ".txt",
    ".text",
    ".htm",
    ".html",
    ".shtml",
    ".xhtml",
    ".pdf",
    ".docx",
    ".doc",
    ".wps",
    "",
}


def doc_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def sniff(data: bytes, suffix: str) -> str:
    """Format from the bytes first (crawled files are often misnamed), then the suffix."""
    head = data[:2048]
    if head.lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                if "word/document.xml" in zf.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return "pdf" if suffix == ".pdf" else "zip"
        return "zip"
    if head.startswith(_OLE):
        return "ole"
    if _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")) or suffix in (
        ".htm",
        ".html",
        ".shtml",
        ".xhtml",
    ):
        return "html"
    if suffix in (".pdf", ".docx"):
        return suffix[1:]
    return "txt"


def ingest_bytes(data: bytes, path: str, limits: Limits = Limits()) -> Document:
    suffix = Path(path).suffix.lower()
    doc = Document(doc_id=doc_id(data), path=path, format="unknown")
    if not data.strip():
        return _fail(doc, "empty", "文件为空（没有内容），可能是下载失败：请重新下载")
    if len(data) > limits.max_bytes:
        return _fail(doc, "failed", _too_large(len(data), limits))
    doc.format = sniff(data, suffix)
    if doc.format == "docx" and (refusal := _zip_refusal(data, limits)):
        return _fail(doc, "failed", refusal)
    try:
        extraction = _extract(doc.format, data, suffix, limits)
    except RecursionError:
        return _fail(doc, "failed", "文件结构嵌套过深（可能是恶意构造的文件），无法解析，未处理")
    except MemoryError:
        return _fail(doc, "failed", "解析该文件所需内存超出上限（文件可能是恶意构造的），未处理")
    except Exception as exc:  # last line of defence: a parser bug must not stop a batch
        return _fail(doc, "failed", f"解析失败（{type(exc).__name__}: {exc}），请检查文件是否完整")
    chars = sum(len(b.text) for b in extraction.blocks)
    if chars > limits.max_chars:
        return _fail(
            doc,
            "failed",
            f"文本过长（{chars:,}字，上限{limits.max_chars:,}字），未处理："
            "请确认文件是否为报告本身；如确为报告，可用 --max-chars 提高上限",
        )
    return assemble(doc, extraction)


def _zip_refusal(data: bytes, limits: Limits) -> str | None:
    """A DOCX is a zip: refuse one that would unpack to more than the limit (a zip bomb).

    Python's zipfile never inflates a member past its declared size, so the declared sizes
    bound what opening the document can cost.
    """
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            declared = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError):
        return None  # the DOCX reader reports the damage
    if declared <= limits.max_unzipped_bytes:
        return None
    return (
        f"DOCX解压后过大（{_mb(declared)} MB，上限 {_mb(limits.max_unzipped_bytes)} MB），"
        f"疑似压缩炸弹，未处理"
    )


def ingest_path(path: str | Path, limits: Limits = Limits()) -> Document:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_bytes:
            doc = Document(doc_id=_hash_file(p), path=str(path), format="unknown")
            return _fail(doc, "failed", _too_large(size, limits))
        data = p.read_bytes()
    except OSError as exc:
        doc = Document(doc_id="0" * 16, path=str(path), format="unknown")
        return _fail(doc, "failed", f"无法读取文件：{exc.strerror or exc}")
    return ingest_bytes(data, str(path), limits)


def _too_large(size: int, limits: Limits) -> str:
    return (
        f"文件过大（{_mb(size)} MB，上限 {_mb(limits.max_bytes)} MB），未处理："
        "请确认文件是否为报告本身；如确为报告，可用 --max-mb 提高上限"
    )


def _mb(size: int) -> str:
    """30 MB as "30", 100 kB as "0.1": never a limit shown as "0 MB"."""
    return f"{size / 2**20:.1f}".removesuffix(".0")


def _hash_file(p: Path) -> str:
    digest = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _extract(fmt: str, data: bytes, suffix: str, limits: Limits) -> Extraction:
    """The format's reader, imported on first use: a TXT check loads no HTML/PDF/DOCX parser."""
    if fmt == "pdf":
        from extractors.pdf import extract_pdf

        return extract_pdf(data, limits.pdf)
    if fmt == "docx":
        from extractors.docx import extract_docx

        return extract_docx(data)
    if fmt == "html":
        from extractors.html import extract_html

        return extract_html(data)
    if fmt == "ole":
        from extractors.docx import extract_legacy_word

        return extract_legacy_word(data, suffix or ".doc")
    if fmt == "zip" or suffix not in _SUPPORTED_SUFFIXES:
        return Extraction(
            status="unsupported",
            error=f"不支持的文件类型（{suffix or fmt}）：请提供TXT、HTML、PDF或DOCX",
        )
    return extract_text(data)


def _fail(doc: Document, status: str, message: str) -> Document:
    doc.status, doc.error = status, message  # type: ignore[assignment]
    return doc


def assemble(doc: Document, extraction: Extraction) -> Document:
    """Normalise block by block and lay the blocks out in one text with offsets."""
    doc.status, doc.error = extraction.status, extraction.error
    doc.encoding, doc.site_meta, doc.page_count = (
        extraction.encoding,
        extraction.site_meta,
        extraction.page_count,
    )
    text_parts: list[str] = []
    source_parts: list[str] = []
    pos = source_pos = 0
    for raw in extraction.blocks:
        norm, omap = normalize(raw.text)
        norm = norm.strip("\n")
        if not norm.strip():
            continue
        doc._maps.append((pos, source_pos, omap))
        doc.blocks.append(Block(raw.kind, pos, pos + len(norm), raw.page, raw.cells))
        text_parts.append(norm)
        source_parts.append(raw.text)
        pos += len(norm) + 1
        source_pos += len(raw.text) + 1
    doc.text = "\n".join(text_parts)
    doc.source_text = "\n".join(source_parts)
    doc.sentences = sentences(doc.text)
    doc.pages = _pages(doc.blocks)
    if doc.status == "ok" and not _ANY_TEXT.search(doc.text):
        doc.status = "empty"
        doc.error = "没有提取到正文内容（页面可能只有脚本或导航，正文由JavaScript加载）"
    return doc


def _pages(blocks: list[Block]) -> list[Span]:
    pages: dict[int, Span] = {}
    for b in blocks:
        if b.page is None:
            continue
        span = pages.setdefault(b.page, Span(b.start, b.end))
        span.start, span.end = min(span.start, b.start), max(span.end, b.end)
    return [pages[k] for k in sorted(pages)]
