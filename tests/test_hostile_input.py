"""Hostile and broken documents: each gets a status and a Chinese message, costs bounded time,
makes no network request, and reaches the HTML report and the workbook as inert text."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import openpyxl
import pytest
from bs4 import BeautifulSoup

from pipeline.audit import audit_document
from pipeline.batch.run import run_corpus
from pipeline.ingest.files import Limits, ingest_bytes
from tests import hostile
from tests.crawl_site import FakeSite, ok

PARA = hostile.PARA


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every socket connection attempted during the test, refused and recorded."""
    attempts: list = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def listener() -> FakeSite:
    """A loopback server that would answer any fetch a parser dared to make."""
    site = FakeSite(routes={"/secret": ok("机密内容SECRET", "text/plain")}).start()
    yield site
    site.stop()


def audit(data: bytes, name: str, limits: Limits = Limits()) -> tuple[dict, str]:
    started = time.monotonic()
    doc = ingest_bytes(data, name, limits)
    result = audit_document(doc)
    assert time.monotonic() - started < 30, "a hostile document must cost bounded time"
    assert result["error"] is None or any("\u4e00" <= ch <= "\u9fff" for ch in result["error"])
    return result, doc.text


def test_billion_laughs_docx_is_refused(no_network: list) -> None:
    result, text = audit(hostile.billion_laughs_docx(), "laughs.docx")
    assert result["status"] == "failed" and "实体" in result["error"]
    assert "哈哈哈" not in text and not no_network


def test_external_entities_are_never_resolved(listener: FakeSite) -> None:
    for url in (f"{listener.base}/secret", "file:///etc/passwd"):
        result, text = audit(hostile.external_entity_docx(url), "xxe.docx")
        assert result["status"] == "ok" and PARA in text
        assert "SECRET" not in text and "root:" not in text
    assert listener.hits == [], "ingestion made a network request"


def test_zip_bomb_docx_is_refused_before_unpacking() -> None:
    bomb = hostile.zip_bomb_docx(24)
    assert len(bomb) < 100_000
    result, _ = audit(bomb, "bomb.docx", Limits(max_unzipped_bytes=16 * 2**20))
    assert result["status"] == "failed"
    assert "解压后过大" in result["error"] and "压缩炸弹" in result["error"]
    result, text = audit(bomb, "bomb.docx", Limits(max_unzipped_bytes=64 * 2**20))
    assert result["status"] == "ok" and PARA in text  # under the limit it is just a document


def test_pdf_with_huge_page_count_is_refused() -> None:
    result, _ = audit(hostile.blank_pdf(450), "pages.pdf")
    assert result["status"] == "failed"
    assert "页数过多（共450页，上限400页）" in result["error"] and "--max-pages" in result["error"]


def test_pdf_with_cyclic_page_tree_and_self_drawing_form() -> None:
    result, text = audit(hostile.cyclic_pdf(), "cyclic.pdf")
    assert result["status"] in ("failed", "needs_ocr"), result
    assert "页" in result["error"] and text == ""


@pytest.mark.parametrize(
    ("pages", "text_pages", "expected"),
    [(3, (), "第1–3页是图片"), (5, (2,), "第1、3–5页是图片")],
)
def test_scanned_pdf_says_which_pages_need_ocr(
    pages: int, text_pages: tuple, expected: str
) -> None:
    result, _ = audit(hostile.scanned_pdf(pages, text_pages), "scan.pdf")
    assert result["status"] == "needs_ocr" and expected in result["error"], result["error"]
    assert f"共{pages}页" in result["error"]


def test_mostly_text_pdf_names_its_scanned_page() -> None:
    result, _ = audit(hostile.scanned_pdf(3, text_pages=(1, 2)), "partial.pdf")
    assert result["status"] == "ok" and "第3页是扫描图片" in result["error"]


def test_deeply_nested_html_is_read_without_recursion() -> None:
    depth = 5000  # far beyond Python's recursion limit
    data = f"<html><body><div id='zoom'>{'<div><span>' * depth}{PARA}{'</span></div>' * depth}"
    result, text = audit((data + "</div></body></html>").encode(), "deep.html")
    assert result["status"] == "ok" and PARA in text
    assert {f["rule"] for f in result["findings"]} == set(), "a consistent sentence stays clean"


def test_multi_megabyte_lines_are_parsed() -> None:
    """One 4 MB line of script, attribute and whitespace around a short body."""
    junk = "x" * 2_000_000
    page = (
        f"<html><body><div id='zoom'><p title='{junk}'>{PARA}</p><script>var a='{junk}';</script>"
        f"<p>{' ' * 100_000}{PARA * 50}</p></div></body></html>"
    )
    result, text = audit(page.encode(), "long.html")
    assert result["status"] == "ok" and text.count(PARA) == 51 and "xxxx" not in text


