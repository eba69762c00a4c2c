"""Write the text of one synthetic document: quality-balance self-assessments, duty-performance
self-evaluations and implementation plans for fictional districts.

Every figure is chosen as an integer first and every derived figure (totals, percentages, growth
rates) is computed from those integers, so a document is consistent unless an inconsistency is
injected on purpose; each injection is recorded with the finding the audit should report.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from pipeline.synth.model import Block, Injected, SynthDoc
from pipeline.synth.numbers import growth, half_up, money, off_by, pct, show

CN_NUM = "一二三四五六七八九十"
CV_LIMIT = {"primary": Decimal("0.50"), "junior": Decimal("0.45")}
LEVEL_CN = {"primary": "小学", "junior": "初中"}

# code, name as in the national method, unit, (小学, 初中) standard, decimals of the value
RESOURCE = (
    ("101", "每百名学生拥有高于规定学历教师数", "人", ("4.2", "5.3"), 2),
    ("102", "每百名学生拥有县级及以上骨干教师数", "人", ("1", "1"), 2),
    ("103", "每百名学生拥有体育、艺术（美术、音乐）专任教师数", "人", ("0.9", "0.9"), 2),
    ("104", "生均教学及辅助用房面积", "平方米", ("4.5", "5.8"), 2),
    ("105", "生均体育运动场馆面积", "平方米", ("7.5", "10.2"), 2),
    ("106", "生均教学仪器设备值", "元", ("2000", "2500"), 0),
    ("107", "每百名学生拥有网络多媒体教室数", "间", ("2.3", "2.4"), 2),
)
# Government-guarantee and quality items: code, full name, short name.
GUARANTEE = (
    ("201", "县域内义务教育学校规划布局合理，符合国家规定要求", "学校规划布局"),
    (
        "202",
        "县域内城乡义务教育学校建设标准、教师编制标准、生均公用经费基准定额、基本装备配置标准统一",
        "四统一",
    ),
    ("203", "所有小学、初中每12个班级配备音乐、美术专用教室1间以上", "音美专用教室"),
    (
        "204",
        "所有小学、初中规模不超过2000人，九年一贯制学校义务教育阶段规模不超过2500人",
        "学校规模",
    ),
    ("205", "小学、初中所有班级学生数分别不超过45人、50人", "班额"),
    ("206", "不足100名学生村小学和教学点按100名学生核定公用经费", "小规模学校公用经费"),
    ("207", "特殊教育学校生均公用经费不低于6000元", "特殊教育公用经费"),
    ("208", "全县义务教育学校教师平均工资收入水平不低于当地公务员平均工资收入水平", "教师工资待遇"),
    ("209", "教师5年360学时培训完成率达到100%", "教师培训完成率"),
    (
        "210",
        "县级教育行政部门在核定的教职工编制总额和岗位总量内，统筹分配各校教职工编制和岗位数量",
        "教职工编制统筹",
    ),
    (
        "211",
        "全县每年交流轮岗教师的比例不低于符合交流条件教师总数的10%，其中骨干教师不低于交流轮岗教师总数的20%",
        "教师交流轮岗",
    ),
    ("212", "专任教师持有教师资格证上岗率达到100%", "专任教师持证上岗"),
    (
        "213",
        "城区和镇区公办小学、初中（不含寄宿制学校）就近划片入学比例分别达到100%、95%以上",
        "就近划片入学",
    ),
    ("214", "全县优质高中招生名额分配比例不低于50%，并向农村初中倾斜", "优质高中招生名额分配"),
    (
        "215",
        "留守儿童关爱体系健全，全县符合条件的随迁子女在公办学校和政府购买服务的民办学校就读的比例不低于85%",
        "留守儿童和随迁子女",
    ),
)
QUALITY = (
    ("301", "全县初中三年巩固率达到95%以上", "初中三年巩固率"),
    ("302", "全县残疾儿童少年入学率达到95%以上", "残疾儿童少年入学率"),
    ("303", "所有学校制定章程，实现学校管理与教学信息化", "学校章程与信息化"),
    ("304", "全县所有学校按照不低于学校年度公用经费预算总额的5%安排教师培训经费", "教师培训经费"),
    ("305", "教师能熟练运用信息化手段组织教学，设施设备利用率达到较高水平", "信息化教学"),
    ("306", "所有学校德育工作、校园文化建设水平达到良好以上", "德育和校园文化"),
    ("307", "课程开齐开足，教学秩序规范，综合实践活动有效开展", "课程开设"),
    ("308", "无过重课业负担", "课业负担"),
)
QUALITATIVE_TEXT = {
    "201": 0,
    "202": 1,
    "206": 2,
    "210": 3,
    "303": 4,
    "305": 5,
    "306": 6,
    "307": 7,
    "308": 8,
}

# Injections a quality-balance report can carry; duty reports only the arithmetic ones.
QUALITY_INJECTIONS = (
    "sum_mismatch",
    "percent_error",
    "percent_warning",
    "shares_forced_to_100",
    "growth_mismatch",
    "conclusion_schools",
    "conclusion_value",
    "conclusion_cv",
    "cv_above_limit",
    "below_standard",
)
DUTY_INJECTIONS = ("sum_mismatch", "percent_error", "percent_warning", "growth_mismatch")


@cache
def templates() -> dict:
    text = resources.files("pipeline.data").joinpath("synth_templates.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass
class Style:
    """How one document writes things; drawn once per document."""

    numbering: str  # "cn" 指标一 (restarting), "code" 指标101, "paren" （1）, "item" 第一项
    inline_conclusion: bool  # "（自评达标）" after the title instead of "自评结论：达标。"
    levels: int  # 0 "小学为…，初中为…", 1 "小学、初中分别为…、…", 2 "小学…、初中…"
    decimals: int  # decimals of percentages
    unit: str  # 区 or 县


def draw_style(rng: random.Random, district: str) -> Style:
    numbering = rng.choice(["cn", "code", "paren", "item"])
    return Style(
        numbering=numbering,
        inline_conclusion=numbering == "code" and rng.random() < 0.7,
        levels=rng.randrange(3),
        decimals=rng.choice([1, 1, 2]),
        unit=district[-1],
    )


def label(style: Style, index: int, code: str) -> str:
    """The numbering prefix of an indicator block."""
    if style.numbering == "code":
        return f"指标{code}："
    if style.numbering == "paren":
        return f"（{index}）"
    if style.numbering == "item":
        return f"第{cn(index)}项："
    return f"指标{cn(index)}："


def cn(n: int) -> str:
    if n <= 10:
        return CN_NUM[n - 1]
    return "十" + (CN_NUM[n - 11] if n > 10 else "")


def conclusion_line(verdict: str) -> str:
    return f"自评结论：{verdict}。"


# ---------------------------------------------------------------------------------------------
# shared pieces


@dataclass
class Basics:
    """The district's school, student and teacher counts (all parts sum to the totals)."""

    primary: int
    junior: int
    nine_year: int
    special: int
    students_primary: int
    students_junior: int
    teachers_primary: int
    teachers_junior: int

    @property
    def evaluated(self) -> int:
        return self.primary + self.junior + self.nine_year


