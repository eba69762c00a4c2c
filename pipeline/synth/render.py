"""Render a generated document as the files districts actually publish: plain text, a government
CMS page, a PDF attachment or a Word attachment. Output bytes depend only on the document, so a
seed always gives the same corpus."""

from __future__ import annotations

import html
import io
import zipfile

from pipeline.synth.model import SynthDoc

FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def render_txt(doc: SynthDoc, encoding: str) -> bytes:
    """Crawled plain text: a date line under the title, tables as tab-separated lines."""
    lines: list[str] = []
    for block in doc.blocks:
        if block.kind == "table":
            continue
        lines.append(block.text)
        if block.kind == "title":
            lines.append(f"发布日期：{doc.published}    来源：{doc.publisher}")
        lines.append("")
    return "\n".join(lines).encode(encoding)


def render_html(doc: SynthDoc, site: dict, encoding: str, with_table: bool) -> bytes:
    """A TRS-style page: navigation, breadcrumb, metadata grid, TRS_Editor body, footer, scripts."""
    esc = html.escape
    charset = "gb2312" if encoding != "utf-8" else "utf-8"
    nav = "".join(f'<li><a href="#">{esc(x)}</a></li>' for x in site["nav"])
    crumbs = " &gt; ".join(f'<a href="#">{esc(x)}</a>' for x in site["breadcrumb"])
    body: list[str] = []
    for block in doc.blocks:
        if block.kind == "title":
            continue
        if block.kind == "table":
            if with_table and block.rows:
                body.append(html_table(block.rows))
            continue
        align = ' style="text-align:right"' if block.kind == "sign" else ""
        tag = "<p><strong>{}</strong></p>" if block.kind == "heading" else f"<p{align}>{{}}</p>"
        body.append(tag.format(esc(block.text)))
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta name="ArticleTitle" content="{esc(doc.title)}">
<meta name="PubDate" content="{doc.published} 09:30">
<meta name="ContentSource" content="{esc(doc.publisher)}">
<title>{esc(doc.title)}_{esc(site["site_name"])}</title>
<link rel="stylesheet" href="/css/common.css">
<script src="/js/jquery.min.js"></script>
</head>
<body>
<div class="top-bar"><a href="#">无障碍</a> | <a href="#">长者模式</a> | <a href="#">登录</a> | <a href="#">注册</a></div>
<div class="header"><h1 class="site-name">{esc(site["site_name"])}</h1></div>
<ul class="nav">{nav}</ul>
<div class="location">您当前的位置：{crumbs}</div>
<div class="xxgk-meta">
<table class="meta-table">
<tr><td>索引号：</td><td>{esc(site["index_no"])}</td><td>主题分类：</td><td>教育</td></tr>
<tr><td>发布机构：</td><td>{esc(doc.publisher)}</td><td>成文日期：</td><td>{doc.published}</td></tr>
<tr><td>名称：</td><td>{esc(doc.title)}</td><td>发布日期：</td><td>{doc.published}</td></tr>
</table>
</div>
<div class="article">
<h2 class="article-title">{esc(doc.title)}</h2>
<div class="article-info">发布时间：{doc.published} 来源：{esc(doc.publisher)} 浏览次数：<span id="hits"></span></div>
<div class="TRS_Editor">
{chr(10).join(body)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer">
<p>主办单位：{esc(site["host"])} 承办单位：{esc(site["host"])}办公室</p>
<p>网站标识码：{site["site_code"]} {esc(site["icp"])} 公网安备 {site["police"]}号</p>
</div>
<script>var _hmt = _hmt || []; document.getElementById("hits").innerText = "1024";</script>
<script src="/js/statistics.js"></script>
</body>
</html>
"""
    return page.encode(encoding)


def html_table(rows: list[list[str]]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="4">']
    for r, row in enumerate(rows):
        cell = "th" if r == 0 else "td"
        out.append("<tr>" + "".join(f"<{cell}>{html.escape(c)}</{cell}>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_pdf(doc: SynthDoc) -> bytes:
    """reportlab with the built-in CID font STSong-Light, CJK word wrap and a ruled table."""
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    rl_config.invariant = 1  # no creation date or random id: same input, same bytes
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    base = dict(fontName="STSong-Light", wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("t", fontSize=16, leading=24, alignment=TA_CENTER, **base),
        "heading": ParagraphStyle("h", fontSize=12, leading=20, spaceBefore=6, **base),
        "para": ParagraphStyle("p", fontSize=11, leading=18, firstLineIndent=22, **base),
        "sign": ParagraphStyle("s", fontSize=11, leading=18, alignment=TA_RIGHT, **base),
    }
    story = []
    for block in doc.blocks:
        if block.kind == "table" and block.rows:
            table = Table(block.rows, hAlign="CENTER")
            table.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                        ("FONTSIZE", (0, 0), (-1, -1), 10),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
                    ]
                )
            )
            story += [Spacer(1, 4 * mm), table, Spacer(1, 4 * mm)]
        elif block.kind != "table":
            story.append(Paragraph(html_escape_pdf(block.text), styles[block.kind]))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        title=doc.title,
        author=doc.publisher,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        invariant=1,
    ).build(story)
    # invariant mode dates every file 2000-01-01; write the publication date (same length)
    stamp = doc.published.replace("-", "").encode()
    return out.getvalue().replace(b"D:20000101", b"D:" + stamp)


def html_escape_pdf(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_docx(doc: SynthDoc) -> bytes:
    """python-docx with a Table Grid table; zip entries re-dated so the bytes are stable."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    props = document.core_properties
    props.title, props.author = doc.title, doc.publisher
    import datetime as dt

    stamp = dt.datetime.fromisoformat(doc.published)
    props.created = props.modified = stamp
    props.last_modified_by = doc.publisher
    props.revision = 1
    for block in doc.blocks:
        if block.kind == "title":
            p = document.add_heading(block.text, level=1)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            document.add_heading(block.text, level=2)
        elif block.kind == "table" and block.rows:
            table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        elif block.kind == "sign":
            document.add_paragraph(block.text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            document.add_paragraph(block.text)
    out = io.BytesIO()
    document.save(out)
    return stable_zip(out.getvalue())


def stable_zip(data: bytes) -> bytes:
    """The same zip with every entry dated FIXED_ZIP_TIME (python-docx stamps the wall clock)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
