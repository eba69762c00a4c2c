"""A small fake district government site served over real HTTP on 127.0.0.1 for crawler tests.

It imitates a TRS-style site: an education-supervision column with 下一页 pagination, a
second column paginated by JavaScript `createPageHTML`, GBK pages (one declaring the wrong
charset), report pages with PDF/DOCX/XLSX attachments, and the failure modes a polite
crawler must handle (redirect, 404, 500-then-ok, 429 with Retry-After, robots.txt, oversized
files, other hosts, `../` and path-traversal file names).
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (status, headers, body)
Response = tuple[int, dict[str, str], bytes]
Route = Response | Callable[[int], Response]

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\n% self-assessment report\ntrailer<<>>\n%%EOF\n"
BIG_SIZE = 400_000
MAX_BYTES = 100_000


def docx_bytes(text: str) -> bytes:
    """A minimal (zip) DOCX; enough bytes for a crawler, which never opens it."""
    buf = io.BytesIO()
    stamp = (2025, 4, 1, 0, 0, 0)  # fixed, so every server instance serves the same bytes
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("[Content_Types].xml", stamp), "<Types/>")
        zf.writestr(
            zipfile.ZipInfo("word/document.xml", stamp),
            f"<w:document><w:t>{text}</w:t></w:document>",
        )
    return buf.getvalue()


def html(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        f'<meta name="ArticleTitle" content="{title}"><title>{title}_重庆市某区人民政府</title>'
        f"</head><body><div class='crumb'>首页 > 政府信息公开目录 > 教育督导</div>{body}</body></html>"
    )


def ok(body: bytes | str, ctype: str = "text/html; charset=utf-8", **headers: str) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return 200, {"Content-Type": ctype, **headers}, data


def report_body(name: str, attachments: str = "") -> str:
    return (
        f"<div class='TRS_Editor'><p>{name}。全区义务教育阶段学校26所，问卷385份，有效379份。</p>"
        f"{attachments}</div>"
    )


@dataclass
class Hit:
    """One request the server saw."""

    at: float
    path: str
    user_agent: str


@dataclass
class FakeSite:
    """An HTTP server in a thread; `hits` logs every request with its arrival time."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [h.path for h in self.hits]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def start(self) -> FakeSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                site.hits.append(
                    Hit(time.monotonic(), self.path, self.headers.get("User-Agent", ""))
                )
                n = site.count(self.path)
                route = site.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/html"}, b"<h1>404</h1>"
                else:
                    status, headers, body = route(n) if callable(route) else route
                self.send_response(status)
                stream = headers.pop("X-Stream", None) if "X-Stream" in headers else None
                for key, value in headers.items():
                    self.send_header(key, value)
                if stream:  # no Content-Length: the client only learns the size by reading
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    try:
                        for i in range(0, len(body), 16_384):
                            self.wfile.write(body[i : i + 16_384])
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class _QuietServer(ThreadingHTTPServer):
    """The crawler hangs up on oversized downloads by design; that is not a server error."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def _copy_route(resp: Response) -> Callable[[int], Response]:
    """Routes are used many times; hand out fresh header dicts (the handler pops from them)."""
    return lambda _n: (resp[0], dict(resp[1]), resp[2])


def district_site(other_base: str) -> FakeSite:
    """The full fake district site; `other_base` is a second server (another host)."""
    site = FakeSite()
    r: dict[str, Route] = {}

    r["/robots.txt"] = ok("User-agent: *\nDisallow: /private/\n", "text/plain")

    # Column 1, page 1 (UTF-8).
    r["/jydd/index.html"] = ok(
        html(
            "义务教育均衡发展督导评估",
            '<ul><li><a href="./202504/t20250401_1001.html" '
            'title="万盛经开区创建全国义务教育优质均衡发展区自查自评报告">万盛经开区创建全国义务教育优质...</a></li>'
            '<li><a href="./202503/t20250301_999.html">关于2025年清明节放假的通知</a></li>'
            '<li><a href="/private/t_secret.html">基本均衡自评报告（内部）</a></li>'
            f'<li><a href="{other_base}/jydd/t_other.html">督导评估（其他网站）</a></li>'
            '<li><a href="../../../../jydd/../jydd/202504/t_dots.html">优质均衡督导评估反馈意见</a></li>'
            '<li><a href="/jydd/old/report.html">履行教育职责自评报告（旧链接）</a></li>'
            '<li><a href="./jhdd/">义务教育均衡发展督导评估（子栏目）</a></li>'
            '<li><a href="/attach/list_direct.pdf">2024年自评报告附件.pdf</a></li>'
            '<li><a href="/attach/unrelated.pdf">事业单位招聘公告.pdf</a></li>'
            '<li><a href="mailto:jw@example.gov.cn">联系我们</a>'
            '<a href="javascript:void(0)">收藏</a></li></ul>'
            '<div class="page"><a href="index_1.html">下一页</a></div>',
        )
    )
    # Column 1, page 2: real GBK bytes while the page declares utf-8.
    r["/jydd/index_1.html"] = ok(
        html(
            "义务教育均衡发展督导评估",
            '<ul><li><a href="./202101/t20210101_5.html">基本均衡发展自评报告</a></li>'
            '<li><a href="./202102/t_missing.html">履行教育职责自评报告（已撤下）</a></li>'
            '<li><a href="./202103/t_flaky.html">教育督导评估报告</a></li>'
            '<li><a href="./202104/t_busy.html">优质均衡自查自评报告（二）</a></li></ul>'
            '<a href="index.html">上一页</a> <a href="index_2.html">下一页</a>',
        ).encode("gbk"),
        "text/html",
    )
    # Column 1, page 3: <base href> changes where relative links point.
    r["/jydd/index_2.html"] = ok(
        html(
            "义务教育均衡发展督导评估",
            '<base href="/jydd/sub/"><a href="t_base.html">优质均衡发展督导评估报告（base）</a>',
        )
    )
    # Column 2: pagination built by JavaScript (TRS createPageHTML); page declares gb2312
    # but is UTF-8.
    js = (
        "<script>var countPage = 3;var currentPage = 0;"
        'createPageHTML(countPage, currentPage, "index", "html");</script>'
    )
    r["/xxgk/index.html"] = ok(html("教育督导", "<p>暂无</p>" + js, "gb2312"), "text/html")
    r["/xxgk/index_1.html"] = ok(html("教育督导", "<p>暂无</p>" + js, "gb2312"), "text/html")
    r["/xxgk/index_2.html"] = ok(
        html("教育督导", '<a href="./t_js2.html">区县自评报告（第三页）</a>' + js, "gb2312"),
        "text/html",
    )

    r["/jydd/jhdd/"] = ok(
        html("义务教育均衡发展督导评估", '<a href="t_sub.html">某区优质均衡自评报告</a>')
    )
    r["/jydd/jhdd/t_sub.html"] = ok(html("某区优质均衡自评报告", report_body("子栏目中的报告")))

    # Report pages.
    attachments = (
        '<p><a href="./P020250401_report.pdf">附件1：自查自评报告.pdf</a></p>'
        '<p><a href="/attach/report.docx">附件2</a></p>'
        '<p><a href="javascript:void(0)" onclick="window.open(\'/attach/table.xlsx\')">附件3：数据表</a></p>'
        '<p><a href="/attach/big.pdf">附件4：佐证材料（大）</a></p>'
        '<p><a href="/attach/big2.pdf">附件5：佐证材料（大，声明长度）</a></p>'
        '<p><a href="/attach/..%2F..%2F..%2Fetc%2Fpasswd.pdf">附件6</a></p>'
        '<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=..%2F..%2Fescape.docx">附件7</a></p>'
    )
    r["/jydd/202504/t20250401_1001.html"] = ok(
        html(
            "万盛经开区创建全国义务教育优质均衡发展区自查自评报告",
            report_body("万盛经开区自查自评报告", attachments),
        )
    )
    r["/jydd/202504/t_dots.html"] = ok(
        html(
            "优质均衡督导评估反馈意见",
            report_body("反馈意见", '<a href="/attach/copy_of_report.pdf">附件：报告副本.pdf</a>'),
        )
    )
    r["/jydd/old/report.html"] = (301, {"Location": "/jydd/202201/t_moved.html"}, b"")
    r["/jydd/202201/t_moved.html"] = ok(
        html("履行教育职责自评报告", report_body("江北区履行教育职责自评报告"))
    )
    r["/jydd/202101/t20210101_5.html"] = ok(
        html("基本均衡发展自评报告", report_body("綦江区基本均衡发展自评报告"), "gb2312").encode(
            "gbk"
        ),
        "text/html; charset=gb2312",
    )
    r["/jydd/202103/t_flaky.html"] = lambda n: (
        (500, {"Content-Type": "text/html"}, b"<h1>busy</h1>")
        if n == 1
        else ok(html("教育督导评估报告", report_body("大足区督导评估报告")))
    )
    r["/jydd/202104/t_busy.html"] = lambda n: (
        (429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down")
        if n == 1
        else ok(html("优质均衡自查自评报告（二）", report_body("优质均衡自查自评报告二")))
    )
    r["/jydd/sub/t_base.html"] = ok(html("优质均衡发展督导评估报告", report_body("base 页面")))
    r["/xxgk/t_js2.html"] = ok(html("区县自评报告", report_body("JS 分页第三页的报告")))
    r["/private/t_secret.html"] = ok(html("内部", "secret"))
    r["/jydd/202503/t20250301_999.html"] = ok(html("放假通知", "holiday"))

    # Attachments.
    r["/jydd/202504/P020250401_report.pdf"] = ok(PDF_BYTES, "application/pdf")
    r["/attach/copy_of_report.pdf"] = ok(PDF_BYTES, "application/pdf")
    r["/attach/list_direct.pdf"] = ok(PDF_BYTES + b"% list direct\n", "application/pdf")
    r["/attach/unrelated.pdf"] = ok(PDF_BYTES + b"% unrelated\n", "application/pdf")
    r["/attach/report.docx"] = ok(
        docx_bytes("自查自评报告"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    r["/attach/table.xlsx"] = ok(
        docx_bytes("数据表"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    r["/attach/big.pdf"] = _copy_route(
        ok(b"%PDF-1.4\n" + b"0" * BIG_SIZE, "application/pdf", **{"X-Stream": "1"})
    )
    r["/attach/big2.pdf"] = ok(b"%PDF-1.4\n" + b"1" * BIG_SIZE, "application/pdf")
    r["/attach/..%2F..%2F..%2Fetc%2Fpasswd.pdf"] = ok(PDF_BYTES + b"% passwd\n", "application/pdf")
    r["/module/download/downfile.jsp?classid=0&filename=..%2F..%2Fescape.docx"] = ok(
        docx_bytes("escape"),
        "application/octet-stream",
        **{"Content-Disposition": 'attachment; filename="../../escape.docx"'},
    )
    site.routes = r
    return site


# What a full crawl of district_site must request, and must never request.
EXPECTED_REQUESTS = {
    "/robots.txt",
    "/jydd/index.html",
    "/jydd/index_1.html",
    "/jydd/index_2.html",
    "/jydd/jhdd/",
    "/jydd/jhdd/t_sub.html",
    "/xxgk/index.html",
    "/xxgk/index_1.html",
    "/xxgk/index_2.html",
    "/jydd/202504/t20250401_1001.html",
    "/jydd/202504/t_dots.html",
    "/jydd/old/report.html",
    "/jydd/202201/t_moved.html",
    "/jydd/202101/t20210101_5.html",
    "/jydd/202102/t_missing.html",
    "/jydd/202103/t_flaky.html",
    "/jydd/202104/t_busy.html",
    "/jydd/sub/t_base.html",
    "/xxgk/t_js2.html",
    "/jydd/202504/P020250401_report.pdf",
    "/attach/copy_of_report.pdf",
    "/attach/list_direct.pdf",
    "/attach/report.docx",
    "/attach/table.xlsx",
    "/attach/big.pdf",
    "/attach/big2.pdf",
    "/attach/..%2F..%2F..%2Fetc%2Fpasswd.pdf",
    "/module/download/downfile.jsp?classid=0&filename=..%2F..%2Fescape.docx",
}
NEVER_REQUESTED = {
    "/private/t_secret.html",
    "/jydd/202503/t20250301_999.html",
    "/attach/unrelated.pdf",
}
