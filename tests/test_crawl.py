"""Crawler tests against a real HTTP server on 127.0.0.1 (see tests/crawl_site.py).

Nothing here leaves the loopback interface: the "other host" is a second local server
reached as `localhost`, and the tests assert it is never contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from crawl_site import (  # noqa: E402
    EXPECTED_REQUESTS,
    MAX_BYTES,
    NEVER_REQUESTED,
    PDF_BYTES,
    FakeSite,
    district_site,
    html,
    ok,
)

from pipeline.crawler import add_arguments, read_sources, run  # noqa: E402
from pipeline.crawler.engine import CrawlConfig, Crawler, Seed  # noqa: E402
from pipeline.crawler.links import is_attachment, js_pagination, parse_page  # noqa: E402
from pipeline.crawler.politeness import HostRateLimiter, parse_retry_after  # noqa: E402
from pipeline.crawler.store import derive_name, filename_from_disposition, safe_component  # noqa: E402

MANIFEST_FIELDS = {
    "url", "final_url", "referrer", "fetched_at", "status", "content_type", "encoding",
    "bytes", "sha256", "path", "title", "error",
}  # fmt: skip
CONTACT = "http://contact.example/edu-audit"


@pytest.fixture(scope="module", autouse=True)
def _no_proxies() -> None:
    """Make sure no proxy setting can route loopback traffic anywhere else."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            mp.delenv(name, raising=False)
            mp.delenv(name.lower(), raising=False)
        mp.setenv("NO_PROXY", "*")
        yield


@pytest.fixture
def other() -> FakeSite:
    site = FakeSite().start()
    yield site
    site.stop()


@pytest.fixture
def site(other: FakeSite) -> FakeSite:
    site = district_site(f"http://localhost:{other.port}").start()
    yield site
    site.stop()


@dataclass
class Crawled:
    site: FakeSite
    other: FakeSite
    out: Path
    exit_code: int


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """One full crawl of the fake site (with WARC), shared by the tests that only read it."""
    other = FakeSite().start()
    site = district_site(f"http://localhost:{other.port}").start()
    out = tmp_path_factory.mktemp("crawl") / "corpus"
    try:
        code = run(crawl_args(site, out, "--warc"))
        yield Crawled(site, other, out, code)
    finally:
        site.stop()
        other.stop()


