"""Builders of hostile and broken documents for the reliability tests (no fixtures on disk).

Each builder makes real bytes a real parser has to face: DOCX with entity bombs or external
entities, zip bombs, PDFs with huge page counts or cyclic page trees, image-only scans, HTML
with scripts and event handlers, deep nesting, mixed encodings.
"""

from __future__ import annotations

import io
import zipfile

import docx as python_docx
import pypdfium2 as pdfium

PARA = "全区共有小学69所、初中25所。发放问卷385份，有效问卷379份，满意337份，满意度为88.9%。"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
FORMULA = '=HYPERLINK("http://evil.invalid","点我")'


def docx_bytes(paragraphs: list[str] | None = None) -> bytes:
    """A real DOCX written by python-docx."""
    buf = io.BytesIO()
    document = python_docx.Document()
    for text in paragraphs or [PARA]:
        document.add_paragraph(text)
    document.save(buf)
    return buf.getvalue()


def docx_with_document_xml(xml: bytes) -> bytes:
    """A real DOCX whose word/document.xml is replaced by `xml`."""
    src = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = xml if info.filename == "word/document.xml" else src.read(info)
            zf.writestr(info.filename, data)
    return out.getvalue()


def document_xml(doctype: str, extra_text: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f"<w:document {W_NS}><w:body><w:p><w:r><w:t>{PARA}</w:t></w:r></w:p>"
        f"<w:p><w:r><w:t>{extra_text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


def billion_laughs_docx() -> bytes:
    entities = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    return docx_with_document_xml(document_xml(f"<!DOCTYPE w:document [{entities}]>", "&a9;"))


def external_entity_docx(url: str) -> bytes:
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{url}">]>'
    return docx_with_document_xml(document_xml(doctype, "外部实体：&xxe;"))


def zip_bomb_docx(megabytes: int) -> bytes:
    """A DOCX carrying a member of `megabytes` MB of zeros (a few KB compressed)."""
    out = io.BytesIO(docx_bytes())
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("word/media/x.bin", "w") as fh,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(megabytes):
            fh.write(chunk)
    return out.getvalue()


def blank_pdf(pages: int) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(200, 200)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from raw object bodies (1-based numbering), with a correct xref table."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def cyclic_pdf() -> bytes:
    """The page tree is its own child and its own parent; a form XObject draws itself."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 /Parent 2 0 R >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << /XObject << /X 5 0 R >> >> >>",
            b"<< /Length 9 >>\nstream\nq /X Do Q\nendstream",
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] "
            b"/Resources << /XObject << /X 5 0 R >> >> /Length 5 >>\nstream\n/X Do\nendstream",
        ]
    )


def scanned_pdf(pages: int, text_pages: tuple[int, ...] = ()) -> bytes:
    """Pages that are one full-page image each; `text_pages` (1-based) carry a text line."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = ImageReader(Image.new("RGB", (300, 400), "white"))
    out = io.BytesIO()
    c = canvas.Canvas(out)
    for number in range(1, pages + 1):
        if number in text_pages:
            c.drawString(72, 720, "Report page with a text layer. " * 3)
        else:
            c.drawImage(image, 0, 0, width=595, height=842)
        c.showPage()
    c.save()
    return out.getvalue()


def hostile_html(resource_base: str) -> bytes:
    """Scripts, event handlers, javascript: links, iframes and remote resources around a body
    whose text itself contains markup and a spreadsheet formula."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{FORMULA}</title>
<script>document.title = "owned"; fetch("{resource_base}/script");</script>
<link rel="stylesheet" href="{resource_base}/style.css">
<meta http-equiv="refresh" content="0; url={resource_base}/refresh">
</head><body onload="alert('onload')">
<iframe src="{resource_base}/frame"></iframe>
<div id="zoom">
<p onclick="alert('onclick')">{PARA}</p>
<p>{FORMULA}</p>
<p>+SUM(A1:A9) 与 -2+3 与 @cmd 开头的句子。</p>
<p>&lt;script&gt;alert("text")&lt;/script&gt; 和 &lt;img src=x onerror=alert(1)&gt; 是正文里的文字。</p>
<p><a href="javascript:alert('link')">点击查看附件</a>
<img src="{resource_base}/img.png" onerror="alert('img')"></p>
<object data="{resource_base}/object"></object><embed src="{resource_base}/embed">
<svg onload="alert('svg')"><script>alert('svg script')</script></svg>
</div></body></html>""".encode()
