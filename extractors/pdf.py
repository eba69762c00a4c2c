"""PDF: text per page with PDFium (fast), tables with pdfplumber on pages that have rulings.

pdfplumber alone runs at a few pages per second; PDFium extracts text two orders of magnitude
faster. So PDFium reads every page, and pdfplumber is opened only for pages whose drawing
objects suggest a ruled table. Scanned pages, missing ToUnicode maps, encryption and damage
are reported as statuses with a message, never as exceptions.
"""

from __future__ import annotations

import io
import logging
import time

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import regex

from extractors.model import Extraction, PdfLimits, RawBlock, table_block

# pdfminer logs every odd font descriptor; statuses and messages say what matters.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


_SENTENCE_END = regex.compile(r"[。！？；：!?;:]\s*$")
_HEADING_START = regex.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.]|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十\d]+[章节条部]|\d{1,2}[.、](?!\d)|指标)"
)
_PAGE_NUMBER = regex.compile(
    r"^\s*(?:[-—–]\s*)?\d{1,4}(?:\s*[-—–])?\s*$|^\s*第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?\s*$"
)
_CID = regex.compile(r"\(cid:\d+\)")
_WHITESPACE = regex.compile(r"\s")
_UNREADABLE = regex.compile(r"[\p{Co}\ufffd]")
_OCR_COVER = 0.85


def extract_pdf(data: bytes, limits: PdfLimits = PdfLimits()) -> Extraction:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return Extraction(status="failed", error=_open_error(str(exc)))
    try:
        return _extract(pdf, data, limits)
    finally:
        pdf.close()


def _open_error(message: str) -> str:
    if "password" in message.lower():
        return "PDF已加密，需要密码才能打开：请向发布单位索取未加密版本"
    return f"PDF文件损坏或不是PDF，无法打开（{message}）"


def _extract(pdf: pdfium.PdfDocument, data: bytes, limits: PdfLimits) -> Extraction:
    started = time.monotonic()
    page_count = len(pdf)
    if page_count > limits.max_pages:
        return Extraction(
            page_count=page_count,
            status="failed",
            error=f"页数过多（共{page_count}页，上限{limits.max_pages}页），未处理："
            "自评报告通常不足百页，请确认文件；如确为报告，可用 --max-pages 提高上限",
        )
    blocks: list[RawBlock] = []
    scanned_pages: list[int] = []
    broken_pages: list[int] = []
    plumber = None
    notes: list[str] = []
    try:
        for index in range(page_count):
            if time.monotonic() - started > limits.max_seconds:
                notes.append(f"处理超时，只提取了前{index}页（共{page_count}页）")
                break
            try:
                page = pdf[index]
            except pdfium.PdfiumError:  # a broken or cyclic page tree: skip that page, say so
                broken_pages.append(index + 1)
                continue
            text, paths, image_cover = _page_facts(page)
            if image_cover >= _OCR_COVER and len(text.strip()) < 2000:
                scanned_pages.append(index + 1)
            tables: list[RawBlock] = []
            if paths >= limits.table_min_paths:
                plumber = plumber or _open_plumber(data)
                tables, text = _tables_and_outside_text(plumber.pages[index], index + 1, text)
            blocks.extend(_reflow(text, index + 1))
            blocks.extend(tables)
            page.close()
    finally:
        if plumber is not None:
            plumber.close()
    result = Extraction(blocks=blocks, page_count=page_count, site_meta=_pdf_meta(pdf))
    if broken_pages and len(broken_pages) == page_count:
        result.status = "failed"
        result.error = f"PDF页面结构损坏：{page_list(broken_pages)}均无法读取（页面树可能有循环引用或文件被截断），未处理"
        return result
    if broken_pages:
        notes.append(f"{page_list(broken_pages)}无法读取（页面结构损坏），其内容未审核")
    broken = set(broken_pages)
    _judge(result, scanned_pages, [p for p in range(1, page_count + 1) if p not in broken])
    if scanned_pages and result.status == "ok":
        notes.append(f"{page_list(scanned_pages)}是扫描图片，其内容需OCR，未审核")
    if notes and result.status == "ok":
        result.error = "；".join(notes)
    return result


def _open_plumber(data: bytes):
    """pdfplumber (with pdfminer) costs 60 ms to import: only a PDF with ruled tables pays it."""
    import pdfplumber

    return pdfplumber.open(io.BytesIO(data))


