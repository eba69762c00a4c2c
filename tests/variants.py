"""Build test-time variants of the shared corpus: other encodings, a government HTML page,
a PDF with Chinese text and a table, a DOCX with a table. Built from the seed text, never
stored in the project."""

from __future__ import annotations

import html
import io
from pathlib import Path

from extractors.boilerplate import is_boilerplate
from extractors.sitemeta import looks_like_meta_line

GOV_HEADER = """<div class="header"><div class="top-nav">中国政府网 | 重庆市人民政府网 | 无障碍 | 注册</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li>渝快办</li><li>互动交流</li></ul></div>
<div class="breadcrumb">您当前的位置：<a href="/">首页</a> &gt; 政府信息公开目录 &gt; 教育督导</div>
<table class="xxgk-table"><tr><td>[ 索引号 ]</td><td>11500000TEST000000/2025-00001</td><td>[ 发文字号 ]</td><td></td></tr>
<tr><td>[ 主题分类 ]</td><td>教育</td><td>[ 发布机构 ]</td><td>某区教委</td></tr>
<tr><td>[ 成文日期 ]</td><td>2025-04-01</td><td>[ 发布日期 ]</td><td>2025-04-02</td></tr></table>
<div class="tools"><span>语音播报</span><span>【字体：大 中 小】</span><a href="javascript:window.print()">打印本页</a></div>"""

GOV_FOOTER = """<div class="share">分享到：微信 微博</div>
<div class="ewm">扫一扫在手机打开当前页</div><a class="go-top" href="#">返回顶部</a>
<div class="footer"><a href="/map">网站地图</a> <span>政务新媒体</span>
<p>主办单位：某区人民政府办公室</p><p>网站标识码：5001120001 渝ICP备05003300号</p>
<p>渝公网安备 50011202500012号</p></div>"""

BOILERPLATE_SAMPLES = [
    "语音播报",
    "扫一扫在手机打开当前页",
    "返回顶部",
    "网站地图",
    "政务新媒体",
    "主办单位",
    "网站标识码",
    "打印本页",
    "分享到",
]


def body_paragraphs(text: str) -> list[str]:
    """The seed's substantive lines: what a body extractor must keep."""
    lines = [ln.strip() for ln in text.splitlines()]
    return [ln for ln in lines if ln and not is_boilerplate(ln) and not looks_like_meta_line(ln)]


def gov_html(text: str, charset: str = "gb2312") -> str:
    paras = body_paragraphs(text)
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(paras[0][:40])}_某区人民政府</title>
<script>var _hmt = _hmt || []; document.write("<p>统计代码</p>");</script>
<style>.TRS_Editor p {{ text-indent: 2em; }}</style></head><body>
{GOV_HEADER}
<div class="article"><div class="TRS_Editor">{body}</div></div>
{GOV_FOOTER}
<script src="/js/common.js"></script></body></html>"""


def pdf_bytes(text: str, rows: list[list[str]] | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=10.5, leading=16, wordWrap="CJK")
    story: list = [Paragraph(html.escape(p), style) for p in body_paragraphs(text)]
    if rows:
        grid = TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ]
        )
        story.append(Table(rows, style=grid))
    out = io.BytesIO()
    SimpleDocTemplate(out).build(story)
    return out.getvalue()


def docx_bytes(text: str, rows: list[list[str]]) -> bytes:
    from docx import Document

    doc = Document()
    for para in body_paragraphs(text):
        doc.add_paragraph(para)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path
