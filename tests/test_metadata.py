"""District and kind, written as the shapes real pages take (sentences of our own)."""

from __future__ import annotations

import pytest

from pipeline.extract.metadata import extract_metadata
from pipeline.ingest.files import ingest_bytes


def meta(text: str) -> dict:
    return extract_metadata(ingest_bytes(text.encode("utf-8"), "page.txt"))


@pytest.mark.parametrize(
    ("text", "district"),
    [
        # named only through its schools, the body says 全县
        ("全县辖12所镇中心学校、5所县直学校（岚皋中学、岚皋县城关小学），现有学校80所。", "岚皋县"),
        # in the title, before a word the title pattern does not know
        ("关于2022年嵩县教育经费执行情况的统计公告\n\n全县教育经费总投入为5万元。", "嵩县"),
        # traditional characters with pinyin glosses from a mirror site
        (
            "柘城縣(xiàn)教育經(jīng)費(fèi)實(shí)現(xiàn)增長(zhǎng)\n柘城縣(xiàn)教育支出1萬(wàn)元。",
            "柘城县",
        ),
        # a zone after its city's name; its short form in the signature is the same zone
        (
            "许昌市东城城乡一体化示范区门户网站\n全区教育经费增长1%。\n东城示范区教体局",
            "东城城乡一体化示范区",
        ),
        # a two-character county
        ("2021年，沛县新建幼儿园3所。沛县教育局统筹推进。", "沛县"),
    ],
)
def test_the_report_own_subject(text: str, district: str) -> None:
    assert meta(text)["district"] == district


@pytest.mark.parametrize(
    "text",
    [
        # a county merely mentioned in a provincial bulletin
        "全省共有幼儿园1.2万所。学习借鉴嵩县经验，扎实推进学前教育。",
        # a masked name and a common word that is also a county name
        "*区是*市的中心城区之一，也是*的老城区，全区现有学校49所。",
        # two counties named equally often: neither is the subject
        "岚皋县与柘城县结对帮扶，岚皋县、柘城县各派教师10名。",
    ],
)
def test_no_district_when_the_text_does_not_name_its_own(text: str) -> None:
    assert meta(text)["district"] is None


def test_an_ambiguous_name_keeps_city_and_province_empty() -> None:
    m = meta("鼓楼区教育局关于2021年教育经费执行情况的公告\n鼓楼区共有学校30所。")
    assert m["district"] == "鼓楼区"
    assert m["city"] is None and m["province"] is None


def test_a_city_in_the_text_resolves_the_ambiguity() -> None:
    m = meta("福州市鼓楼区教育局关于2021年教育经费执行情况的公告\n鼓楼区共有学校30所。")
    assert (m["district"], m["city"], m["province"]) == ("鼓楼区", "福州市", "福建省")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2019年全国教育事业发展统计公报\n落实教育规划纲要，全国共有学校51万所。", "other"),
        ("“十二五”期间义务教育均衡发展工作主要成就\n利用薄弱学校改造计划新建校舍。", "other"),
        ("《江苏教育督导》2021年第3期内容简介\n全省化解大班额成效显著。", "research_report"),
        ("关于印发《某区推进义务教育优质均衡发展实施方案》的通知\n各学校：", "implementation_plan"),
        (
            "根据《某市义务教育优质均衡发展实施方案》要求，我区开展优质均衡发展自查自评。",
            "quality_balance_self_assessment",
        ),
        (
            "乡镇义务教育均衡发展工作汇报\n学校现有6个教学班，学生197人。",
            "basic_balance_self_assessment",
        ),
        ("某市2022年义务教育基本均衡差异系数监测结果\n小学差异系数0.677。", "other"),
    ],
)
def test_kind_is_what_the_document_says_it_is(text: str, kind: str) -> None:
    assert meta(text)["kind"] == kind