def draw_basics(rng: random.Random) -> Basics:
    primary = rng.randint(14, 70)
    junior = rng.randint(5, max(6, primary // 2))
    sp, sj = rng.randint(9000, 60000), rng.randint(4000, 30000)
    return Basics(
        primary=primary,
        junior=junior,
        nine_year=rng.randint(0, 6),
        special=1,
        students_primary=sp,
        students_junior=sj,
        teachers_primary=sp // rng.randint(14, 19),
        teachers_junior=sj // rng.randint(10, 13),
    )


def basics_paragraph(doc: SynthDoc, rng: random.Random, b: Basics, u: str, inject: bool) -> None:
    """Schools, students and teachers with their parts; one total may be made wrong."""
    schools = [("小学", b.primary), ("初中", b.junior)]
    if b.nine_year:
        schools.append(("九年一贯制学校", b.nine_year))
    schools.append(("特殊教育学校", b.special))
    students = [("小学生", b.students_primary), ("初中生", b.students_junior)]
    teachers = [("小学", b.teachers_primary), ("初中", b.teachers_junior)]
    totals = {
        "schools": sum(n for _, n in schools),
        "students": sum(n for _, n in students),
        "teachers": sum(n for _, n in teachers),
    }
    wrong = rng.choice(list(totals)) if inject else None
    shown = dict(totals)
    if wrong:
        shift = rng.choice([-1, 1]) * rng.randint(2, 9)
        shown[wrong] = totals[wrong] + shift
    school_parts = "、".join(f"{name}{n}所" for name, n in schools)
    form = rng.randrange(2)
    s_sentence = (
        f"全{u}共有义务教育学校{shown['schools']}所，其中{school_parts}。"
        if form == 0
        else f"{doc.district}现有义务教育学校{shown['schools']}所，包括{school_parts.replace('、', '，')}。"
    )
    st_sentence = (
        f"义务教育阶段在校学生{shown['students']}人，其中小学生{b.students_primary}人、"
        f"初中生{b.students_junior}人。"
    )
    t_sentence = (
        f"专任教师{shown['teachers']}人（小学{b.teachers_primary}人、初中{b.teachers_junior}人），"
        "学历合格率均为100%。"
        if rng.random() < 0.5
        else f"全{u}共有专任教师{shown['teachers']}人，其中小学{b.teachers_primary}人、初中{b.teachers_junior}人。"
    )
    doc.para(s_sentence + st_sentence + t_sentence)
    if wrong:
        sentence = {"schools": s_sentence, "students": st_sentence, "teachers": t_sentence}[wrong]
        substring = {
            "schools": f"学校{shown['schools']}所",
            "students": f"在校学生{shown['students']}人",
            "teachers": f"专任教师{shown['teachers']}人",
        }[wrong]
        doc.injected.append(
            Injected(
                "sum_mismatch",
                "error",
                sentence,
                substring,
                {"stated_total": str(shown[wrong]), "sum_of_parts": str(totals[wrong])},
                f"合计写作{shown[wrong]}，分项之和为{totals[wrong]}",
            )
        )


def growth_sentence(doc: SynthDoc, rng: random.Random, year: int, u: str, inject: bool) -> str:
    """Education spending, its increase and growth rate (the rate may be made wrong)."""
    current = rng.randint(4_000_000, 30_000_000)  # 0.01 万元 units: 4 万 to 30 万 万元
    increase = current * rng.randint(30, 150) // 1000
    decimals = rng.choice([1, 2])
    rate = growth(current, increase, decimals)
    shown = rate
    if inject:
        units = rng.choice([-1, 1]) * rng.randint(5, 30)
        shown = off_by(rate, decimals, units)
    verb = rng.choice(["比上年增加", "较上年增加", "同比增加"])
    head = rng.choice(["教育经费总投入", "一般公共预算教育支出", "财政性教育经费支出"])
    sentence = (
        f"{year}年，全{u}{head}{show(money(current))}万元，{verb}{show(money(increase))}万元，"
        f"增长{show(shown)}%。"
    )
    doc.para(sentence + rng.choice(["", "持续实现“两个只增不减”。", "教育投入保持稳定增长。"]))
    if inject:
        doc.injected.append(
            Injected(
                "growth_mismatch",
                "error",
                sentence,
                f"增长{show(shown)}%",
                {
                    "current": show(money(current)),
                    "increase": show(money(increase)),
                    "reported": show(shown),
                    "expected": show(rate),
                },
                f"增长率应为{show(rate)}%，报告写作{show(shown)}%",
            )
        )
    return sentence


def reported_percent(
    rng: random.Random, part: int, whole: int, decimals: int, mode: str | None
) -> tuple[Decimal, Decimal]:
    """(true half-up rounding, value written): off by one last digit (warning) or ≥3 (error)."""
    true = pct(part, whole, decimals)
    if mode == "percent_warning":
        return true, off_by(true, decimals, 1)
    if mode == "percent_error":
        units = rng.randint(3, 9)
        sign = -1 if true + units * Decimal(1).scaleb(-decimals) > 100 else rng.choice([-1, 1])
        return true, off_by(true, decimals, sign * units)
    return true, true


def survey_sentence(doc: SynthDoc, rng: random.Random, decimals: int, mode: str | None) -> None:
    """Questionnaire counts and the overall satisfaction (social recognition, 401)."""
    sent = rng.randint(300, 5000)
    valid = sent - rng.randint(0, sent // 20)
    satisfied = valid * rng.randint(870, 985) // 1000
    true, shown = reported_percent(rng, satisfied, valid, decimals, mode)
    form = rng.randrange(2)
    if form == 0:
        sentence = (
            f"本次调查共发放问卷{sent}份，回收有效问卷{valid}份，其中满意问卷{satisfied}份，"
            f"综合满意度为{show(shown)}%。"
        )
    else:
        sentence = (
            f"此次调查发放问卷{sent}份，回收有效问卷{valid}份，满意{satisfied}份，"
            f"问卷调查综合满意度为{show(shown)}%。"
        )
    doc.para(sentence + "达到了社会认可度85%以上的要求。")
    doc.value("401", "all", shown, "%")
    if mode:
        record_percent(
            doc, mode, sentence, f"满意度为{show(shown)}%", satisfied, valid, true, shown
        )


def record_percent(
    doc: SynthDoc,
    mode: str,
    sentence: str,
    substring: str,
    part: int,
    whole: int,
    true: Decimal,
    shown: Decimal,
    code: str | None = None,
) -> None:
    severity = "warning" if mode == "percent_warning" else "error"
    doc.injected.append(
        Injected(
            "percent_mismatch",
            severity,
            sentence,
            substring,
            {
                "part": str(part),
                "whole": str(whole),
                "reported": show(shown),
                "expected": show(true),
            },
            f"{part}/{whole}应为{show(true)}%，报告写作{show(shown)}%",
            code,
        )
    )


# ---------------------------------------------------------------------------------------------
# quality-balance self-assessment


def quality_report(doc: SynthDoc, rng: random.Random, year: int, injections: list[str]) -> None:
    t = templates()["prose"]
    style = draw_style(rng, doc.district)
    u = style.unit
    b = draw_basics(rng)
    doc.blocks.append(Block("title", doc.title))
    doc.para(
        rng.choice(t["openings"]).format(d=doc.district, u=u)
        + rng.choice(t["report_intro"]).format(d=doc.district, u=u)
    )
    doc.heading("一、基本情况")
    basics_paragraph(doc, rng, b, u, "sum_mismatch" in injections)
    doc.heading("二、指标达标情况")
    doc.heading("（一）资源配置")
    resource_block_intro(doc, rng, b)
    res_injection = next(
        (i for i in injections if i.startswith(("conclusion_", "cv_above", "below_"))), None
    )
    target = rng.choice(RESOURCE)[0] if res_injection else None
    for index, spec in enumerate(RESOURCE, start=1):
        resource_indicator(
            doc, rng, style, index, spec, b, res_injection if spec[0] == target else None
        )
    doc.heading("（二）政府保障程度")
    percent_mode = next((i for i in injections if i.startswith("percent_")), None)
    percent_target = rng.choice(["214", "401"]) if percent_mode else None
    for index, (code, name, short) in enumerate(GUARANTEE, start=1):
        guarantee_item(
            doc,
            rng,
            style,
            index,
            code,
            name,
            short,
            b,
            year,
            percent_mode if percent_target == code else None,
        )
    doc.heading("（三）教育质量")
    for index, (code, name, short) in enumerate(QUALITY, start=1):
        quality_item(
            doc, rng, style, index, code, name, short, b, year, "shares_forced_to_100" in injections
        )
    doc.heading("（四）社会认可度")
    doc.para(
        f"{year}年初，{doc.district}委托第三方机构面向学生家长、教师和社会各界开展社会认可度问卷调查。"
    )
    survey_sentence(doc, rng, style.decimals, percent_mode if percent_target == "401" else None)
    doc.heading("（五）一票否决")
    doc.para(rng.choice(t["veto"]).format(u=u))
    doc.heading("三、主要做法和成效")
    for sentence in rng.sample(t["measures"], 3):
        doc.para(sentence)
    growth_sentence(doc, rng, year - 1, u, "growth_mismatch" in injections)
    doc.heading("四、存在的问题")
    doc.para("".join(rng.sample(t["problems"], 2)))
    doc.heading("五、下一步工作")
    doc.para("".join(rng.sample(t["next_steps"], 3)))
    doc.blocks.append(Block("sign", doc.publisher))
    doc.blocks.append(Block("sign", cn_date(doc.published)))
    doc.blocks.insert(3, Block("table", rows=school_table(b)))


def school_table(b: Basics) -> list[list[str]]:
    """基本情况 as a ruled table (rendered in PDF, DOCX and some HTML pages)."""
    rows = [["学段", "学校数（所）", "在校学生（人）", "专任教师（人）"]]
    rows.append(["小学", str(b.primary), str(b.students_primary), str(b.teachers_primary)])
    rows.append(["初中", str(b.junior), str(b.students_junior), str(b.teachers_junior)])
    return rows


def resource_block_intro(doc: SynthDoc, rng: random.Random, b: Basics) -> None:
    doc.para(
        "资源配置通过7项指标进行评价，要求每所学校至少6项指标达标、余项不低于标准的85%，"
        "小学、初中校际差异系数分别不高于0.50、0.45。"
        f"全{doc.district[-1]}纳入评估的学校共{b.evaluated}所（不含特殊教育学校）。"
    )


def resource_indicator(
    doc: SynthDoc,
    rng: random.Random,
    style: Style,
    index: int,
    spec: tuple,
    b: Basics,
    injection: str | None,
) -> None:
    code, name, unit, standards, decimals = spec
    std = {"primary": Decimal(standards[0]), "junior": Decimal(standards[1])}
    values = {lv: draw_above(rng, s, decimals) for lv, s in std.items()}
    cvs = {
        "primary": draw_cv(rng, Decimal("0.12"), Decimal("0.47")),
        "junior": draw_cv(rng, Decimal("0.10"), Decimal("0.42")),
    }
    total = b.evaluated
    meeting = total
    verdict = "达标"
    low_level = rng.choice(["primary", "junior"])
    if injection in ("conclusion_value", "below_standard"):
        values[low_level] = half_up(std[low_level] * Decimal(rng.randint(85, 97)) / 100, decimals)
        if values[low_level] >= std[low_level]:
            values[low_level] = std[low_level] - Decimal(1).scaleb(-decimals)
    if injection in ("conclusion_cv", "cv_above_limit"):
        limit = CV_LIMIT[low_level]
        cvs[low_level] = limit + Decimal(rng.randint(3, 90)) / 1000
    if injection == "conclusion_schools" or injection in ("below_standard", "cv_above_limit"):
        meeting = total - rng.randint(1, 3)
    elif injection is None and rng.random() < 0.12:
        meeting = total - rng.randint(1, 3)  # an honest shortfall, concluded 整改后达标
        verdict = "整改后达标"
    if injection in ("below_standard", "cv_above_limit"):
        verdict = "整改后达标"

    head = f"{label(style, index, code)}{name}"
    body: list[str] = []
    if rng.random() < 0.6:
        body.append(standard_sentence(std, unit))
    value_sentence = level_values(style, rng, doc.district[-1], name, values, unit)
    body.append(value_sentence)
    school_sentence = schools_sentence(rng, total, meeting, style.decimals)
    body.append(school_sentence)
    cv_sentence = cv_text(rng, cvs)
    body.append(cv_sentence)
    if meeting < total and verdict == "整改后达标":
        body.append("对未达标学校已制定“一校一案”整改计划，力争在下一学年完成整改。")
    write_block(doc, style, head, body, verdict)
    for level, v in values.items():
        doc.value(code, level, v, unit)

    if injection == "conclusion_schools":
        doc.injected.append(
            Injected(
                "conclusion_contradicts",
                "warning",
                school_sentence,
                school_sentence.rstrip("。"),
                {"schools_meeting": str(meeting), "schools_total": str(total)},
                f"达标学校{meeting}所，少于参评学校{total}所，但自评结论为“达标”",
                code,
            )
        )
    elif injection in ("conclusion_value", "below_standard"):
        v = values[low_level]
        doc.injected.append(
            Injected(
                "conclusion_contradicts" if injection == "conclusion_value" else "below_standard",
                "warning" if injection == "conclusion_value" else "info",
                value_sentence,
                f"{show(v)}{unit}",
                {"value": show(v), "standard": show(std[low_level]), "level": low_level},
                f"{LEVEL_CN[low_level]}{name}{show(v)}{unit}低于国家标准{show(std[low_level])}{unit}，自评结论为“{verdict}”",
                code,
            )
        )
    elif injection in ("conclusion_cv", "cv_above_limit"):
        c = cvs[low_level]
        doc.injected.append(
            Injected(
                "conclusion_contradicts" if injection == "conclusion_cv" else "cv_above_limit",
                "warning" if injection == "conclusion_cv" else "info",
                cv_sentence,
                f"{c:f}",
                {"cv": f"{c:f}", "limit": f"{CV_LIMIT[low_level]:f}", "level": low_level},
                f"{LEVEL_CN[low_level]}校际差异系数{c:f}超过{CV_LIMIT[low_level]:f}，自评结论为“{verdict}”",
                code,
            )
        )


def draw_above(rng: random.Random, standard: Decimal, decimals: int) -> Decimal:
    return half_up(standard * Decimal(rng.randint(108, 190)) / 100, decimals)


def draw_cv(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    return Decimal(rng.randint(int(low * 1000), int(high * 1000))) / 1000


def standard_sentence(std: dict[str, Decimal], unit: str) -> str:
    p, j = show(std["primary"]), show(std["junior"])
    if p == j:
        return f"标准：小学、初中均达到{p}{unit}以上。"
    return f"标准：小学达到{p}{unit}以上、初中达到{j}{unit}以上。"


def level_values(
    style: Style, rng: random.Random, u: str, name: str, values: dict, unit: str
) -> str:
    p, j = show(values["primary"]), show(values["junior"])
    lead = (
        rng.choice([f"全{u}", f"全{u}义务教育学校", "县域内"])
        if u == "县"
        else rng.choice([f"全{u}", "区域内"])
    )
    if style.levels == 0:
        return f"{lead}小学为{p}{unit}，初中为{j}{unit}。"
    if style.levels == 1:
        return f"{lead}小学、初中分别为{p}{unit}、{j}{unit}。"
    return f"{lead}小学{p}{unit}、初中{j}{unit}。"


def wan(yuan: int) -> Decimal:
    """A yearly salary in 万元 with four decimals, as reports write it (15.4203万元)."""
    return Decimal(yuan) / Decimal(10000)


def schools_sentence(rng: random.Random, total: int, meeting: int, decimals: int) -> str:
    if meeting == total:
        return rng.choice([f"达标学校{total}所，达标比例100%。", f"{total}所学校均达标。"])
    short = total - meeting
    ratio = show(pct(meeting, total, decimals))
    where = rng.choice(["小学", "初中"])
    return f"达标学校{meeting}所，不达标{where}{short}所，达标比例{ratio}%。"


def cv_text(rng: random.Random, cvs: dict[str, Decimal]) -> str:
    p, j = f"{cvs['primary']:f}", f"{cvs['junior']:f}"
    if rng.random() < 0.5:
        return f"校际差异系数小学、初中分别为{p}、{j}。"
    return f"小学校际差异系数为{p}，初中校际差异系数为{j}。"


def write_block(doc: SynthDoc, style: Style, head: str, body: list[str], verdict: str) -> None:
    """A block in the document's style: inline （自评达标） or a 自评结论 line at the end."""
    if style.inline_conclusion:
        doc.para(f"{head}（自评{verdict}）。" + "".join(body))
    else:
        doc.heading(f"{head}。")
        doc.para("".join(body))
        doc.para(conclusion_line(verdict))


def guarantee_item(
    doc: SynthDoc,
    rng: random.Random,
    style: Style,
    index: int,
    code: str,
    name: str,
    short: str,
    b: Basics,
    year: int,
    percent_mode: str | None,
) -> None:
    u = style.unit
    head = f"{label(style, index, code)}{short if style.numbering == 'code' else name}"
    d = style.decimals
    body: list[str] = []
    if code in QUALITATIVE_TEXT:
        body.append(templates()["prose"]["qualitative"][QUALITATIVE_TEXT[code]])
    elif code == "203":
        body.append(
            f"全{u}小学、初中均按每12个班配备音乐、美术专用教室各1间以上，专用教室面积符合要求。"
        )
    elif code == "204":
        p, j = rng.randint(900, 1980), rng.randint(700, 1950)
        body.append(f"全{u}规模最大的小学有学生{p}人，规模最大的初中有学生{j}人，均未超过2000人。")
        doc.value("204", "primary", Decimal(p), "人")
        doc.value("204", "junior", Decimal(j), "人")
    elif code == "205":
        p, j = rng.randint(38, 45), rng.randint(42, 50)
        body.append(f"全{u}小学最大班额{p}人，初中最大班额{j}人，无超标班额。")
        doc.value("205", "primary", Decimal(p), "人")
        doc.value("205", "junior", Decimal(j), "人")
    elif code == "207":
        v = Decimal(rng.choice([6000, 6000, 6500, 7000, 8000]))
        body.append(f"特殊教育学校生均公用经费按每生每年{show(v)}元拨付。")
        doc.value("207", "all", v, "元")
    elif code == "208":
        civil = rng.randint(100000, 160000)
        teacher = civil + rng.randint(500, 9000)
        body.append(
            f"{year - 1}年全{u}义务教育学校教师年平均工资收入{show(wan(teacher))}万元，"
            f"当地公务员年平均工资收入{show(wan(civil))}万元，教师工资收入不低于当地公务员。"
        )
        doc.value("208", "all", wan(teacher), "万元")
    elif code == "209":
        body.append("义务教育学校教师5年360学时培训完成率达100%。")
        doc.value("209", "all", Decimal(100), "%")
    elif code == "211":
        eligible = rng.randint(600, 2400)
        moved = eligible * rng.randint(110, 250) // 1000
        backbone = moved * rng.randint(210, 400) // 1000
        r1, r2 = pct(moved, eligible, d), pct(backbone, moved, d)
        body.append(
            f"上一学年全{u}符合交流条件教师{eligible}人，交流轮岗{moved}人，占比{show(r1)}%；"
            f"其中骨干教师{backbone}人，占交流轮岗教师总数的{show(r2)}%。"
        )
        doc.value("211", "all", r1, "%")
    elif code == "212":
        t = b.teachers_primary + b.teachers_junior
        body.append(f"全{u}义务教育阶段专任教师均持有教师资格证，持证上岗率100%。")
        doc.value("212", "all", Decimal(100), "%")
        del t
    elif code == "213":
        j = Decimal(rng.randint(960, 1000)) / 10
        body.append(f"城区和镇区公办小学就近划片入学比例为100%，初中为{show(j)}%。")
        doc.value("213", "primary", Decimal(100), "%")
        doc.value("213", "junior", j, "%")
    elif code == "214":
        quota = rng.randint(1200, 5000)
        given = quota * rng.randint(520, 760) // 1000
        true, shown = reported_percent(rng, given, quota, d, percent_mode)
        sentence = f"{year - 1}年全{u}优质高中招生名额总数{quota}人，分配到校名额{given}人，占比{show(shown)}%。"
        body.append(sentence + "分配名额向农村初中倾斜。")
        doc.value("214", "all", shown, "%")
        if percent_mode:
            record_percent(
                doc, percent_mode, sentence, f"占比{show(shown)}%", given, quota, true, shown, "214"
            )
    elif code == "215":
        n = rng.randint(800, 6000)
        m = n - rng.randint(0, n // 20)
        r = pct(m, n, d)
        body.append(
            f"建立健全留守儿童关爱体系。全{u}符合条件的随迁子女{n}人，"
            f"在公办学校和政府购买服务的民办学校就读{m}人，占比{show(r)}%。"
        )
        doc.value("215", "all", r, "%")
    write_block(doc, style, head, body, "达标")


def quality_item(
    doc: SynthDoc,
    rng: random.Random,
    style: Style,
    index: int,
    code: str,
    name: str,
    short: str,
    b: Basics,
    year: int,
    force_shares: bool,
) -> None:
    u = style.unit
    head = f"{label(style, index, code)}{short if style.numbering == 'code' else name}"
    body: list[str] = []
    if code in QUALITATIVE_TEXT:
        body.append(templates()["prose"]["qualitative"][QUALITATIVE_TEXT[code]])
    elif code == "301":
        r = Decimal(rng.randint(960, 999)) / 10
        body.append(f"建立控辍保学工作机制，{year - 1}年全{u}初中三年巩固率为{show(r)}%。")
        doc.value("301", "all", r, "%")
    elif code == "302":
        body.append(disabled_children(doc, rng, u, force_shares))
    elif code == "304":
        budget = rng.randint(300_000, 900_000)
        training = budget * rng.randint(52, 90) // 1000
        r = half_up(Decimal(training) * 100 / Decimal(budget), 2)
        body.append(
            f"全{u}义务教育学校年度公用经费预算总额{show(money(budget))}万元，"
            f"安排教师培训经费{show(money(training))}万元，占比{show(r)}%。"
        )
        doc.value("304", "all", r, "%")
    write_block(doc, style, head, body, "达标")


def disabled_children(doc: SynthDoc, rng: random.Random, u: str, force: bool) -> str:
    """Enrolment of disabled children and three placement shares of the enrolled whole."""
    while True:
        counts = [rng.randint(30, 160), rng.randint(60, 300), rng.randint(15, 80)]
        whole = sum(counts)
        shares = [pct(c, whole, 1) for c in counts]
        total = sum(shares)
        gaps = [Decimal(c) * 100 / Decimal(whole) - s for c, s in zip(counts, shares, strict=True)]
        if not force:
            break
        # 99.9: raise the share closest to rounding up (it becomes its ceiling);
        # 100.1: lower a share that half-up rounded down, so it matches no common rounding.
        if total < 100:
            adjusted = max(range(3), key=lambda i: gaps[i])
            break
        if total > 100 and any(g > 0 for g in gaps):
            adjusted = max(range(3), key=lambda i: gaps[i])
            break
    written = list(shares)
    if force:
        written[adjusted] += Decimal("0.1") if total < 100 else Decimal("-0.1")
    one_sentence = rng.random() < 0.5  # "共S人，入学率100%，其中…" as one sentence
    eligible = whole if one_sentence else whole + rng.randint(1, 6)
    rate = pct(whole, eligible, 1)
    doc.value("302", "all", rate, "%")
    names = ["在特殊教育学校就读", "随班就读", "送教上门"]
    parts = "，".join(
        f"{n}{c}人、占比{show(s)}%" for n, c, s in zip(names, counts, written, strict=True)
    )
    if one_sentence:
        first, second = (
            "",
            f"全{u}义务教育阶段适龄残疾儿童少年共{whole}人，入学率100%，其中，{parts}。",
        )
    else:
        first = f"全{u}适龄残疾儿童少年{eligible}人，入学{whole}人，入学率{show(rate)}%。"
        second = f"其中，{parts}。"
    if force:
        doc.injected.append(
            Injected(
                "shares_forced_to_100",
                "warning",
                second,
                f"{names[adjusted]}{counts[adjusted]}人、占比{show(written[adjusted])}%",
                {
                    "counts": "/".join(map(str, counts)),
                    "whole": str(whole),
                    "written": "/".join(show(s) for s in written),
                    "half_up": "/".join(show(s) for s in shares),
                },
                f"按人数四舍五入各项占比之和为{show(total)}%，报告调整为100%",
            )
        )
    return first + second


# ---------------------------------------------------------------------------------------------
# duty-performance self-evaluation and implementation plan


def duty_report(doc: SynthDoc, rng: random.Random, year: int, injections: list[str]) -> None:
    t = templates()["prose"]
    u = doc.district[-1]
    b = draw_basics(rng)
    d = rng.choice([1, 2])
    doc.blocks.append(Block("title", doc.title))
    doc.para(
        rng.choice(t["openings"]).format(d=doc.district, u=u)
        + f"现将{year}年度履行教育职责情况自评如下："
    )
    doc.heading("一、基本情况")
    basics_paragraph(doc, rng, b, u, "sum_mismatch" in injections)
    doc.heading("二、履行教育职责情况")
    doc.heading("（一）落实教育优先发展，保障经费投入")
    growth_sentence(doc, rng, year, u, "growth_mismatch" in injections)
    doc.para(
        f"严格落实生均公用经费基准定额，小学每生每年{rng.choice([650, 700, 720, 750])}元，"
        f"初中每生每年{rng.choice([850, 900, 950, 1000])}元，足额拨付到校。"
    )
    doc.heading("（二）推进义务教育优质均衡发展")
    r301 = Decimal(rng.randint(960, 999)) / 10
    r302 = Decimal(rng.randint(950, 1000)) / 10
    doc.para(
        f"健全控辍保学长效机制，{year}年全{u}初中三年巩固率达{show(r301)}%，"
        f"残疾儿童少年入学率为{show(r302)}%。" + rng.choice(t["measures"])
    )
    doc.value("301", "all", r301, "%")
    doc.value("302", "all", r302, "%")
    doc.heading("（三）加强教师队伍建设")
    doc.para(
        rng.choice(t["measures"])
        + "义务教育学校教师平均工资收入水平不低于当地公务员平均工资收入水平。"
    )
    doc.heading("（四）群众满意度")
    percent_mode = next((i for i in injections if i.startswith("percent_")), None)
    survey_sentence(doc, rng, d, percent_mode)
    doc.heading("三、存在的问题")
    doc.para("".join(rng.sample(t["problems"], 2)))
    doc.heading("四、下一步打算")
    doc.para("".join(rng.sample(t["next_steps"], 2)))
    doc.blocks.append(Block("sign", doc.publisher))
    doc.blocks.append(Block("sign", cn_date(doc.published)))
    doc.blocks.insert(3, Block("table", rows=school_table(b)))


def plan_document(doc: SynthDoc, rng: random.Random, year: int) -> None:
    """Targets for future years: none of them is a current figure or a problem."""
    t = templates()["prose"]
    u = doc.district[-1]
    y1, y2 = year + 2, year + 4
    doc.blocks.append(Block("title", doc.title))
    doc.para(
        f"为推动全{u}义务教育优质均衡发展，满足人民群众对公平而有质量教育的需求，结合{doc.district}实际，制定本方案。"
    )
    doc.heading("一、总体要求")
    doc.para(rng.choice(t["openings"]).format(d=doc.district, u=u))
    doc.heading("二、主要目标")
    doc.para(
        f"到{y1}年，全{u}义务教育学校资源配置7项指标全部达到国家标准，"
        f"小学、初中校际差异系数分别控制在0.45、0.40以内；"
        f"初中三年巩固率保持在{rng.choice([98, 99])}%以上，残疾儿童少年入学率达到{rng.choice([96, 97, 98])}%以上。"
    )
    doc.para(
        f"到{y2}年，优质高中招生名额分配比例达到{rng.choice([55, 60, 65])}%以上，"
        f"社会认可度达到{rng.choice([90, 92, 95])}%以上，"
        f"新增义务教育学位{rng.randint(20, 90) * 100}个，新建、改扩建学校{rng.randint(4, 15)}所，"
        f"成功创建全国义务教育优质均衡发展{u}。"
    )
    doc.heading("三、重点任务")
    for i, task in enumerate(rng.sample(t["plan_tasks"], 4), start=1):
        doc.para(f"（{cn(i)}）{task}")
    doc.heading("四、保障措施")
    for sentence in t["plan_safeguards"]:
        doc.para(sentence)
    doc.blocks.append(Block("sign", doc.publisher))
    doc.blocks.append(Block("sign", cn_date(doc.published)))
    doc.blocks.insert(
        4,
        Block(
            "table",
            rows=[
                ["目标", f"{y1}年", f"{y2}年"],
                ["初中三年巩固率", "98%以上", "99%以上"],
                ["优质高中招生名额分配比例", "55%以上", "60%以上"],
            ],
        ),
    )


def cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{y}年{int(m)}月{int(d)}日"
