"""The report's district pages, rules page, district × rule summary and distribution chart."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

import tests.report_sample as sample
from outputs.report.build import write_report
from outputs.report.docpage import district_file
from outputs.rule_docs import all_rules, rule_anchor


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "lxml")


def test_index_links_every_district_and_rule_and_plots_every_value(tmp_path) -> None:
    results, texts = sample.corpus()
    report = write_report(results, texts, tmp_path).parent
    index = soup(report / "index.html")
    districts = {r["meta"]["district"] for r in results if r["meta"].get("district")}
    pages = {p.name for p in (report / "district").iterdir()}
    assert pages == {district_file(d) for d in districts}
    summary = index.select_one("#district-summary")
    assert summary.select("tr.total") and summary.select('a[href^="rules.html#rule-"]')
    for district in districts:
        page = soup(report / "district" / district_file(district))
        assert page.h1.get_text() == district
        for a in page.select('a[href^="../"]'):  # links out of district/ resolve
            assert (report / a["href"][3:].split("#")[0]).is_file()
    values = sum(
        1
        for r in results
        for ind in r["indicators"]
        if isinstance(ind.get("value"), int | float) and not isinstance(ind.get("value"), bool)
    )
    circles = index.select("#distribution circle")
    assert 0 < len(circles) <= values and index.select("#distribution line.std")
    assert any("fail" in c["class"] for c in circles)


def test_rules_page_explains_every_rule_the_report_links_to(tmp_path) -> None:
    results, texts = sample.corpus()
    report = write_report(results, texts, tmp_path).parent
    rules = soup(report / "rules.html")
    anchors = {s["id"] for s in rules.select("section.rule-doc")}
    assert anchors == {rule_anchor(r) for r in all_rules()}
    for page in report.glob("*.html"):
        for a in soup(page).select('a[href*="rules.html#"]'):
            assert a["href"].split("#")[1] in anchors
    section = rules.select_one(f"#{rule_anchor('percent_mismatch')}")
    assert "为何可能误报" in section.get_text() and "百分比与分子分母不符" in section.h2.get_text()