def crawl_args(site: FakeSite, out: Path, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(
        [
            "--start", f"{site.base}/jydd/index.html", f"{site.base}/xxgk/index.html",
            "-o", str(out),
            "--rate", "20", "--backoff", "0.05", "--max-bytes", str(MAX_BYTES),
            "--contact", CONTACT, "--quiet",
            *extra,
        ]
    )  # fmt: skip


def manifest(out: Path, skip_broken: bool = False) -> list[dict]:
    """Manifest records; `skip_broken` for a manifest that holds a line a killed run cut short."""
    records = []
    for line in (out / "manifest.jsonl").read_text("utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if not skip_broken:
                raise
    return records


def by_path(records: list[dict], site: FakeSite, path: str) -> dict:
    """The last record for a URL path on the fake site."""
    matches = [r for r in records if r["url"] == site.base + path]
    assert matches, f"no manifest record for {path}"
    return matches[-1]


def corpus_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != "manifest.jsonl" and "warc" not in p.parts
    }


def stored_map(records: list[dict]) -> dict[str, str]:
    """URL → stored path, from the latest successful records."""
    latest: dict[str, dict] = {}
    for record in records:
        latest[record["url"]] = record
    return {url: r["path"] for url, r in latest.items() if r["path"]}


# --- the whole site ---------------------------------------------------------------------


def test_crawl_fetches_reports_and_attachments_and_nothing_else(crawled: Crawled) -> None:
    site, other, out = crawled.site, crawled.other, crawled.out
    assert crawled.exit_code == 0

    requested = set(site.paths())
    assert requested == EXPECTED_REQUESTS
    assert not requested & NEVER_REQUESTED
    assert other.hits == [], "a link to another host must not be followed"
    assert all(h.user_agent == f"edu-audit/0.1 (+{CONTACT})" for h in site.hits)

    records = manifest(out)
    for record in records:
        assert record.keys() >= MANIFEST_FIELDS
        assert datetime.fromisoformat(record["fetched_at"]).utcoffset().total_seconds() == 0

    # Stored: 9 report pages + 6 distinct attachments; list pages are recorded, not stored.
    files = corpus_files(out)
    assert len(files) == 15
    host_dir = f"127.0.0.1_{site.port}"
    for rel in files:
        assert re.fullmatch(host_dir + r"/[0-9a-f]{16}_[\w-]+\.(html|pdf|docx|xlsx)", rel), rel
    for record in records:
        if record["path"]:
            data = (out / record["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == record["sha256"]
            assert len(data) == record["bytes"]
            assert record["path"].startswith(host_dir + "/")
    assert {r["path"] for r in records if r["kind"] == "list"} == {None}
    assert all(r["status"] == 200 for r in records if r["kind"] == "list")

    report = by_path(records, site, "/jydd/202504/t20250401_1001.html")
    assert report["title"] == "万盛经开区创建全国义务教育优质均衡发展区自查自评报告"
    assert report["referrer"] == f"{site.base}/jydd/index.html"
    assert report["content_type"].startswith("text/html") and report["encoding"] == "utf-8"
    pdf = by_path(records, site, "/jydd/202504/P020250401_report.pdf")
    assert pdf["referrer"] == report["url"] and pdf["title"] == "附件1：自查自评报告.pdf"
    assert pdf["content_type"] == "application/pdf" and pdf["encoding"] is None
    assert (out / pdf["path"]).read_bytes() == PDF_BYTES
    assert by_path(records, site, "/attach/report.docx")["path"].endswith("_report.docx")
    assert by_path(records, site, "/attach/table.xlsx")["path"].endswith("_table.xlsx")

    # The same bytes under two URLs are stored once; both records point at that file.
    copy = by_path(records, site, "/attach/copy_of_report.pdf")
    assert copy["sha256"] == pdf["sha256"] and copy["path"] == pdf["path"]
    assert sum(1 for data in files.values() if data == PDF_BYTES) == 1

    # Path-traversal names end up as plain names inside the host folder.
    passwd = by_path(records, site, "/attach/..%2F..%2F..%2Fetc%2Fpasswd.pdf")
    assert passwd["path"].endswith("_passwd.pdf")
    escape = by_path(
        records, site, "/module/download/downfile.jsp?classid=0&filename=..%2F..%2Fescape.docx"
    )
    assert escape["path"].endswith("_escape.docx")
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus"]

    # `../` beyond the root of the link resolves inside the site.
    assert by_path(records, site, "/jydd/202504/t_dots.html")["path"]

    # GBK: real GBK bytes with a wrong (utf-8) and with a right (gb2312) declaration;
    # UTF-8 bytes under a gb2312 declaration.
    assert by_path(records, site, "/jydd/index_1.html")["encoding"] == "gb18030"
    gbk = by_path(records, site, "/jydd/202101/t20210101_5.html")
    assert gbk["encoding"] == "gb18030" and gbk["title"] == "基本均衡发展自评报告"
    assert by_path(records, site, "/xxgk/index.html")["encoding"] == "utf-8"

    # A keyword-titled sub-column is read as a list, not stored as a report.
    sub = by_path(records, site, "/jydd/jhdd/")
    assert sub["kind"] == "list" and sub["path"] is None
    assert by_path(records, site, "/jydd/jhdd/t_sub.html")["path"]

    # <base href> and JavaScript (createPageHTML) pagination were followed.
    assert by_path(records, site, "/jydd/sub/t_base.html")["path"]
    assert (
        by_path(records, site, "/xxgk/t_js2.html")["referrer"] == f"{site.base}/xxgk/index_2.html"
    )

    # Redirect: the record keeps the linked URL and the final one.
    moved = by_path(records, site, "/jydd/old/report.html")
    assert moved["final_url"] == f"{site.base}/jydd/202201/t_moved.html"
    assert moved["status"] == 200 and moved["path"].endswith("_t_moved.html")

    # Failures are recorded with a reason and nothing stored.
    missing = by_path(records, site, "/jydd/202102/t_missing.html")
    assert missing["status"] == 404 and "404" in missing["error"] and missing["path"] is None
    secret = by_path(records, site, "/private/t_secret.html")
    assert secret["status"] is None and "robots.txt" in secret["error"]
    for name in ("/attach/big.pdf", "/attach/big2.pdf"):
        big = by_path(records, site, name)
        assert big["path"] is None and "过大" in big["error"]

    # WARC archive: every fetched document is in it and can be read back.
    from warcio.archiveiterator import ArchiveIterator

    (warc,) = (out / "warc").glob("crawl-*.warc.gz")
    with warc.open("rb") as fh:
        uris = {
            rec.rec_headers.get_header("WARC-Target-URI")
            for rec in ArchiveIterator(fh)
            if rec.rec_type == "response"
        }
    assert report["url"] in uris and pdf["url"] in uris


def test_retries_500_and_honours_retry_after(crawled: Crawled) -> None:
    site, records = crawled.site, manifest(crawled.out)

    flaky = by_path(records, site, "/jydd/202103/t_flaky.html")
    assert site.count("/jydd/202103/t_flaky.html") == 2
    assert flaky["status"] == 200 and flaky["attempts"] == 2 and flaky["error"] is None

    busy_hits = [h.at for h in site.hits if h.path == "/jydd/202104/t_busy.html"]
    assert len(busy_hits) == 2
    assert busy_hits[1] - busy_hits[0] >= 0.95, "Retry-After: 1 was not honoured"
    assert by_path(records, site, "/jydd/202104/t_busy.html")["status"] == 200

    # A 404 is final: asked once, not retried.
    assert site.count("/jydd/202102/t_missing.html") == 1


def test_gives_up_after_retries_with_capped_retry_after(tmp_path: Path) -> None:
    site = FakeSite()
    site.routes = {
        "/robots.txt": (404, {}, b""),
        "/down/index.html": (503, {"Retry-After": "3600"}, b"maintenance"),
    }
    site.start()
    try:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args = parser.parse_args(
            ["--start", f"{site.base}/down/index.html", "-o", str(tmp_path), "--rate", "50",
             "--retries", "2", "--backoff", "0.01", "--max-retry-after", "0.2", "--quiet"]
        )  # fmt: skip
        assert run(args) == 0
    finally:
        site.stop()
    (record,) = manifest(tmp_path)
    assert site.count("/down/index.html") == 3
    assert record["status"] == 503 and record["attempts"] == 3 and "503" in record["error"]


def test_rate_limit_per_host_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At --rate 2, request starts to one host are at least 0.5 s apart, even with 4 workers."""
    starts: list[float] = []
    original_wait = HostRateLimiter.wait

    async def recorded_wait(self: HostRateLimiter, host: str) -> None:
        await original_wait(self, host)
        starts.append(time.monotonic())

    monkeypatch.setattr(HostRateLimiter, "wait", recorded_wait)
    site = FakeSite()
    links = "".join(f'<a href="r{i}.html">第{i}份自评报告</a>' for i in range(4))
    site.routes = {"/robots.txt": ok("User-agent: *\nAllow: /\n", "text/plain")}
    site.routes["/col/index.html"] = ok(html("专栏", links))
    for i in range(4):
        site.routes[f"/col/r{i}.html"] = ok(html(f"自评报告{i}", f"报告正文{i}"))
    site.start()
    try:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args = parser.parse_args(
            ["--start", f"{site.base}/col/index.html", "-o", str(tmp_path), "--rate", "2",
             "--concurrency", "4", "--quiet"]
        )  # fmt: skip
        assert run(args) == 0
    finally:
        site.stop()
    assert len(starts) == 6  # robots.txt, the list, 4 reports
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.5 - 0.005, starts
    # what the server sees carries connection set-up and its own thread's jitter on a loaded
    # machine (one late arrival makes the next gap look short): no burst, and five intervals
    times = [h.at for h in site.hits]
    assert len(times) == 6
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.25, gaps
    assert times[-1] - times[0] >= 5 * 0.5 - 0.15, gaps


def test_rate_limit_counts_from_when_a_request_woke(monkeypatch: pytest.MonkeyPatch) -> None:
    """An event loop that oversleeps must not let the next request follow by less than 1/rate."""
    real_sleep = asyncio.sleep
    late = [0.05]  # the first sleep runs 50 ms over, the rest on time

    async def late_sleep(seconds: float) -> None:
        await real_sleep(seconds + (late.pop() if late else 0.0))

    monkeypatch.setattr("pipeline.crawler.politeness.asyncio.sleep", late_sleep)
    limiter = HostRateLimiter(10)  # 0.1 s apart

    async def three() -> list[float]:
        starts = []
        for _ in range(3):
            await limiter.wait("h")
            starts.append(time.monotonic())
        return starts

    starts = asyncio.run(three())
    assert min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 0.1 - 0.002, starts


# --- resume -----------------------------------------------------------------------------


def test_resume_after_stop_ends_like_one_uninterrupted_run(other: FakeSite, tmp_path: Path) -> None:
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"

    site_a = district_site(f"http://localhost:{other.port}").start()
    try:
        assert run(crawl_args(site_a, whole, "--rate", "50")) == 0
    finally:
        site_a.stop()

    site_b = district_site(f"http://localhost:{other.port}").start()
    try:
        args = crawl_args(site_b, resumed, "--rate", "50", "--max-pages", "8", "--concurrency", "1")
        assert run(args) == 0
        first = manifest(resumed)
        assert len([r for r in first if r["attempts"]]) == 8
        stored_first = {r["url"] for r in first if r["path"]}
        assert stored_first, "the first run should already have stored something"
        # A crawl killed while writing leaves half a line; the next run must cope.
        with (resumed / "manifest.jsonl").open("a", encoding="utf-8") as fh:
            fh.write('{"url": "http://127.0.0.1/half-writ')
        hits_before = len(site_b.hits)

        assert run(crawl_args(site_b, resumed, "--rate", "50")) == 0
        second_paths = [site_b.base + h.path for h in site_b.hits[hits_before:]]
    finally:
        site_b.stop()

    assert not stored_first & set(second_paths), "stored documents were fetched again"
    assert _comparable(corpus_files(resumed), site_b) == _comparable(corpus_files(whole), site_a)
    assert _comparable(stored_map(manifest(resumed, skip_broken=True)), site_b) == _comparable(
        stored_map(manifest(whole)), site_a
    )


# The site serves the same PDF under two URLs. It is stored once, under whichever URL arrives
# first, and the fetches running side by side decide that, in one run as in two.
PDF_NAMES = ("_P020250401_report.pdf", "_copy_of_report.pdf")


def _comparable(mapping: dict[str, object], site: FakeSite) -> dict[str, object]:
    """Files (name → bytes) or the manifest (URL → name), the port taken out, the PDF one name."""
    mapping = _normalise_port(mapping, site)
    one = {
        k: ("PDF" if isinstance(v, str) and v.endswith(PDF_NAMES) else v)
        for k, v in mapping.items()
    }
    return {("PDF" if k.endswith(PDF_NAMES) else k): v for k, v in one.items()}


def _normalise_port(mapping: dict[str, object], site: FakeSite) -> dict[str, object]:
    """Two servers have two ports; compare corpora with the port taken out.

    Only the port after the host: the same digits may occur inside a name's hash.
    """
    host = re.compile(rf"(127\.0\.0\.1[:_]){site.port}\b")

    def strip(text: str) -> str:
        return host.sub(r"\1PORT", text)

    return {
        strip(key): (strip(val) if isinstance(val, str) else val) for key, val in mapping.items()
    }


def test_rerun_of_complete_crawl_fetches_only_list_pages(site: FakeSite, tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    run(crawl_args(site, out))
    before = corpus_files(out)
    hits_before = len(site.hits)
    run(crawl_args(site, out))
    again = {h.path for h in site.hits[hits_before:]}
    # List pages (new reports appear there) and what failed before are asked again.
    assert again == {
        "/robots.txt", "/jydd/index.html", "/jydd/index_1.html", "/jydd/index_2.html",
        "/xxgk/index.html", "/xxgk/index_1.html", "/xxgk/index_2.html", "/jydd/jhdd/",
        "/jydd/202102/t_missing.html", "/attach/big.pdf", "/attach/big2.pdf",
    }  # fmt: skip
    assert corpus_files(out) == before


# --- units ------------------------------------------------------------------------------


def test_allow_host_extends_the_start_hosts(tmp_path: Path) -> None:
    config = CrawlConfig(
        seeds=[Seed("http://www.cqjb.gov.cn/zwgk/index.html")],
        out=tmp_path,
        user_agent="edu-audit/0.1 (test)",
        allow_hosts=[".cq.gov.cn", "localhost:8080"],
    )

    async def check() -> None:
        async with httpx.AsyncClient() as client:  # never used to send a request here
            crawler = Crawler(config, client)
            assert crawler.host_allowed("http://www.cqjb.gov.cn/a.pdf")
            assert crawler.host_allowed("https://jw.cq.gov.cn/a.pdf")
            assert crawler.host_allowed("http://localhost:8080/x")
            assert not crawler.host_allowed("http://localhost:9090/x")
            assert not crawler.host_allowed("http://evil.example/cq.gov.cn")
            assert await crawler.permit("ftp://www.cqjb.gov.cn/a.pdf") is not None

    asyncio.run(check())


def test_js_pagination_literal_and_variable() -> None:
    page = "http://x.gov.cn/col/index.html"
    literal = js_pagination('createPageHTML(5, 0, "index", "shtml")', page)
    assert [link.url.rsplit("/", 1)[1] for link in literal] == [
        "index.shtml", "index_1.shtml", "index_2.shtml", "index_3.shtml", "index_4.shtml",
    ]  # fmt: skip
    var = js_pagination(
        "var countPage = 2;createPageHTML(countPage, currentPage, 'list', 'html')", page
    )
    assert [link.url for link in var] == [
        "http://x.gov.cn/col/list.html",
        "http://x.gov.cn/col/list_1.html",
    ]


def test_parse_page_classifies_links() -> None:
    text = (
        '<html><head><base href="http://x.gov.cn/a/b/"><title>t</title></head><body>'
        '<a href="../c/r.html" title="某区自查自评报告全文">某区自查自评...</a>'
        '<a href="index_3.html">4</a><a href="/other/index_1.html">下一页</a>'
        "<span onclick=\"location.href='f.docx'\">附件</span>"
        '<a href="javascript:openwin()">x</a><a href="ftp://x.gov.cn/f.pdf">ftp</a></body></html>'
    )
    page = parse_page(text, "http://x.gov.cn/a/b/index.html", ("自查自评报告",))
    assert [link.url for link in page.reports] == ["http://x.gov.cn/a/c/r.html"]
    assert [link.url for link in page.pages] == ["http://x.gov.cn/a/b/index_3.html"]
    assert [link.url for link in page.attachments] == ["http://x.gov.cn/a/b/f.docx"]
    assert page.title == "t"


def test_attachment_detection() -> None:
    assert is_attachment("http://x/a/P0201.PDF")
    assert is_attachment("http://x/downfile.jsp?filename=%E6%8A%A5%E5%91%8A.wps")
    assert not is_attachment("http://x/a/t2025.html")
    assert not is_attachment("http://x/pdf/")


def test_derived_names() -> None:
    sha = "ab" * 32
    assert derive_name("http://h.gov.cn:8080/a/报告.PDF", sha, None, None) == (
        "h.gov.cn_8080/abababababababab_报告.pdf"
    )
    assert derive_name("http://h/", sha, "text/html; charset=gbk", None).endswith("_index.html")
    assert derive_name("http://h/dl?id=3", sha, "application/pdf", None).endswith("_dl.pdf")
    named = derive_name(
        "http://h/dl?id=3", sha, None, "attachment; filename*=UTF-8''%E8%87%AA%E8%AF%84.docx"
    )
    assert named == "h/abababababababab_自评.docx"
    assert (
        filename_from_disposition('attachment; filename="..\\\\..\\\\a.pdf"') == "..\\\\..\\\\a.pdf"
    )
    assert derive_name("http://h/a", sha, None, 'attachment; filename="..\\..\\a.pdf"').endswith(
        "_a.pdf"
    )


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_stored_names_never_escape(name: str, host: str) -> None:
    assert "/" not in safe_component(name) and safe_component(name) not in ("", ".", "..")
    url = f"http://{re.sub(r'[^a-z0-9.]', '', host.lower()) or 'h'}/d/{name}"
    rel = derive_name(url, "0" * 64, None, f'attachment; filename="{name}"')
    parts = rel.split("/")
    assert len(parts) == 2 and ".." not in parts and "" not in parts and not rel.startswith("/")


def test_retry_after_parsing() -> None:
    assert parse_retry_after("5", cap=60) == 5
    assert parse_retry_after("86400", cap=60) == 60
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", cap=60) == 0
    assert parse_retry_after("soon", cap=60) is None
    assert parse_retry_after(None, cap=60) is None


def test_sources_csv(tmp_path: Path) -> None:
    csv_file = tmp_path / "sources.csv"
    csv_file.write_text(
        "# data to review\ndistrict,province,city,column_url,note\n"
        "江北区,重庆市,重庆市,http://www.cqjb.gov.cn/jy/index.html,\n"
        "空行,重庆市,重庆市,,\n",
        encoding="utf-8",
    )
    (seed,) = read_sources(csv_file)
    assert seed == Seed("http://www.cqjb.gov.cn/jy/index.html", "江北区", "重庆市", "重庆市")


def test_repo_sources_csv_is_readable() -> None:
    seeds = read_sources(Path(__file__).parents[1] / "corpus" / "sources.csv")
    assert len(seeds) >= 10
    assert all(s.url.startswith(("http://", "https://")) and s.district for s in seeds)


def test_run_without_start_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["-o", str(tmp_path)])) == 2
    assert "--start" in capsys.readouterr().err