def test_text_over_the_character_limit_is_refused() -> None:
    result, text = audit(b"12" * 600_000, "long.txt", Limits(max_chars=1_000_000))
    assert result["status"] == "failed" and text == ""
    assert "文本过长（1,200,000字，上限1,000,000字）" in result["error"]
    assert "--max-chars" in result["error"]


def test_file_over_the_byte_limit_is_refused() -> None:
    result, _ = audit(PARA.encode() * 1000, "big.txt", Limits(max_bytes=100_000))
    assert result["status"] == "failed" and "文件过大" in result["error"]
    assert "--max-mb" in result["error"]


def test_invalid_utf8_bytes_become_replacement_characters() -> None:
    data = PARA.encode() + b"\xff\xfe\xc3(" + PARA.encode() * 20
    result, text = audit(data, "broken.txt")
    assert result["status"] == "ok" and "\ufffd" in text and text.count(PARA) >= 20


def test_utf8_and_gbk_in_one_page_are_both_read() -> None:
    gbk = "全区初中专任教师1200人。".encode("gbk")
    data = (
        f"<html><body><div id='zoom'><p>{PARA}</p><p>".encode() + gbk + b"</p></div></body></html>"
    )
    result, text = audit(data, "mixed.html")
    assert result["status"] == "ok" and PARA in text and "全区初中专任教师1200人" in text


def test_binary_junk_is_failed_not_garbage() -> None:
    import random

    junk = random.Random(0).randbytes(50_000).replace(b"\0", b"\1")  # no NUL: not sniffed
    result, text = audit(junk, "junk.txt")
    assert result["status"] == "failed" and "编码" in result["error"] and text == ""


def test_scripts_handlers_and_frames_never_reach_the_text(listener: FakeSite) -> None:
    result, text = audit(hostile.hostile_html(listener.base), "page.html")
    assert result["status"] == "ok" and PARA in text
    for payload in ("owned", "onload", "onclick", "alert('", "svg script", "javascript:"):
        assert payload not in text, payload
    assert '<script>alert("text")</script>' in text  # the page's own words, kept as words
    assert listener.hits == []


# --- inert in every output ---------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("hostile")
    (corpus / "page.html").write_bytes(hostile.hostile_html("http://127.0.0.1:9"))
    (corpus / "xxe.docx").write_bytes(hostile.external_entity_docx("file:///etc/passwd"))
    (corpus / "formula.txt").write_text(
        f"{hostile.FORMULA}\n@SUM(1+1)\n-1+2\n{PARA}\n", encoding="utf-8"
    )
    out = corpus.parent / f"{corpus.name}-out"
    run_corpus(corpus, out, workers=1, progress=False)
    return out


def test_report_pages_show_hostile_text_inertly(hostile_run: Path) -> None:
    for page in sorted((hostile_run / "report").glob("*.html")):
        html = page.read_text("utf-8")
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (page.name, tag)
            for attr in ("href", "src", "action", "data"):
                assert not str(tag.get(attr, "")).lower().startswith("javascript:"), tag
        assert not soup.find_all(["iframe", "object", "embed", "img", "form", "base"])
        assert all("chart" in svg.get("class", []) for svg in soup.find_all("svg"))
        for script in soup.find_all("script"):
            assert "alert" not in script.get_text() and "owned" not in script.get_text()
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert csp is not None and "default-src 'none'" in csp["content"]
    pages = {p.name: p.read_text("utf-8") for p in (hostile_run / "report").glob("*.html")}
    assert any("&lt;script&gt;alert(" in html for html in pages.values())


def test_workbook_and_csv_hold_no_formula(hostile_run: Path) -> None:
    wb = openpyxl.load_workbook(hostile_run / "comparison.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == hostile.FORMULA for c in cells)  # shown as the text it is
    for name in ("documents.csv", "figures.csv", "findings.csv"):
        if (hostile_run / name).exists():
            for line in (hostile_run / name).read_text("utf-8-sig").splitlines():
                for cell in line.split(","):
                    assert not cell.strip('"').startswith(("=", "+", "-", "@")), (name, cell)
    documents = [json.loads(x) for x in (hostile_run / "documents.jsonl").read_text().splitlines()]
    assert {d["status"] for d in documents} == {"ok"}
    assert not any("root:" in json.dumps(d) for d in documents)
