"""Word documents: DOCX through python-docx; legacy DOC/WPS through LibreOffice when present."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from extractors.boilerplate import is_boilerplate
from extractors.model import Extraction, RawBlock, table_block

CONVERT_SECONDS = 120


def extract_docx(data: bytes) -> Extraction:
    # python-docx costs 50 ms to import: only a batch with a DOCX in it pays for it.
    from docx import Document as open_docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        doc = open_docx(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return Extraction(status="failed", error=f"DOCX文件损坏，无法打开：{exc}")
    except etree.XMLSyntaxError as exc:
        # python-docx parses with resolve_entities=False (no external entities, no network);
        # libxml2 itself stops entity expansion bombs with this error
        if "amplification" in str(exc) or "entit" in str(exc).lower():
            return Extraction(
                status="failed",
                error="DOCX内部XML含有层层展开的实体（“十亿笑声”式攻击文件），已拒绝解析",
            )
        return Extraction(status="failed", error=f"DOCX内部XML损坏，无法解析（{exc}）")
    blocks: list[RawBlock] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            para = Paragraph(child, doc)
            text = para.text.strip()
            if text and not is_boilerplate(text):
                style = (para.style.name if para.style is not None else "") or ""
                heading = style.lower().startswith(("heading", "title")) or "标题" in style
                blocks.append(RawBlock("heading" if heading else "paragraph", text))
        elif child.tag == qn("w:tbl"):
            rows = [[cell.text.strip() for cell in row.cells] for row in Table(child, doc).rows]
            if any(any(c for c in row) for row in rows):
                blocks.append(table_block(rows))
    props = doc.core_properties
    meta = {"title": props.title} if props.title else {}
    return Extraction(blocks=blocks, site_meta=meta)


def extract_legacy_word(data: bytes, suffix: str) -> Extraction:
    """DOC/WPS: convert with LibreOffice if installed, else say how to proceed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return Extraction(
            status="unsupported",
            error=f"旧版Word/WPS文件（{suffix}）暂不支持：请另存为DOCX或PDF，或安装LibreOffice后重试",
        )
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"input{suffix}"
        source.write_bytes(data)
        try:
            subprocess.run(
                [soffice, "--headless", "--convert-to", "docx", "--outdir", tmp, str(source)],
                capture_output=True,
                timeout=CONVERT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Extraction(status="failed", error="LibreOffice转换超时，请手工转换为DOCX")
        converted = source.with_suffix(".docx")
        if not converted.exists():
            return Extraction(status="failed", error="LibreOffice无法转换该文件，文件可能已损坏")
        return extract_docx(converted.read_bytes())
