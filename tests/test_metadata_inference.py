"""City and province are never guessed from an ambiguous district name, and a value the
gazetteer supplied (not the text) is marked inferred; the report year comes from the text."""

from __future__ import annotations

from pipeline.extract.metadata import extract_metadata
from pipeline.ingest.files import ingest_bytes

BODY = "全区现有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。\n"


def meta(text: str) -> dict:
    return extract_metadata(ingest_bytes(text.encode("utf-8"), "r.txt"))


def test_a_name_several_counties_share_is_left_unresolved() -> None:
    m = meta("鼓楼区义务教育优质均衡发展自查自评报告\n" + BODY)
    assert m["district"] == "鼓楼区" and m["city"] is None and m["province"] is None


def test_the_text_naming_the_city_resolves_it_as_fact() -> None:
    m = meta("福州市鼓楼区义务教育优质均衡发展自查自评报告\n" + BODY)
    assert (m["district"], m["city"], m["province"]) == ("鼓楼区", "福州市", "福建省")
    assert m["inferred"] == ["province"]  # 福建省 is not written in the report


def test_a_unique_name_is_resolved_but_marked_inferred() -> None:
    m = meta("大足区义务教育优质均衡发展自查自评报告\n" + BODY)
    assert (m["city"], m["province"]) == ("重庆市", "重庆市")
    assert m["inferred"] == ["city", "province"]


def test_report_year_comes_from_the_text_not_the_publication_date() -> None:
    text = "大足区2024年度义务教育优质均衡发展自查自评报告\n" + BODY + "\n2025年3月2日\n"
    m = meta(text)
    assert m["published"] == "2025-03-02" and m["report_year"] == 2024
