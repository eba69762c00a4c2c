"""The static HTML audit report: highlighting, escaping, CSP, charts, and a real browser run."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from outputs.report.build import write_report
from outputs.report.docpage import document_page, page_name
from outputs.report.highlight import highlight
from outputs.report.indexpage import index_page
from tests import report_sample as sample
from tests.browser import VIEWPORT, launch, screenshot_path, watch


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def joined(marks: list) -> str:
    return "".join(m.get_text() for m in marks)


# --- highlighting -------------------------------------------------------------------------


def test_every_span_is_wrapped_once_and_text_kept_whole() -> None:
    result, text = sample.qingshan()
    page = soup(document_page(result, text))
    body = page.select_one("#text")
    assert body.get_text() == text, "every character once, in order, nothing added"
    assert not body.select("mark mark"), "marks are never nested"
    for i, f in enumerate(result["findings"]):
        ev = f["evidence"]
        marks = body.select(f'mark.finding[data-findings~="{i}"]')
        assert joined(marks) == text[ev["start"] : ev["end"]]
        assert len(body.select(f"#f-{i}")) == 1
    for j, fig in enumerate(result["figures"]):
        assert joined(body.select(f'mark[data-figures~="{j}"]')) == text[fig["start"] : fig["end"]]


def test_findings_take_priority_over_figures() -> None:
    result, text = sample.qingshan()
    page = soup(document_page(result, text))
    (mark,) = [m for m in page.select("#text mark") if m.get_text() == "21.2%"]
    assert "finding" in mark["class"] and "sev-error" in mark["class"], "worst severity wins"
    assert mark["data-findings"].split() == ["0", "1"], "both findings over it are named"
    assert "41 / 194 = 21.13% ≠ 21.2%" in mark["title"], "hover shows the formula"


def test_bad_offsets_are_ignored_not_fatal() -> None:
    text = "短文本"
    result = {
        "figures": [{"start": 2, "end": 99, "label": "x", "value": 1, "unit": ""}],
        "findings": [
            {"severity": "error", "message": "m", "evidence": {"start": None, "end": 3}},
            {"severity": "info", "message": "n", "evidence": {"start": 5, "end": 1}},
        ],
    }
    html = highlight(text, result)
    assert soup(html).get_text() == text
    assert html.count("<mark") == 1 and "data-findings" not in html


def test_side_list_and_details_for_every_finding() -> None:
    result, text = sample.qingshan()
    page = soup(document_page(result, text))
    items = page.select("ol.findings li")
    assert len(items) == len(result["findings"])
    assert [li["class"][0] for li in items] == [
        "sev-error",
        "sev-warning",
        "sev-warning",
        "sev-info",
    ]
    for i, f in enumerate(result["findings"]):
        detail = page.select_one(f'.detail[data-finding="{i}"]')
        assert detail.has_attr("hidden")
        assert f["formula"] in detail.get_text() and f["message"] in detail.get_text()
        assert page.select_one(f'ol.findings a[href="#f-{i}"]')["data-findings"] == str(i)
    table = page.select("table tr")
    assert len(table) == 1 + len(result["indicators"])
    assert "未达标" in table[3].get_text() and "≥ 85%" in table[3].get_text()


# --- escaping and isolation ---------------------------------------------------------------


def test_hostile_document_is_escaped_everywhere() -> None:
    result, text = sample.hostile()
    html = document_page(result, text)
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned = 1; alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=" in html
    page = soup(html)
    assert len(page.find_all("script")) == 1, "only the page's own script"
    assert not page.find_all("img") and not page.find_all("b")
    handlers = [(t.name, a) for t in page.find_all(True) for a in t.attrs if a.startswith("on")]
    assert handlers == [], "no event-handler attribute survives from any string"
    assert 'href="javascript:' not in html.lower()
    assert page.select_one("#text").get_text() == text
    index = index_page([result])
    assert "<script>" not in index and "&lt;script&gt;" in index


def test_csp_forbids_everything_but_our_script() -> None:
    result, text = sample.qingshan()
    page = soup(document_page(result, text))
    policy = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in policy and "img-src data:" in policy
    script = page.find("script").string
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1]
    index_policy = soup(index_page([result])).find("meta", attrs={"http-equiv": True})["content"]
    assert "script-src 'none'" in index_policy
    assert not re.search(
        r"(src|href)=\"(https?:)?//", document_page(result, text).split("<main>")[0]
    )


def test_page_names_never_escape_the_report_folder() -> None:
    assert page_name("0123456789abcdef") == "0123456789abcdef.html"
    name = page_name("../../etc/passwd")
    assert re.fullmatch(r"doc-[0-9a-f]{16}\.html", name)


# --- index and files ----------------------------------------------------------------------


def test_index_has_status_rules_charts_and_links() -> None:
    results, _ = sample.corpus()
    page = soup(index_page(results))
    text = page.get_text()
    assert "处理失败" in text and "正常" in text
    assert "percent_mismatch" in text and "conclusion_contradicts_standard" in text
    cards = {c.h3.get_text(): c for c in page.select(".card") if c.h3}
    card = cards["214 优质高中招生名额分配比例 · 全域（%）"]
    assert card.select_one("line.std") and "国家标准 ≥ 50%" in card.get_text()
    assert len(card.select("rect.pass")) == 5 and len(card.select("rect.fail")) == 1
    links = {a["href"] for a in page.select("table a")}
    assert {page_name(r["doc_id"]) for r in results} <= links


def test_index_threshold_falls_back_to_catalog() -> None:
    result, _ = sample.simple_district("临江县", 52.3, 91.0, 9.5)
    page = soup(index_page([result]))
    card = next(c for c in page.select(".card") if c.h3 and c.h3.get_text().startswith("211"))
    assert "国家标准 ≥ 10%" in card.get_text(), "211 has no standard in the result"
    assert card.select("rect.fail"), "9.5% judged against the catalog's ≥ 10%"


def test_write_report_files_are_stable(tmp_path: Path) -> None:
    results, texts = sample.corpus()
    stale = tmp_path / "report" / "ffffffffffffffff.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    index = write_report(results, texts, tmp_path)
    assert index == tmp_path / "report" / "index.html"
    pages = sorted(p.name for p in index.parent.iterdir())
    expected = ["index.html", "rules.html", "district", *(page_name(r["doc_id"]) for r in results)]
    assert pages == sorted(expected)

    def files() -> dict:
        return {p.relative_to(index.parent): p.read_bytes() for p in index.parent.rglob("*.html")}

    before = files()
    write_report(list(reversed(results)), texts, tmp_path)
    assert files() == before


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results, texts = sample.corpus()
    return write_report(results, texts, tmp_path_factory.mktemp("out")).parent


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=True)
    pg = context.new_page()
    yield pg
    context.close()


def doc_page(report: Path, result: dict) -> str:
    return (report / page_name(result["doc_id"])).as_uri()


def test_browser_index_loads_cleanly(page, report: Path, tmp_path: Path) -> None:
    seen = watch(page)
    page.goto((report / "index.html").as_uri())
    assert page.locator("svg.chart").count() >= 4
    assert page.locator("line.std").count() >= 3
    page.screenshot(path=screenshot_path("index.png", tmp_path))
    assert seen.errors == [] and seen.dialogs == []


def test_browser_every_document_page_loads_cleanly(page, report: Path) -> None:
    seen = watch(page)
    for path in sorted(report.glob("*.html")):
        page.goto(path.as_uri())
        assert page.title()
    assert seen.errors == [], "no console errors, CSP violations or exceptions on any page"


def test_browser_clicking_a_finding_reveals_its_formula(page, report: Path, tmp_path: Path) -> None:
    result, _ = sample.qingshan()
    seen = watch(page)
    page.goto(doc_page(report, result))
    marks = page.locator("#text mark.finding")
    assert marks.count() >= 4 and marks.first.is_visible()
    assert not page.locator("#detail-box").is_visible()
    page.locator("#text mark.finding.sev-warning").last.click()
    detail = page.locator('.detail[data-finding="2"]')
    assert detail.is_visible() and "8.7% < 10%" in detail.inner_text()
    page.locator("#text mark.finding.sev-error").first.click()
    detail = page.locator('.detail[data-finding="0"]')
    assert detail.is_visible() and "41 / 194 = 21.13% ≠ 21.2%" in detail.inner_text()
    assert not page.locator('.detail[data-finding="2"]').is_visible()
    page.locator('ol.findings a[data-findings="3"]').click()
    assert page.url.endswith("#f-3")
    assert "5.1 < 5.3" in page.locator('.detail[data-finding="3"]').inner_text()
    page.goto(doc_page(report, result))  # from the top, for a screenshot people can read
    page.locator("#text mark.finding.sev-error").first.click()
    page.screenshot(path=screenshot_path("document.png", tmp_path))
    assert seen.errors == [] and seen.dialogs == []


def test_browser_hostile_text_shows_and_runs_nothing(page, report: Path) -> None:
    result, _ = sample.hostile()
    seen = watch(page)
    page.goto(doc_page(report, result))
    shown = page.locator("#text").inner_text()
    assert sample.PAYLOAD_SCRIPT in shown and sample.PAYLOAD_IMG in shown
    assert "恶意标题<script>" in page.locator("h1").inner_text()
    for mark in page.locator("#text mark").all():
        mark.hover()
        mark.click()
    page.locator("#text mark.finding").first.click()
    assert '公式"><script>' in page.locator('.detail[data-finding="0"]').inner_text()
    assert page.locator("#text script, #text img, b").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert seen.dialogs == [] and seen.errors == []
