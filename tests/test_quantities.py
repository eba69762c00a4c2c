"""The number-and-quantity recogniser on report-style sentences: every number form it must
read, and every "not a figure" case it must leave alone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.quantities import find_quantities, masks
from pipeline.ingest.normalize import normalize


def read(sentence: str) -> list[tuple[str, str, str | None]]:
    text = normalize(sentence)[0]
    return [(str(q.value), q.unit, q.qualifier) for q in find_quantities(text)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("全区共有义务教育学校94所。", [("94", "所", None)]),
        (
            "专任教师１４９３人（小学957人、初中536人）。",
            [("1493", "人", None), ("957", "人", None), ("536", "人", None)],
        ),
        ("问卷调查综合满意度为88.9%。", [("88.9", "%", None)]),
        ("满意度为８８．９％。", [("88.9", "%", None)]),
        (
            "教育经费投入7.12亿元，比上年增加8131.88万元。",
            [("7.12", "亿元", None), ("8131.88", "万元", None)],
        ),
        ("服务学生1.3万余人。", [("1.3", "万人", "余")]),
        ("招生名额一千四百人。", [("1400", "人", None)]),
        ("惠及两万余名学生。", [("20000", "名", "余")]),
        ("满意率达到百分之八十五。", [("85", "%", "达到")]),
        ("约三成学校已完成改造。", [("30", "%", "约")]),
        ("城乡学校师生比为1:12.77。", [("12.77", "", None)]),
        ("巩固率达到95%以上。", [("95", "%", "以上")]),
        ("投入资金约3500万元。", [("3500", "万元", "约")]),
        ("累计培训近2000人次。", [("2000", "人次", "近")]),
        ("生均公用经费不低于6000元。", [("6000", "元", "不低于")]),
        ("特殊教育学校按6000元/生/年拨付。", [("6000", "元/生/年", None)]),
        ("校际差异系数为0.491。", [("0.491", "", None)]),
        (
            "生均运动场馆面积10.2平方米，生均用房4.5㎡。",
            [("10.2", "平方米", None), ("4.5", "㎡", None)],
        ),
        ("面积共136。66平方公里。", [("136.66", "平方公里", None)]),
        ("入学率提高2.5个百分点。", [("2.5", "个百分点", None)]),
        ("辍学率控制在0.5‰以内。", [("0.5", "‰", "以内")]),
        ("在校学生59 人。", [("59", "人", None)]),
        ("在校学生1 493人。", [("1493", "人", None)]),
        # a row of table cells separated by spaces is not one number
        ("合计 12 141 3093 人", [("3093", "人", None)]),
        # traditional unit characters are read as the simplified ones
        ("支出62596.4萬元，共5個", [("62596.4", "万元", None), ("5", "个", None)]),
    ],
)
def test_number_forms(sentence, expected):
    assert read(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "2024年全区教育工作会议召开。",  # a year
        "本报告于2025年4月1日发布。",  # a date
        "发布日期：2025-06-18 17:45",  # a date and a time
        "根据《教育部关于印发〈县域义务教育优质均衡发展督导评估办法〉的通知》（教督〔2017〕6号）要求。",
        "按渝府教督发〔20225号要求开展自查。",  # document number damaged by the crawl
        "办公室2025911日印发",  # date damaged by the crawl
        "指标101每百生拥有高于规定学历教师数。",  # indicator number
        "指标十一：教师交流轮岗。",
        "第二十八次会议审议通过。",  # ordinal
        "1.评估标准",  # list enumerator
        "（3）加强师资队伍建设。",
        "联系电话：023-12345678",  # phone number
        "索引号：115001050092880479/2022-00320",  # index number
        "实现“3100%”目标。",  # 3个100% with 个 lost
        "编制“十四五”教育规划，坚持五育并举。",  # numerals inside names
        "完成信息技术2.0培训。",  # a version
        "《教育强国建设规划纲要（2024—2035年）》提出。",  # years inside a title
        "2021—2024学年开展交流轮岗。",  # a range of school years
    ],
)
def test_not_a_figure(sentence):
    assert read(sentence) == []


def test_precision_is_kept_as_written():
    (q,) = find_quantities(normalize("差异系数为5.30。")[0])
    assert q.value == Decimal("5.30") and q.decimals == 2
    assert q.interval() == (Decimal("5.295"), Decimal("5.305"))


def test_magnitude_scale_and_base_unit():
    (q,) = find_quantities("收入为15.4203万元。")
    assert q.scale == 10**4 and q.base_unit == "元" and q.kind == "amount"


def test_spans_point_at_the_number():
    text = "全区共有学校26所，满意度为88.9%。"
    quantities = find_quantities(text)
    assert [text[q.start : q.end] for q in quantities] == ["26所", "88.9%"]


def test_pinyin_glosses_inside_a_unit_are_read_around() -> None:
    text = "投入1600余萬(wàn)元，新征學(xué)校用地125.4畝"
    first, second = find_quantities(text)
    assert (first.value, first.unit, first.qualifier) == (Decimal(1600), "万元", "余")
    assert text[first.start : first.end] == "1600余萬(wàn)元"
    assert (second.value, text[second.start : second.end]) == (Decimal("125.4"), "125.4畝")


@pytest.mark.parametrize(
    ("text", "value", "unit", "decimals"),
    [
        ("面积一百一十一万一千一百一十一平方米", "1111111", "平方米", 0),
        ("共有学生1万600人", "10600", "人", 0),
        ("投入100万三千元", "1003000", "元", 0),
        ("单价123元1角1分", "123.11", "元", 2),
        ("合计人民币壹仟玖佰圆整", "1900", "元", 0),
        ("全县辖12镇", "12", "镇", 0),
    ],
)
def test_mixed_numeral_forms_are_one_quantity(
    text: str, value: str, unit: str, decimals: int
) -> None:
    (q,) = find_quantities(text)
    assert (q.value, q.unit, q.decimals) == (Decimal(value), unit, decimals)
    assert text[q.start : q.end] in text and q.end == len(text)


def test_plain_yuan_amounts_stay_with_the_main_reader() -> None:
    (q,) = find_quantities("每生每年补助1000元，")
    assert (q.value, q.unit, q.raw) == (Decimal(1000), "元", "1000")


def test_one_character_numerals_read_as_cn2an_reads_them():
    """`_cn_value` reads a numeral of one character without importing cn2an: the same value,
    or the same refusal, for every character a Chinese numeral can be written with."""
    import cn2an

    from pipeline.extract.quantities import CN_DIGITS, _cn_value

    for ch in CN_DIGITS + "点":
        try:
            expected = Decimal(str(cn2an.cn2an(ch, "smart")))
        except ValueError:
            expected = None
        assert _cn_value(ch) == expected, ch
    assert _cn_value("三百四十五") == Decimal(345)  # longer numerals still go through cn2an


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a date inside a title is covered by the title; the date pattern searches on after it
        (
            "《2019年9月实施方案》于2020年3月印发",
            [("title", "《2019年9月实施方案》"), ("date", "2020年3月")],
        ),
        # at one position the first pattern listed wins (the whole date over year and month)
        ("2019年9月1日起", [("date", "2019年9月1日")]),
        ("渝府教督发〔2022〕5号", [("doc_number", "〔2022〕5号")]),
        ("第3项指标，（2）小学", [("indicator_no", "第3项"), ("enumerator", "（2）")]),
    ],
)
def test_masks_are_taken_left_to_right_each_kind_searching_on_past_the_last(
    sentence: str, expected: list[tuple[str, str]]
) -> None:
    assert [(m.reason, sentence[m.start : m.end]) for m in masks(sentence)] == expected


# Pieces of report text around numbers: qualifiers before (and words ending like them), spaces
# of several kinds, numbers in every form, units and the marks that end a clause.
_PIECES = [
    *("约", "不低于", "低于", "于", "不", "超过", "过", "超", "将近", "近", "没有超过"),
    *(" ", "\n", "\u3000", "\t"),
    *("3", "12", ".5", "1,200", "一", "十", "百分之", "-", "比", "1:2", "：", "。"),
    *("万", "人", "%", "余", "以上", "所", "元", "学", "第", "，", "（", "）", "〔2019〕", "号"),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=16).map("".join))
def test_the_qualifier_before_a_number_is_what_a_leading_group_would_match(text: str) -> None:
    """`_lead` looks back from each match for the qualifier before its number; the same
    pattern led by the optional qualifier group (what it replaced) must give the same matches,
    starts and qualifiers."""
    import regex

    from pipeline.extract import quantities as q

    pattern = q._quantity_pattern()
    led = regex.compile(
        rf"(?P<before>{q._alternation(q.QUALIFIERS_BEFORE)})?\s*" + pattern.pattern, regex.X
    )
    expected = [(m.start(), m["before"], m.end()) for m in led.finditer(text)]
    found, previous_end = [], 0
    for m in pattern.finditer(text):
        found.append((*q._lead(text, previous_end, m.start()), m.end()))
        previous_end = m.end()
    assert found == expected


_MASK_PIECES = [
    *("2019", "20", "9", "12", ":", "30", "年", "月", "日", "号", "份", "届", "学年", "至", "版"),
    *("〔", "〕", "[", "]", "发", "函", "教", "《", "》", "第", "指标", "一", "、", ".", "%"),
    *("（", "(", "）", ")", "①", "⑵", "010-", "12345678", "138", "a", "B", "-", "/", "\n", " "),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MASK_PIECES), max_size=14).map("".join))
def test_masks_are_what_one_alternation_of_all_masks_finds(text: str) -> None:
    """The masks are searched in a few scans; the spans and reasons must be those of every mask
    in one alternation scanned left to right (the first listed winning at a position)."""
    import regex

    from pipeline.extract.quantities import _MASKS

    one = regex.compile("|".join(f"({pattern})" for _, pattern, _ in _MASKS), regex.M)
    expected = [(m.start(), m.end(), _MASKS[m.lastindex - 1][0]) for m in one.finditer(text)]
    assert [(m.start, m.end, m.reason) for m in masks(text)] == expected
