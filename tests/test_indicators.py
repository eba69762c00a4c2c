"""Indicator extraction maps blocks to codes by meaning: shuffling the blocks and changing the
numbering style (指标一 ↔ 指标101 ↔ （1）) must give the same codes and values."""

from __future__ import annotations

import random

import pytest

from pipeline.audit import audit_document
from pipeline.ingest.files import ingest_bytes

# (code, title as reports write it, body) — invented district, report-style wording
BLOCKS = [
    (
        "101",
        "每百名学生拥有高于规定学历教师数",
        "小学为5.12人，初中为6.03人，全区38所学校全部达标。校际差异系数小学为0.28、初中为0.31。自评结论：达标。",
    ),
    (
        "105",
        "生均体育运动场馆面积",
        "小学为8.6平方米，初中为9.8平方米，初中未达到国家标准。自评结论：整改后达标。",
    ),
    (
        "214",
        "优质高中招生名额分配比例",
        "2024年优质普通高中招生计划1800人，分配到初中学校940人，分配比例为52.2%，并向农村初中倾斜。自评结论：达标。",
    ),
    ("301", "初中三年巩固率", "2024年全区初中三年巩固率为98.6%。自评结论：达标。"),
    ("212", "专任教师持证上岗率", "全区专任教师2480人，持证上岗率达100%。自评结论：达标。"),
]
EXPECTED = {
    ("101", "primary"): 5.12,
    ("101", "junior"): 6.03,
    ("105", "primary"): 8.6,
    ("105", "junior"): 9.8,
    ("214", "all"): 52.2,
    ("301", "all"): 98.6,
    ("212", "all"): 100,
}
CN = "一二三四五六七八九十"


def marker(style: str, code: str, position: int) -> str:
    if style == "cn":
        return f"指标{CN[position]}："
    if style == "code":
        return f"指标{code}："
    return f"（{position + 1}）"


def report(order: list[int], style: str) -> str:
    lines = ["星河区创建全国义务教育优质均衡发展区自查自评报告", "一、指标达标情况"]
    sections = {
        "resource": "（一）资源配置",
        "guarantee": "（二）政府保障程度",
        "quality": "（三）教育质量",
    }
    group_of = {
        "101": "resource",
        "105": "resource",
        "214": "guarantee",
        "212": "guarantee",
        "301": "quality",
    }
    for group, heading in sections.items():
        lines.append(heading)
        members = [i for i in order if group_of[BLOCKS[i][0]] == group]
        for position, index in enumerate(members):
            code, title, body = BLOCKS[index]
            lines.append(marker(style, code, position) + title + "。")
            lines.append(body)
    return "\n".join(lines)


def values(text: str) -> dict[tuple[str, str], float]:
    result = audit_document(ingest_bytes(text.encode(), "report.txt"))
    return {
        (i["code"], i["level"]): i["value"] for i in result["indicators"] if i["value"] is not None
    }


@pytest.mark.parametrize("style", ["cn", "code", "paren"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_and_renumbered_blocks_keep_their_codes(style, seed):
    order = list(range(len(BLOCKS)))
    random.Random(seed).shuffle(order)
    assert values(report(order, style)) == EXPECTED


def test_conclusions_and_school_counts():
    result = audit_document(ingest_bytes(report(list(range(len(BLOCKS))), "cn").encode(), "r.txt"))
    by_key = {(i["code"], i["level"]): i for i in result["indicators"]}
    assert by_key[("105", "primary")]["self_conclusion"] == "整改后达标"
    assert by_key[("105", "junior")]["meets_standard"] is False
    assert by_key[("101", "all")]["cv"] == {"primary": 0.28, "junior": 0.31}
    assert (
        by_key[("101", "all")]["schools_total"] == by_key[("101", "all")]["schools_meeting"] == 38
    )
    assert result["meta"]["district"] == "星河区"
    assert result["meta"]["kind"] == "quality_balance_self_assessment"


@pytest.mark.parametrize(
    ("sentence", "code", "value"),
    [
        ("2023年，全县初中三年巩固率达到97.8%，残疾儿童少年入学率为96.1%。", "301", 97.8),
        ("2023年，全县初中三年巩固率达到97.8%，残疾儿童少年入学率为96.1%。", "302", 96.1),
        ("全县优质高中招生名额分配比例为55.0%。", "214", 55.0),
        ("群众对义务教育的问卷调查综合满意度为91.3%。", "401", 91.3),
    ],
)
def test_indicators_stated_in_prose(sentence, code, value):
    text = "河东县人民政府2023年度履行教育职责自评报告\n" + sentence
    assert values(text)[(code, "all")] == value


@pytest.mark.parametrize(
    "sentence",
    [
        "全县九年义务教育巩固率达到98.5%。",  # nine-year rate, not 初中三年巩固率
        "家长对课后服务的满意度为97.5%。",  # not the social-recognition survey
        "全县学前教育毛入园率达到124.6%。",
    ],
)
def test_prose_that_is_not_a_national_indicator(sentence):
    text = "河东县人民政府2023年度履行教育职责自评报告\n" + sentence
    assert values(text) == {}
