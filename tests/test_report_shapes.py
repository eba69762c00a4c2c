"""The relation families real reports use, each as sentences of our own of the same shape,
through the production path (`audit_document`): what must be flagged, with which numbers, and
what must stay silent. The shapes were traced on real passages; the sentences are invented.
"""

from __future__ import annotations

import pytest

from pipeline.audit import audit_document
from pipeline.ingest.files import ingest_bytes


def findings(text: str, severities: tuple[str, ...] = ("error", "warning")) -> list[dict]:
    result = audit_document(ingest_bytes(text.encode("utf-8"), "passage.txt"))
    assert result["status"] == "ok", result["error"]
    return [f for f in result["findings"] if f["severity"] in severities]


def flagged(text: str) -> list[tuple[str, str, float | int | None]]:
    return [(f["rule"], f["severity"], f["reported"]) for f in findings(text)]


# --- growth between two stated amounts ------------------------------------------------------

GROWTH_HOLDS = [
    "全区教育经费总投入为3.94亿元，比上年的3.92亿增长0.51%。",
    "2022年，全县教育经费总投入为52360万元，比上年的48125万元增长8.80%。",
    "普通小学上年9210.50元，本年9634.18元，同口径比上年增长4.60%。",
    "全县共有专任教师3120人，比上年增加120人，增长4.00%。",
    "事业收入9680万元，比上年的10000万元下降3.20%。",
    "教育经费总投入为9680万元，比上年的10000万元增长-3.2 %。",
]


@pytest.mark.parametrize("text", GROWTH_HOLDS)
def test_growth_that_holds_is_silent(text: str) -> None:
    assert findings(text) == []


@pytest.mark.parametrize(
    ("text", "severity", "reported"),
    [
        ("2022年，全县教育经费总投入为52360万元，比上年的48125万元增长9.80%。", "error", 9.8),
        ("普通初中上年14383.56元，本年11662.98元，同口径增加3.72%。", "error", 3.72),
        ("全县共有专任教师3120人，比上年增加120人，增长4.10%。", "error", 4.1),
        # last digit only, within what rounding of the 万人 figures explains
        ("全省共有专任教师6.62万人，比上年增加0.38万人，增长6.11%。", "warning", 6.11),
        # the same two amounts said to give a rise after a fall
        ("教育经费64469万元，与上年的73991万元同口径相比增12.05%。", "error", 12.05),
    ],
)
def test_growth_that_does_not_hold(text: str, severity: str, reported: float) -> None:
    (finding,) = findings(text)
    assert (finding["severity"], finding["reported"]) == (severity, reported)
    assert str(reported) in finding["formula"]


# --- rates from counts stated in other clauses ----------------------------------------------


def test_rate_from_counts_in_other_clauses() -> None:
    assert findings("学校有寄宿生1200人，床位900张，床位率为75%。") == []
    (finding,) = findings("学校现有教师57人，其中学历合格52人，学历合格率92%。")
    assert (finding["severity"], finding["reported"]) == ("warning", 92)
    assert "52 / 57" in finding["formula"]
    # the part named differently from the rate, right after 其中
    (finding,) = findings("学校现有在职教师57人，其中大专学历52人，学历合格率92%。")
    assert "52 / 57" in finding["formula"]


def test_share_of_a_whole_named_in_the_sentence_before() -> None:
    text = (
        "全省特殊教育在校生8.80万人。\n"
        "其中，随班就读在校生4.40万人，占特殊教育在校生的比例52.00%；"
        "送教上门在校生2.20万人，占特殊教育在校生25.00%。"
    )
    (finding,) = findings(text)
    assert "4.4" in finding["formula"] and "8.8" in finding["formula"]


# --- containment: a part larger than its whole ----------------------------------------------


def test_parts_of_a_whole_that_exceed_it() -> None:
    (finding,) = findings("学校行政人员9人，其中校级干部3人，中级干部11人。")
    assert finding["severity"] == "error" and "9人" in finding["formula"]
    (finding,) = findings("学校总建筑面积2613.4平方米，其中教学楼17628平方米。")
    assert finding["severity"] == "error" and "17628" in finding["formula"]
    # a count of another kind between: "其中教学楼8栋，建筑面积17628平方米"
    (finding,) = findings("学校总建筑面积2613.4平方米，其中教学楼8栋，建筑面积17628平方米。")
    assert finding["severity"] == "error" and "17628" in finding["formula"]


# --- what must stay silent ------------------------------------------------------------------

SILENT = [
    # the subject of each segment carries to its second measure
    "全市小学412所，在校生18.6万人；初中156所，在校生9.1万人。",
    "全区共有教职工611人（其中公办学校589人，专任教师539人；民办园22人，专任教师10人）。",
    # a list the reader cannot finish (各1所) is not compared with its total
    "全县共有学校30所，其中小学20所、初中8所，九年一贯制学校和特殊教育学校各1所。",
    # an item counted in 个 is not one of the 所
    "全县共有学校50所，其中小学40所、教学点12个、初中10所。",
    # an incomplete 其中 list
    "中小学在校生3571人，其中第一小学594人，第二小学178人，第一中学454人。",
    # two kindergartens' children after a count of kindergartens
    "其中2所公办幼儿园共有幼儿233人（其中政府幼儿园129人，第二幼儿园104人）；3所民办园共有幼儿201人。",
    # a share of a budget stated earlier, which holds
    "全年教育支出8000万元，其中教师工资5200万元，占65%。",
]


