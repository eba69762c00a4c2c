"""The crawler against hostile servers on loopback: every trap bounded, logged in the manifest,
nothing written outside the output folder."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.crawler import links
from pipeline.crawler.engine import CrawlConfig, Seed, crawl

MAX_BYTES = 1_000_000
KEY = "自评报告"


def page(body: str) -> bytes:
    return f"<html><head><title>{KEY}栏目</title></head><body>{body}</body></html>".encode()


GZIP_BOMB = gzip.compress(b"\0" * (16 << 20), compresslevel=9)  # 16 MB of zeros in ~16 KB


class Hostile(BaseHTTPRequestHandler):
    """Each path is one trap; `other` is the port of a second (off-host) server."""

    protocol_version = "HTTP/1.1"
    hits: list[str] = []
    other = 0

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        Hostile.hits.append(self.path)
        path = self.path
        if path == "/robots.txt":
            return self.reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/index.html":
            links = [
                f'<a href="/loop/a.html">{KEY}：重定向循环</a>',
                f'<a href="/away.html">{KEY}：重定向到站外</a>',
                f'<a href="/endless.html">{KEY}：永不结束</a>',
                f'<a href="/bomb.html">{KEY}：gzip炸弹</a>',
                f'<a href="/liar.html">{KEY}：长度造假</a>',
                f'<a href="/private/secret.html">{KEY}：robots禁止</a>',
                f'<a href="/busy.html">{KEY}：429</a>',
                f'<a href="file:///etc/passwd">{KEY}：file链接</a>',
                f'<a href="javascript:alert(1)">{KEY}：脚本链接</a>',
                f'<a href="/report.html">{KEY}：正常</a>',
            ]
            return self.reply(200, page("".join(links)))
        if path == "/many.html":
            links = "".join(f'<a href="/r/{i}.html">{KEY}{i}</a>' for i in range(10_000))
            return self.reply(200, page(links))
        if path.startswith("/loop/"):
            nxt = "/loop/b.html" if path.endswith("a.html") else "/loop/a.html"
            return self.reply(302, b"", headers={"Location": nxt})
        if path == "/away.html":
            return self.reply(302, b"", headers={"Location": f"http://localhost:{self.other}/x"})
        if path == "/busy.html":
            return self.reply(429, b"slow down", headers={"Retry-After": "9" * 40})
        if path == "/endless.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(600):  # a byte every 50 ms: no read timeout ever fires
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            return None
        if path == "/bomb.html":
            return self.reply(200, GZIP_BOMB, headers={"Content-Encoding": "gzip"})
        if path == "/liar.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(page("短"))
            self.close_connection = True
            return None
        if path == "/report.html":
            links = (
                '<a href="/files/..%2F..%2F..%2Fescape.pdf">附件1</a>'
                '<a href="/dl.jsp?name=x.pdf">附件2</a>'
            )
            return self.reply(200, page(f"<p>正文</p>{links}"))
        if path.startswith("/files/") or path.startswith("/dl.jsp"):
            return self.reply(
                200,
                b"%PDF-1.4\n" + path.encode() + b"\n%%EOF\n",
                "application/pdf",
                {"Content-Disposition": 'attachment; filename="../../../../tmp/escape.pdf"'},
            )
        return self.reply(404, b"missing")

    def reply(
        self, status: int, body: bytes, ctype: str = "text/html", headers: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextlib.contextmanager
def server(handler: type) -> int:
    srv = Quiet(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


class Other(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Other.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def run_crawl(start: str, out: Path, rate: float = 100) -> tuple[list[dict], float]:
    config = CrawlConfig(
        seeds=[Seed(start)],
        out=out,
        user_agent="edu-audit-test (+https://example.org/contact)",
        rate=rate,
        concurrency=4,
        read_timeout=5,
        total_timeout=4,  # the endless response trickles for 30 s
        max_bytes=MAX_BYTES,
        retries=1,
        backoff=0.01,
        max_retry_after=0.2,
        trust_env=False,
        verbose=False,
    )
    started = time.monotonic()
    asyncio.run(crawl(config))
    records = [json.loads(x) for x in (out / "manifest.jsonl").read_text("utf-8").splitlines()]
    return records, time.monotonic() - started


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, float, Path]:
    root = tmp_path_factory.mktemp("hostile-crawl")
    out = root / "corpus"
    Hostile.hits, Other.hits = [], []
    with server(Other) as other_port:
        Hostile.other = other_port
        with server(Hostile) as port:
            records, seconds = run_crawl(f"http://127.0.0.1:{port}/index.html", out)
    by_path = {r["url"].split(str(port), 1)[1]: r for r in records}
    return by_path, seconds, root


def test_hostile_site_is_crawled_in_bounded_time(hostile_crawl: tuple) -> None:
    _, seconds, _ = hostile_crawl
    assert seconds < 20


def test_redirect_loop_stops_after_five_hops(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/loop/a.html"]
    assert "重定向超过 5 次" in record["error"] and record["path"] is None
    assert Hostile.hits.count("/loop/a.html") + Hostile.hits.count("/loop/b.html") <= 6 * 2


def test_redirect_off_host_is_refused(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/away.html"]
    assert "站外链接" in record["error"] and Other.hits == []


def test_endless_response_is_cut_by_the_total_timeout(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/endless.html"]
    assert record["error"] == "请求超时" and record["path"] is None


def test_gzip_bomb_is_abandoned_at_the_size_limit(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/bomb.html"]
    assert "文件过大" in record["error"] and record["path"] is None


def test_lying_content_length_is_a_network_error(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/liar.html"]
    assert record["error"].startswith("网络错误") and record["path"] is None


def test_robots_disallow_is_obeyed(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/private/secret.html"]
    assert record["error"] == "robots.txt 不允许抓取"
    assert "/private/secret.html" not in Hostile.hits


def test_absurd_retry_after_is_capped(hostile_crawl: tuple) -> None:
    record = hostile_crawl[0]["/busy.html"]
    assert record["status"] == 429 and record["attempts"] == 2 and "429" in record["error"]


def test_file_and_javascript_links_are_never_followed(hostile_crawl: tuple) -> None:
    index = hostile_crawl[0]["/index.html"]
    assert "忽略非http(s)链接2个" in index["note"]
    assert not [p for p in hostile_crawl[0] if "passwd" in p or "alert" in p]


def test_traversal_in_attachment_names_stays_inside(hostile_crawl: tuple) -> None:
    records, _, root = hostile_crawl
    stored = [r["path"] for r in records.values() if r.get("kind") == "attachment"]
    assert len(stored) == 2 and all(stored)
    corpus = (root / "corpus").resolve()
    for path in stored:
        assert (corpus / path).resolve().is_relative_to(corpus) and ".." not in path
    outside = {p.relative_to(root).parts[0] for p in root.rglob("*")}
    assert outside == {"corpus"}
    assert not Path("/tmp/escape.pdf").exists()


def test_ten_thousand_links_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = 40  # the default (MAX_LINKS_PER_PAGE) works the same, only slower to test
    monkeypatch.setattr(links, "MAX_LINKS_PER_PAGE", cap)
    Hostile.hits = []
    with server(Hostile) as port:
        config_start = f"http://127.0.0.1:{port}/many.html"
        records, seconds = run_crawl(config_start, tmp_path / "corpus", rate=2000)
    page = next(r for r in records if r["url"] == config_start)
    assert f"页面链接过多（共10000个），只处理前{cap}个" in page["note"]
    followed = [h for h in Hostile.hits if h.startswith("/r/")]
    assert len(followed) == cap and len(records) == cap + 1 and seconds < 30
