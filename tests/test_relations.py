"""Every arithmetic rule on report-style sentences: what it catches and what it leaves alone.

The sentences are invented in the style of district reports (not copied from the corpus), with
varied phrasing, so the rules are tested on how reports are written rather than on five files.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.audit import audit_document
from pipeline.engine.families import extract_relations
from pipeline.engine.reading import category_key, is_partition
from pipeline.extract.quantities import find_quantities
from pipeline.ingest.files import ingest_bytes


def audit(text: str) -> list[SimpleNamespace]:
    """The findings of the production path (ingest → extract → engine → contract)."""
    result = audit_document(ingest_bytes(text.encode("utf-8"), "x.txt"))
    assert result["status"] == "ok", result["error"]
    return [SimpleNamespace(**f) for f in result["findings"]]


def rules(text: str) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in audit(text)]


# (sentence, expected [(rule, severity)]) — an empty list means "no finding".
CASES = [
    # --- sum_mismatch -------------------------------------------------------------------------
    (
        "全县共有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。",
        [("sum_mismatch", "error")],
    ),
    ("全县共有义务教育学校47所，其中小学31所、初中15所、特殊教育学校1所。", []),
    ("全区专任教师2310人（小学1402人、初中918人）。", [("sum_mismatch", "error")]),
    ("全区专任教师2320人（小学1402人、初中918人）。", []),
    ("现有在校学生12345人，包括小学生8200人、初中生4145人。", []),
    ("现有在校学生12345人，包括小学生8200人、初中生4100人。", [("sum_mismatch", "error")]),
    ("全区38所小学中有30所达标、8所基本达标。", []),
    ("全区38所小学中有30所达标、7所基本达标。", [("sum_mismatch", "error")]),
    ("全市公办幼儿园在园幼儿5600人，其中城区3400人、农村2200人。", []),
    # nine-year schools counted in both levels: either reading is accepted
    (
        "全县学校30所，其中单设小学20所，单设初中8所，九年一贯制学校1所（含小学部1所、初中部1所），特殊教育学校1所。",
        [],
    ),
    (
        "全县学校31所，其中单设小学20所，单设初中8所，九年一贯制学校1所（含小学部1所、初中部1所），特殊教育学校1所。",
        [],
    ),
    # parts that are a subset, not a partition: only "no part exceeds the total"
    ("全区教师1500人，其中骨干教师320人、体艺教师180人。", []),
    ("全区教职工3200人，其中专任教师2950人。", []),
    ("全区争取各类资金1.2亿元，其中用于校舍建设的资金8000万元。", []),
    ("全区学校30所，其中小学18所、初中9所等。", []),
    # different units are not added
    ("全区学校26所，其中小学13所，教学班412个。", []),
    # categories often listed in part (education, title): only a sum above the total is wrong
    ("全区共有专任教师5060人，其中研究生学历86人、本科学历4320人。", []),
    (
        "全区共有专任教师5060人，其中研究生学历86人、本科学历4320人、专科学历664人。",
        [("sum_mismatch", "error")],
    ),
    ("全区专任教师5060人，其中本科及以上学历4406人、研究生学历86人。", []),
    ("全区义务教育学校58所，其中城区学校21所、乡村学校36所。", [("sum_mismatch", "error")]),
    # --- subset_exceeds_total -------------------------------------------------------------------
    ("全区教职工3200人，其中专任教师3350人。", [("subset_exceeds_total", "error")]),
    ("共落实资金8000万元，其中中央资金9200万元。", [("subset_exceeds_total", "error")]),
    ("在校学生20241人（含随迁子女1505人）。", []),
    # --- percent_mismatch ------------------------------------------------------------------------
    ("2024年优质高中招生计划总数2000人，分配到校名额1150人，占比57.5%。", []),
    (
        "2024年优质高中招生计划总数2000人，分配到校名额1150人，占比58.5%。",
        [("percent_mismatch", "error")],
    ),
    (
        "2024年优质高中招生计划总数2000人，分配到校名额1150人，占比57.6%。",
        [("percent_mismatch", "warning")],
    ),
    ("本次共发放问卷520份，回收有效问卷500份，其中满意问卷461份，综合满意度为92.2%。", []),
    (
        "本次共发放问卷520份，回收有效问卷500份，其中满意问卷461份，综合满意度为94.2%。",
        [("percent_mismatch", "error")],
    ),
    ("义务教育学校32所，教师培训经费足额安排的学校30所，占比93.8%。", []),
    (
        "义务教育学校32所，教师培训经费足额安排的学校30所，占比96%。",
        [("percent_mismatch", "error")],
    ),
    (
        "义务教育学校32所，教师培训经费足额安排的学校30所，占比95%。",
        [("percent_mismatch", "warning")],
    ),
    ("上年度交流轮岗教师210名；其中骨干教师47名，占交流教师总数的22%。", []),  # 22.38 → 22
    (
        "上年度交流轮岗教师210名；其中骨干教师47名，占交流教师总数的25%。",
        [("percent_mismatch", "error")],
    ),
    ("“音乐专用教室”达标学校15所，不达标小学2所，达标比例88.2%。", []),
    ("“音乐专用教室”达标学校15所，不达标小学2所，达标比例89.2%。", [("percent_mismatch", "error")]),
    ("普通高中招生总数3000人，其中指标到校生1650人，指标到校比例为55%。", []),
    # percentages of different wholes in one sentence are not tied to each other
    ("全区小学生8000人，初中生4000人，入学率100%，巩固率99.6%。", []),
    # gross rates may exceed 100%
    ("学前三年毛入园率达112.4%，义务教育毛入学率达103%。", []),
    # a lower bound quoted as a standard
    ("全县初中三年巩固率达到95%以上。", []),
    ("全县适龄残疾儿童少年215人，已入学208人，入学率为96.7%。", []),
    ("全县适龄残疾儿童少年215人，已入学208人，入学率为98.7%。", [("percent_mismatch", "error")]),
    ("全县共有留守儿童2300人，随迁子女4100人，其中在公办学校就读3950人，占比96.3%。", []),
    (
        "全县共有留守儿童2300人，随迁子女4100人，其中在公办学校就读3950人，占比98.3%。",
        [("percent_mismatch", "error")],
    ),
    ("全区有教职工4500人，其中专任教师4100人，本科以上学历3900人，占比95.1%。", []),
    ("2024年全区财政教育支出22.3亿元，比上年增长8.5%，占一般公共预算支出的18.2%。", []),
    # --- shares_forced_to_100 / shares_sum_mismatch ---------------------------------------------
    (
        "全区残疾儿童少年共计87人，其中特殊教育学校就读27人、占比31.1%，随班就读44人、占比50.5%，送教上门16人、占比18.4%。",
        # 31.1 only by rounding up, 50.5 (50.57) only by truncation
        [("percent_mismatch", "warning")] * 2 + [("shares_forced_to_100", "warning")],
    ),
    (
        "全区残疾儿童少年共计87人，其中特殊教育学校就读27人、占比31.0%，随班就读44人、占比50.6%，送教上门16人、占比18.4%。",
        [],
    ),
    (
        "全区残疾儿童少年共计87人，其中特殊教育学校就读27人、占比31.0%，随班就读44人、占比52.6%，送教上门16人、占比18.4%。",
        [("percent_mismatch", "error"), ("shares_sum_mismatch", "error")],
    ),
    # shares in the sentence after the whole: "其中，" refers back; the whole is the earlier
    # count the listed counts add up to (154 + 60 + 58 = 272 入学, not 276 适龄)
    (
        "全县适龄残疾儿童少年276人，入学272人，入学率98.6%。其中，在特殊教育学校就读154人、"
        "占比56.6%，随班就读60人、占比22.1%，送教上门58人、占比21.3%。",
        [],
    ),
    (
        "全县适龄残疾儿童少年276人，入学272人，入学率98.6%。其中，在特殊教育学校就读154人、"
        "占比56.6%，随班就读60人、占比22.0%，送教上门58人、占比21.4%。",
        # 22.0 (22.06) only by truncation, 21.4 (21.32) only by rounding up
        [("percent_mismatch", "warning")] * 2 + [("shares_forced_to_100", "warning")],
    ),
    (
        "全县适龄残疾儿童少年276人，入学272人，入学率98.6%。其中，在特殊教育学校就读154人、"
        "占比56.6%，随班就读60人、占比24.1%，送教上门58人、占比21.3%。",
        [("percent_mismatch", "error"), ("shares_sum_mismatch", "error")],
    ),
    (
        "全区随迁子女在校生共1250人。其中：在公办学校就读1130人，占比90.4%；"
        "在政府购买学位的民办学校就读120人，占比10.6%。",
        [("percent_mismatch", "error"), ("shares_sum_mismatch", "error")],
    ),
    (
        "全区随迁子女在校生共1250人。其中：在公办学校就读1130人，占比90.4%；"
        "在政府购买学位的民办学校就读120人，占比9.6%。",
        [],
    ),
    # no earlier count equals the listed sum (276 or 272 for 271): the whole is ambiguous
    (
        "全县适龄残疾儿童少年276人，入学272人，入学率98.6%。其中，在特殊教育学校就读154人、"
        "占比55.8%，随班就读60人、占比21.7%，送教上门57人、占比20.7%。",
        [],
    ),
    # a listed count is never the whole of its siblings' shares (60 / 154 would be 38.96%)
    ("在特殊教育学校就读154人、占比56.6%，随班就读60人、占比22.1%，送教上门58人、占比21.3%。", []),
    # a subset list (骨干教师, 学科带头人 do not add up to 210): shares of an unstated whole only
    ("全区交流轮岗教师210名。其中，骨干教师47名、占比22.4%，学科带头人20名、占比9.5%。", []),
    # --- percent_impossible (GRIM) ----------------------------------------------------------------
    ("本学年交流轮岗教师58名，占符合交流条件教师总数的18.45%。", [("percent_impossible", "error")]),
    ("本学年交流轮岗教师58名，占符合交流条件教师总数的18.71%。", []),  # 58/310
    ("民办学校减少至3所，占比降至6.52%。", []),  # 3/46
    ("民办学校减少至3所，占比降至6.61%。", [("percent_impossible", "error")]),
    # --- growth_mismatch ------------------------------------------------------------------------
    # 6020 / (53600 − 6020) = 12.652%: only the rounding of 5.36亿元 explains 12.66, a warning
    (
        "2024年全区教育经费支出5.36亿元，比上年增加6020万元，增长12.66%。",
        [("growth_mismatch", "warning")],
    ),
    (
        "2024年全区教育经费支出5.36亿元，比上年增加6020万元，增长14.66%。",
        [("growth_mismatch", "error")],
    ),
    ("全年投入资金8200万元，较上年减少800万元，下降8.89%。", []),
    ("全年投入资金8200万元，较上年减少800万元，下降9.76%。", [("growth_mismatch", "error")]),
    ("一般公共预算教育经费15.67亿元，较上年度增长12.75%。", []),  # base not stated
    ("2023年教育经费12.5亿元，2024年增加到13.8亿元，增长10.4%。", []),
    ("2023年教育经费12.5亿元，2024年增加到13.8亿元，增长12.4%。", [("growth_mismatch", "error")]),
    ("2023年投入教育经费12.5亿元，2024年投入13.8亿元，增长15.4%。", [("growth_mismatch", "error")]),
    ("生均公用经费由800元提高到1000元，提高25%。", []),
    # the comparison may be written 同比, 比去年, 较2022年, 与上年相比… (base = current − increase)
    ("2023年，全县一般公共预算教育支出262202.73万元，同比增加14683.35万元，增长5.93%。", []),
    (
        "2023年，全县一般公共预算教育支出262202.73万元，同比增加14683.35万元，增长8.9%。",
        [("growth_mismatch", "error")],
    ),
    ("2023年全区教育经费总投入5.36亿元，比去年增加6020万元，增幅为12.65%。", []),
    (
        "2023年全区教育经费总投入5.36亿元，较2022年增加6020万元，增长14.66%。",
        [("growth_mismatch", "error")],
    ),
    (
        "全县财政性教育经费支出227644.3万元，与上年相比，增加32780.77万元，增长18.5%。",
        [("growth_mismatch", "error")],
    ),
    ("全县财政性教育经费支出227644.3万元，比上一年多投入32780.77万元，增长16.82%。", []),
    # the rate may come first: "同比增长X%，增加Y万元"
    ("全县教育经费总投入91185.3万元，同比增长12.49%，增加10121.56万元。", []),
    (
        "全县教育经费总投入91185.3万元，同比增长13.6%，增加10121.56万元。",
        [("growth_mismatch", "error")],
    ),
    # decreases use current + decrease as the base, whatever the comparison word
    ("全年投入资金8200万元，同比减少800万元，下降8.89%。", []),
    ("全年投入资金8200万元，较去年减少800万元，降幅9.76%。", [("growth_mismatch", "error")]),
    # directions that disagree have no safe reading
    ("全年投入资金8200万元，同比增加800万元，下降8.89%。", []),
    # head counts grow the same way
    ("全区义务教育在校学生12500人，比上年增加500人，增长4.17%。", []),
    ("全区义务教育在校学生12500人，比上年增加500人，增长4.5%。", [("growth_mismatch", "error")]),
    # a change of something else is not the figure's own change (schools vs 学位)
    ("全区义务教育学校50所，比上年增加学位3000个，增长9.8%。", []),
    # 个百分点 is a difference of percentages, never the growth rate of an amount
    ("教育支出占一般公共预算支出的18.2%，较上年提高2.5个百分点，增长15.9%。", []),
    ("2024年全区财政教育支出22.3亿元，同比增长8.5%，占一般公共预算支出的18.2%。", []),
    # …checked as a difference only when both percentages are stated
    ("全县初中三年巩固率97.8%，同比提高1.2个百分点。", []),
    ("全县初中三年巩固率由95.2%提高到97.8%，提高2.6个百分点。", []),
    (
        "全县初中三年巩固率由95.2%提高到97.8%，提高3.6个百分点。",
        [("difference_mismatch", "error")],
    ),
    ("全县初中三年巩固率97.8%，比上年（95.2%）提高2.6个百分点。", []),
    (
        "教育支出占比16.40%，较上年的15.12%提高1.82个百分点。",
        [("difference_mismatch", "error")],
    ),
    # --- difference_mismatch ---------------------------------------------------------------------
    ("教师年平均工资收入12.8650万元，较公务员年平均工资收入12.7420万元，高出0.1230万元。", []),
    (
        "教师年平均工资收入12.8650万元，较公务员年平均工资收入12.7420万元，高出0.1320万元。",
        [("difference_mismatch", "error")],
    ),
    # --- product_mismatch -----------------------------------------------------------------------
    ("特殊教育学校按每生每年6000元拨付公用经费，在校学生95名，共计拨付57万元。", []),
    (
        "特殊教育学校按每生每年6000元拨付公用经费，在校学生95名，共计拨付75万元。",
        [("product_mismatch", "error")],
    ),
    # --- per_hundred_mismatch -------------------------------------------------------------------
    ("全区在校学生16000人，县级以上骨干教师288人，每百名学生拥有骨干教师1.8人。", []),
    (
        "全区在校学生16000人，县级以上骨干教师288人，每百名学生拥有骨干教师2.1人。",
        [("per_hundred_mismatch", "error")],
    ),
    # --- formula_mismatch -----------------------------------------------------------------------
    (
        "2024年初中毕业生1530人，三年前初一年级在校生1560人，转入12人，转出20人，死亡1人，初中三年巩固率为98.6%。",
        [],
    ),
    (
        "2024年初中毕业生1530人，三年前初一年级在校生1560人，转入12人，转出20人，死亡1人，初中三年巩固率为96.1%。",
        [("formula_mismatch", "error")],
    ),
    # --- count_mismatch ---------------------------------------------------------------------------
    ("新建学校3所（城南小学、城北小学、滨江中学），新增学位5400个。", []),
    (
        "新建学校4所（城南小学、城北小学、滨江中学），新增学位5400个。",
        [("count_mismatch", "warning")],
    ),
    # --- targets and approximate values are not checked -------------------------------------------
    ("到2027年，全区学校达到50所，其中小学30所、初中15所。", []),
    ("投入资金约3500万元，其中用于维修约1500万元、设备约1900万元。", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rule_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert sorted(rules(text)) == sorted(expected)


def test_duplicate_mismatch_same_head_count_twice() -> None:
    text = "一、基本情况\n全区义务教育阶段专任教师1493人，在校学生20241人。\n二、指标\n全区义务教育阶段专任教师1498人，持证上岗率100%。\n"
    assert rules(text) == [("duplicate_mismatch", "warning")]
    # another scope (all teachers of the district, or of its kindergartens) is another quantity
    other = text.replace("全区义务教育阶段专任教师1498人", "全区幼儿园专任教师1498人")
    assert rules(other) == []


def test_duplicate_mismatch_leaves_agreeing_and_listed_values() -> None:
    same = "一、基本情况\n全区专任教师1493人。\n二、指标\n全区专任教师1493人，持证上岗率100%。\n"
    assert rules(same) == []
    listed = "近三年交流轮岗教师分别102名、94名、123名。\n本年度交流轮岗教师123人。\n"
    assert rules(listed) == []


def test_finding_shows_numbers_and_evidence() -> None:
    text = "2024年优质高中招生计划总数2000人，分配到校名额1150人，占比58.5%。"
    (finding,) = audit(text)
    assert finding.formula == "1150 / 2000 = 57.50% ≠ 58.5%"
    assert "57.5" in finding.message and "58.5" in finding.message
    assert str(finding.reported) == "58.5"
    assert text[finding.evidence["start"] : finding.evidence["end"]].startswith("2000")


def test_forced_shares_message_names_the_offender() -> None:
    text = "全区残疾儿童少年共计87人，其中特殊教育学校就读27人、占比31.1%，随班就读44人、占比50.5%，送教上门16人、占比18.4%。"
    forced = [f for f in audit(text) if f.rule == "shares_forced_to_100"]
    assert forced and "凑" in forced[0].message


def test_categories_decide_partition() -> None:
    assert is_partition(["小学", "初中", "特殊教育学校"])
    assert is_partition(["达标", "基本达标"])
    assert not is_partition(["骨干教师", "体艺教师"])
    assert not is_partition(["小学专任教师", "小学骨干教师"])
    assert category_key("基本达标") == {"status": frozenset({"基本达标"})}


def test_relations_carry_their_quantities() -> None:
    doc = ingest_bytes("专任教师1493人（小学957人、初中536人）。".encode(), "x.txt")
    (rel,) = extract_relations(doc, find_quantities(doc.text))
    assert rel.kind == "sum" and rel.mode == "partition"
    assert [str(p.value) for p in rel.parts] == ["957", "536"]
    assert str(rel.roles["total"].value) == "1493"


def test_shares_after_qizhong_take_the_whole_from_the_sentence_before() -> None:
    text = (
        "全县适龄残疾儿童少年276人，入学272人，入学率98.6%。其中，在特殊教育学校就读154人、"
        "占比56.6%，随班就读60人、占比22.1%，送教上门58人、占比21.3%。"
    )
    doc = ingest_bytes(text.encode(), "x.txt")
    relations = extract_relations(doc, find_quantities(doc.text))
    (group,) = [r for r in relations if r.kind == "shares"]
    assert str(group.roles["whole"].value) == "272"
    assert [str(p.value) for p in group.parts] == ["154", "60", "58"]


def test_growth_message_shows_base_and_rate() -> None:
    text = "2023年，全县一般公共预算教育支出262202.73万元，同比增加14683.35万元，增长8.9%。"
    (finding,) = audit(text)
    assert finding.formula == "14683.35万元 / (262202.73万元 − 14683.35万元) = 5.932% ≠ 8.9%"
    assert "247519.38万元" in finding.message


def test_corpus_mismatch_between_two_documents_of_one_district() -> None:
    from pipeline.engine.corpus import check_corpus

    def result(doc_id: str, teachers: int, quota: float) -> dict:
        evidence = {"start": 0, "end": 4, "text": "…"}
        return {
            "doc_id": doc_id,
            "path": f"{doc_id}.txt",
            "status": "ok",
            "meta": {"district": "甲区", "report_year": 2024},
            "indicators": [
                {
                    "code": "214",
                    "name": "优质高中招生名额分配比例",
                    "level": "all",
                    "value": quota,
                    "unit": "%",
                    "evidence": evidence,
                }
            ],
            "figures": [
                {
                    "label": "全区专任教师",
                    "value": teachers,
                    "unit": "人",
                    "level": "all",
                    "is_target": False,
                    "year": 2024,
                    "start": 0,
                    "end": 4,
                    "text": "…",
                }
            ],
        }

    assert check_corpus([result("a", 1493, 59.6), result("b", 1493, 59.64)]) == []
    found = check_corpus([result("a", 1493, 59.6), result("b", 1498, 61.2)])
    assert {(f["doc_id"], f["rule"], f["severity"]) for f in found} == {
        ("a", "corpus_mismatch", "warning"),
        ("b", "corpus_mismatch", "warning"),
    }
    assert len(found) == 4 and all(f["evidence"] and f["formula"] for f in found)
    other_year = result("b", 1498, 61.2)
    other_year["meta"]["report_year"] = 2023
    other_year["figures"][0]["year"] = 2023
    assert check_corpus([result("a", 1493, 59.6), other_year]) == []
