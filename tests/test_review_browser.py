"""The report's review states, district pages and rule links in real headless Debian chromium.

A real run over three small reports (two of one district that disagree with each other), one
finding dismissed and one confirmed through the CLI, the corpus re-run, then the pages opened.
UPDATE_SCREENSHOTS=1 saves the screenshots into docs/screenshots/.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from outputs.report.docpage import district_file, page_name
from pipeline.batch.run import run_corpus
from pipeline.cli import main
from tests.browser import VIEWPORT, launch, screenshot_path, watch

REPORTS = {
    "jb1.txt": """重庆市江北区义务教育优质均衡发展自查自评报告
江北区现有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。
上年度交流轮岗教师210名，其中骨干教师47名，占交流教师总数的25%。
2024年，全区义务教育阶段专任教师1493人。优质高中招生名额分配比例为59.6%。
""",
    "jb2.txt": """重庆市江北区2024年度履行教育职责自评报告
2024年，全区义务教育阶段专任教师1498人。优质高中招生名额分配比例为61.2%。
""",
    "dz.txt": """重庆市大足区义务教育优质均衡发展自查自评报告
大足区现有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。
全区教职工3200人，其中专任教师3350人。优质高中招生名额分配比例为45.2%。
""",
}
NOTE = "九年一贯制学校重复计数，非错误"


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    corpus, out = tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("out")
    for name, text in REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    run_corpus(corpus, out, workers=1, progress=False)
    docs = {Path(d["path"]).name: d for d in map(json.loads, (out / "documents.jsonl").open())}
    jb1 = docs["jb1.txt"]
    ids = {f["rule"]: f["id"] for f in jb1["findings"]}
    assert main(["review", str(out), ids["sum_mismatch"], "--dismiss", "--note", NOTE]) == 0
    assert main(["review", str(out), ids["percent_mismatch"], "--confirm"]) == 0
    run_corpus(corpus, out, workers=1, progress=False)
    return out / "report", {"doc": jb1["doc_id"], **ids}


@pytest.fixture(scope="module")
def browser():
    with launch() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    yield pg
    context.close()


def test_document_page_shows_review_states_and_notes(page, reviewed, tmp_path) -> None:
    report, ids = reviewed
    seen = watch(page)
    page.goto((report / page_name(ids["doc"])).as_uri())
    dismissed = page.locator(f'li[data-id="{ids["sum_mismatch"]}"]')
    assert dismissed.is_visible(), "a dismissed finding stays visible"
    assert "已排除" in dismissed.inner_text() and NOTE in dismissed.inner_text()
    assert float(dismissed.evaluate("e => getComputedStyle(e).opacity")) < 1, "greyed"
    confirmed = page.locator(f'li[data-id="{ids["percent_mismatch"]}"]')
    assert "已确认" in confirmed.inner_text()
    assert float(confirmed.evaluate("e => getComputedStyle(e).opacity")) == 1
    assert "待复核" in page.locator(f'li[data-id="{ids["corpus_mismatch"]}"]').inner_text()
    page.locator(f'li[data-id="{ids["sum_mismatch"]}"] a[data-findings]').click()
    detail = page.locator(".detail:not([hidden])")
    assert "已排除" in detail.inner_text() and ids["sum_mismatch"] in detail.inner_text()
    page.screenshot(path=screenshot_path("review-document.png", tmp_path))
    dismissed.locator("a.rule-link").click()
    assert page.url.endswith("rules.html#rule-sum_mismatch")
    section = page.locator("#rule-sum_mismatch")
    assert "分项之和与合计不符" in section.inner_text() and "为何可能误报" in section.inner_text()
    assert seen.errors == [] and seen.dialogs == []


def test_district_page_from_the_index(page, reviewed, tmp_path) -> None:
    report, ids = reviewed
    seen = watch(page)
    page.goto((report / "index.html").as_uri())
    summary = page.locator("#district-summary")
    assert "江北区" in summary.inner_text() and "已排除" in summary.inner_text()
    summary.locator("a", has_text="江北区").first.click()
    assert page.url.endswith("/district/" + quote(district_file("江北区")))
    assert page.locator("h1").inner_text() == "江北区"
    text = page.locator("main").inner_text()
    assert "文档（2）" in text and "2024" in text
    open_list = page.locator("section", has_text="待复核的问题").first
    assert ids["percent_mismatch"] not in open_list.inner_text(), "only open findings there"
    mismatches = page.locator("#mismatches")
    assert "1493" in mismatches.inner_text() and "1498" in mismatches.inner_text()
    assert page.locator("td .fail, td .pass").count() >= 2, "indicators against the standard"
    page.screenshot(path=screenshot_path("district.png", tmp_path), full_page=True)
    mismatches.locator('a[href*="#f-"]').first.click()  # a finding, at its place in the text
    assert "#f-" in page.url and page.locator(".detail:not([hidden])").count() == 1
    assert seen.errors == [] and seen.dialogs == []