@pytest.mark.parametrize("text", SILENT)
def test_silent_where_the_text_does_not_say_it(text: str) -> None:
    assert findings(text) == []


# --- standards of education funding ---------------------------------------------------------


def test_budget_spending_that_fell_is_reported() -> None:
    text = "一般公共预算教育经费64469万元，比上年的73991万元增长-12.9%。"
    notes = findings(text, ("info", "warning", "error"))
    assert any(f["rule"] == "funding_decrease" and f["reported"] == -12.9 for f in notes)


def test_education_spending_growing_slower_than_revenue_is_reported() -> None:
    text = (
        "一般公共预算教育经费比上年增长2.59%，财政经常性收入比上年增长5.28%，"
        "教育经费增长低于财政经常性收入增长。"
    )
    notes = findings(text, ("info", "warning", "error"))
    assert any(f["rule"] == "funding_growth_below_revenue" for f in notes)


# --- pages a mirror site converted to traditional characters, with pinyin glosses ----------


def test_traditional_characters_and_glosses_are_read_like_simplified_ones() -> None:
    text = "全縣一般公共預(yù)算教育經(jīng)費(fèi)為8.50億元,比上年9.10億元減少6.59%。"
    notes = findings(text, ("info", "warning", "error"))
    assert [(f["rule"], f["reported"]) for f in notes] == [("funding_decrease", -6.59)]
    wrong = text.replace("減少6.59%", "減少5.59%")
    assert [f["rule"] for f in findings(wrong)] == ["growth_mismatch"]


# --- rounding judged on the stated figures --------------------------------------------------


def test_a_share_that_only_truncation_gives_is_a_last_digit_warning() -> None:
    # 205 / 617 = 33.2253%: half-up gives 33.23, only truncation 33.22
    assert findings("全校教师617人，其中骨干教师205人，占教师总数的33.23%。") == []
    (finding,) = findings("全校教师617人，其中骨干教师205人，占教师总数的33.22%。")
    assert (finding["severity"], finding["reported"]) == ("warning", 33.22)
    assert "205 / 617" in finding["formula"]


def test_a_share_that_only_the_rounding_of_its_inputs_explains_is_a_warning() -> None:
    # 12.35万 / 25.07万 = 49.262%; 49.25 is reachable only from unrounded head counts
    text = (
        "全省特殊教育在校生25.07万人。\n其中，随班就读在校生12.35万人，占特殊教育在校生的比例{}%。"
    )
    assert findings(text.format("49.26")) == []
    (finding,) = findings(text.format("49.25"))
    assert (finding["severity"], finding["reported"]) == ("warning", 49.25)


def test_a_statement_printed_twice_gives_one_finding_at_the_body_copy() -> None:
    sentence = "全省共有专任教师6.62万人，比上年增加0.38万人，增长6.11%"
    text = f"{sentence}，今天我们就来聊一聊。\n\n{sentence}。\n"
    (finding,) = findings(text)
    assert finding["evidence"]["start"] > len(sentence)


# --- figures in tables written as text ------------------------------------------------------


def figure_values(text: str) -> list[float | int]:
    result = audit_document(ingest_bytes(text.encode("utf-8"), "passage.txt"))
    return [f["value"] for f in result["figures"]]


def test_unit_less_numbers_in_table_rows_are_figures() -> None:
    aligned = (
        "幼儿园基本情况\n园所数(所) 班数(个) 幼儿数(人)\n      52 318 9046\n城区 17 140 4410\n"
    )
    assert figure_values(aligned) == [52, 318, 9046, 17, 140, 4410]
    piped = "学段 | 人数 | 金额 |\n学前教育 | 812 | 40.6 |\n义务教育 | 12045 | 602.25 |\n"
    assert figure_values(piped) == [812, 40.6, 12045, 602.25]


def test_numbers_outside_tables_and_damaged_dates_are_not_figures() -> None:
    assert figure_values("发布时间：2021 09 15\n本县共有3所学校参加。\n第2 3 4页") == [3]


# --- shortfalls of a per-school standard ----------------------------------------------------

SCHOOL_SHORTFALL = (
    "某县县域义务教育优质均衡发展自评报告\n\n二、政府保障程度\n\n"
    "指标五:小学、初中所有班级学生数分别不超过45人、50人。\n\n"
    "全县现有义务教育学校中,班额达标学校18所,不达标小学2所,达标比例90%。\n\n自评结论:{}。\n"
)


def test_a_conceded_school_shortfall_is_info_and_a_claimed_one_a_warning() -> None:
    everything = ("info", "warning", "error")
    (conceded,) = findings(SCHOOL_SHORTFALL.format("整改后达标"), everything)
    assert (conceded["rule"], conceded["severity"]) == ("below_standard", "info")
    assert "18 / 20" in conceded["formula"] and "整改后达标" in conceded["message"]
    (claimed,) = findings(SCHOOL_SHORTFALL.format("达标"), everything)
    assert (claimed["rule"], claimed["severity"]) == ("conclusion_contradicts", "warning")


def test_training_funds_below_five_percent_of_public_funds_are_derived() -> None:
    everything = ("info", "warning", "error")
    text = "2024年，全区小学、初中公用经费预算总额5149.21万元，教师培训费预算{}万元。"
    (low,) = findings(text.format("184.35"), everything)
    assert low["rule"] == "training_share_below_standard" and "3.58%" in low["formula"]
    assert findings(text.format("384.35"), everything) == []
    # a per-student amount is not the total
    assert findings("生均公用经费800元，教师培训费10万元。", everything) == []