def _page_facts(page: pdfium.PdfPage) -> tuple[str, int, float]:
    """Text, number of path objects, and the share of the page covered by images."""
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    textpage.close()
    width, height = page.get_size()
    paths, cover = 0, 0.0
    for obj in page.get_objects(max_depth=2):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            cover += max(0.0, right - left) * max(0.0, top - bottom)
    return text.replace("\r\n", "\n"), paths, min(1.0, cover / max(width * height, 1.0))


def _tables_and_outside_text(page, page_number: int, fallback: str) -> tuple[list[RawBlock], str]:
    """Ruled tables as table blocks; the page text without the tables' characters."""
    try:
        found = page.find_tables()
    except Exception:  # pdfplumber raises many types on odd geometry; tables are optional
        return [], fallback
    if not found:
        return [], fallback
    tables = [table_block(t.extract(), page=page_number) for t in found]
    outside = page
    for table in found:
        outside = outside.outside_bbox(table.bbox, strict=False)
    try:
        text = outside.extract_text() or ""
    except Exception:
        text = fallback
    return [t for t in tables if t.text.strip(" |\n")], text


def _reflow(text: str, page_number: int) -> list[RawBlock]:
    """Join a page's visual lines into paragraphs; drop page numbers."""
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln and not _PAGE_NUMBER.match(ln)]
    if not lines:
        return []
    full = max(len(ln) for ln in lines)
    paragraphs: list[list[str]] = []
    for line in lines:
        starts_new = (
            not paragraphs
            or _SENTENCE_END.search(paragraphs[-1][-1]) is not None
            or _HEADING_START.match(line) is not None
            or len(paragraphs[-1][-1]) < 0.6 * full
        )
        if starts_new:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return [RawBlock("paragraph", _join(parts), page=page_number) for parts in paragraphs]


def _join(parts: list[str]) -> str:
    """Join wrapped lines: no space between CJK (or digits), one space between Latin words."""
    out = parts[0]
    for part in parts[1:]:
        if out[-1:].isascii() and out[-1:].isalpha() and part[:1].isascii() and part[:1].isalpha():
            out += " " + part
        else:
            out += part
    return out


def _pdf_meta(pdf: pdfium.PdfDocument) -> dict[str, str]:
    try:
        info = pdf.get_metadata_dict(skip_empty=True)
    except Exception:
        return {}
    meta = {}
    if info.get("Title"):
        meta["title"] = info["Title"]
    if info.get("CreationDate"):
        raw = info["CreationDate"].removeprefix("D:")
        if len(raw) >= 8 and raw[:8].isdigit():
            meta["created"] = f"{raw[:4]}-{raw[4:6]}-{raw[6:8]}"
    return meta


def page_list(pages: list[int]) -> str:
    """[1, 2, 3, 5] → "第1–3、5页": the pages an inspector has to look at."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return "第" + "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs) + "页"


def _judge(result: Extraction, scanned_pages: list[int], read: list[int]) -> None:
    """Decide the status from what the pages read gave."""
    pages_read = len(read)
    text = "".join(b.text for b in result.blocks)
    chars = len(_WHITESPACE.sub("", text))
    cid = len(_CID.findall(text))
    garbage = len(_UNREADABLE.findall(text))
    if pages_read and len(scanned_pages) * 2 >= pages_read:
        result.status = "needs_ocr"
        where = f"（共{result.page_count}页，{page_list(scanned_pages)}是图片）"
        result.error = (
            f"扫描件{where}：页面没有文字层，需要OCR后再审核"
            if chars < 20 * pages_read
            else f"扫描件{where}：文字来自OCR层，识别错误较多（如把“2015”识别为“ZOq5”），需重新OCR或人工核对"
        )
    elif chars == 0:
        result.status = "needs_ocr" if pages_read else "empty"
        result.error = (
            f"PDF没有可提取的文字（{page_list(read)}无文字），需要OCR"
            if pages_read
            else "PDF没有页面"
        )
    elif cid * 5 > chars or garbage * 5 > chars:
        result.status = "needs_ocr"
        result.error = "PDF字体缺少ToUnicode映射，文字无法正确提取（出现(cid:…)乱码），需要OCR"
