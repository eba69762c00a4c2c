"""Hand-made document results for the HTML report tests (and its README screenshots).

Offsets are found by searching the text, so every span really indexes the text it claims;
spans overlap on purpose (figures inside a finding's sentence, two findings sharing words).
"""

from __future__ import annotations

import hashlib
from typing import Any

PAYLOAD_SCRIPT = "<script>window.__pwned = 1; alert(1)</script>"
PAYLOAD_IMG = '<img src=x onerror="window.__pwned = 2; alert(2)">'


def locate(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Start and end of the nth occurrence of `needle` (fails loudly when the sample is wrong)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return at, at + len(needle)


def evidence(text: str, needle: str, nth: int = 0) -> dict[str, Any]:
    """An evidence object for a needle of the text."""
    start, end = locate(text, needle, nth)
    return {"start": start, "end": end, "text": text[start:end]}


def figure(text: str, needle: str, label: str, value: float, unit: str, **extra: Any) -> dict:
    """A figure located at `needle` in the text."""
    start, end = locate(text, needle, extra.pop("nth", 0))
    base = {"level": "all", "is_target": False, "year": None}
    return {"label": label, "value": value, "unit": unit, "start": start, "end": end,
            "text": needle, **base, **extra}  # fmt: skip


def finding(text: str, needle: str, rule: str, severity: str, message: str, formula: str,
            reported: float | None, expected: float | None) -> dict:  # fmt: skip
    """A finding whose evidence is `needle`."""
    return {"rule": rule, "severity": severity, "message": message, "formula": formula,
            "reported": reported, "expected": expected, "evidence": evidence(text, needle)}  # fmt: skip


def indicator(code: str, name: str, level: str, value: float | None, unit: str,
              standard: dict | None, meets: bool | None, text: str, needle: str,
              **extra: Any) -> dict:  # fmt: skip
    """An indicator with the fields the contract requires (schools/cv/conclusion optional)."""
    base = {"schools_total": None, "schools_meeting": None, "cv": None, "self_conclusion": None}
    return {"code": code, "name": name, "level": level, "value": value, "unit": unit,
            "standard": standard, "meets_standard": meets, "evidence": evidence(text, needle),
            **base, **extra}  # fmt: skip


def doc_id(text: str) -> str:
    """Like the pipeline: the first 16 hex chars of the sha256 of the bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def result(text: str, district: str, title: str, **fields: Any) -> dict:
    """A complete document result with sensible defaults."""
    meta = {"title": title, "district": district, "city": fields.pop("city", "示例市"),
            "province": "示例省", "kind": "quality_balance_self_assessment",
            "published": "2024-06-18", "publisher": f"{district}人民政府教育督导室",
            "report_year": 2024}  # fmt: skip
    meta.update(fields.pop("meta", {}))
    base = {"schema_version": 1, "doc_id": doc_id(text), "path": f"corpus/{district}.txt",
            "status": "ok", "error": None, "meta": meta, "indicators": [], "figures": [],
            "findings": []}  # fmt: skip
    return {**base, **fields}


GE50 = {"op": ">=", "value": 50, "unit": "%"}
GE85 = {"op": ">=", "value": 85, "unit": "%"}

QINGSHAN = (
    "青山区创建全国义务教育优质均衡发展区自查自评报告\n\n"
    "一、基本情况\n"
    "全区共有义务教育学校194所，其中小学120所、初中74所，在校学生41.6万人。\n"
    "2023年，全区进城务工人员随迁子女在公办学校和政府购买学位民办学校就读的比例为"
    "41/194=21.2%，已达到国家标准。\n\n"
    "二、资源配置\n"
    "全区小学每百名学生拥有高于规定学历教师数为4.6人，初中为5.1人，"
    "小学校际差异系数为0.503，初中为0.452。\n"
    "优质高中招生名额分配比例为59.6%，达标。\n"
    "全区义务教育学校教师交流轮岗比例为8.7%，已达标。\n"
)


def qingshan() -> tuple[dict, str]:
    """A district with a percentage error, a conclusion that contradicts its number, overlaps."""
    t = QINGSHAN
    sentence = "比例为41/194=21.2%，已达到国家标准。"
    findings = [
        finding(
            t,
            "41/194=21.2%",
            "percent_mismatch",
            "error",
            "随迁子女就读比例计算错误：41/194 应为 21.13%。",
            "41 / 194 = 21.13% ≠ 21.2%",
            21.2,
            21.13,
        ),  # fmt: skip
        finding(
            t,
            sentence,
            "conclusion_contradicts_standard",
            "warning",
            "自评“已达到国家标准”，但21.2%低于国家标准85%。",
            "21.2% < 85%",
            21.2,
            85,
        ),
        finding(
            t,
            "教师交流轮岗比例为8.7%，已达标",
            "conclusion_contradicts_standard",
            "warning",
            "交流轮岗比例8.7%低于10%，自评却为达标。",
            "8.7% < 10%",
            8.7,
            10,
        ),  # fmt: skip
        finding(
            t,
            "4.6人，初中为5.1人",
            "below_standard",
            "info",
            "初中高学历教师数5.1人低于国家标准5.3人。",
            "5.1 < 5.3",
            5.1,
            5.3,
        ),
    ]
    figures = [
        figure(t, "194所", "义务教育学校数", 194, "所"),
        figure(t, "41", "随迁子女学生数", 41, "人", nth=1),
        figure(t, "21.2%", "随迁子女就读比例", 21.2, "%"),
        figure(t, "4.6人", "高于规定学历教师数", 4.6, "人", level="primary"),
        figure(t, "5.1人", "高于规定学历教师数", 5.1, "人", level="junior"),
        figure(t, "59.6%", "优质高中名额分配比例", 59.6, "%"),
        figure(t, "8.7%", "交流轮岗比例", 8.7, "%"),
    ]
    indicators = [
        indicator(
            "101",
            "每百名学生拥有高于规定学历教师数",
            "primary",
            4.6,
            "人",
            {"op": ">=", "value": 4.2, "unit": "人"},
            True,
            t,
            "4.6人",
            schools_total=120,
            schools_meeting=118,
            cv={"primary": 0.503, "junior": 0.452},
        ),  # fmt: skip
        indicator(
            "214",
            "优质高中招生名额分配比例",
            "all",
            59.6,
            "%",
            GE50,
            True,
            t,
            "优质高中招生名额分配比例为59.6%，达标",
            self_conclusion="达标",
        ),  # fmt: skip
        indicator(
            "215",
            "随迁子女在公办学校和政府购买学位民办学校就读比例",
            "all",
            21.2,
            "%",
            GE85,
            False,
            t,
            sentence,
            self_conclusion="达标",
        ),  # fmt: skip
        indicator(
            "211",
            "教师交流轮岗比例",
            "all",
            8.7,
            "%",
            {"op": ">=", "value": 10, "unit": "%"},
            False,
            t,
            "8.7%",
            self_conclusion="达标",
        ),  # fmt: skip
    ]
    r = result(t, "青山区", "青山区创建全国义务教育优质均衡发展区自查自评报告",
               figures=figures, findings=findings, indicators=indicators,
               source_url="https://jw.example.gov.cn/qingshan/2024/zpbg.html",
               fetched_at="2024-07-01T09:30:00+08:00")  # fmt: skip
    return r, t


def simple_district(name: str, v214: float, v215: float, v211: float | None) -> tuple[dict, str]:
    """A clean district report giving a few indicator values (for the cross-district charts)."""
    t = (
        f"{name}义务教育优质均衡发展自评报告\n"
        f"优质高中招生名额分配比例为{v214}%。随迁子女就读比例为{v215}%。"
        + (f"教师交流轮岗比例为{v211}%。" if v211 is not None else "")
        + "\n"
    )
    inds = [
        indicator(
            "214", "优质高中招生名额分配比例", "all", v214, "%", GE50, v214 >= 50, t, f"{v214}%"
        ),
        indicator("215", "随迁子女就读比例", "all", v215, "%", GE85, v215 >= 85, t, f"{v215}%"),
    ]
    if v211 is not None:
        inds.append(
            indicator("211", "教师交流轮岗比例", "all", v211, "%", None, None, t, f"{v211}%")
        )
    figs = [figure(t, f"{v214}%", "名额分配比例", v214, "%")]
    return result(t, name, f"{name}义务教育优质均衡发展自评报告", indicators=inds, figures=figs), t


def hostile() -> tuple[dict, str]:
    """A document whose text, metadata and finding strings all try to inject markup and script."""
    t = (
        "恶意样本区自评报告\n"
        f"正文里有脚本：{PAYLOAD_SCRIPT}\n"
        f"还有图片：{PAYLOAD_IMG}\n"
        "以及引号 \" ' & 和 </div></mark> 结束标签，比例为50%。\n"
    )
    bad = '"><script>window.__pwned = 3</script><b onmouseover="window.__pwned=4">'
    findings = [
        finding(t, PAYLOAD_SCRIPT, "percent_mismatch", "error", f"消息{bad}", f"公式{bad}", 1, 2),
        finding(t, "onerror=", "sum_mismatch", "warning", "onerror 属性", "1 + 1 ≠ 3", 3, 2),
    ]
    figures = [figure(t, "50%", f"标签{bad}", 50, "%"), figure(t, "x onerror", "x", 1, "")]
    meta = {"title": f"恶意标题{PAYLOAD_SCRIPT}", "publisher": bad}
    r = result(t, "恶意样本区", "", meta=meta, findings=findings, figures=figures,
               source_url="javascript:window.__pwned=5", error=None)  # fmt: skip
    r["indicators"] = [
        indicator("214", f"名称{bad}", "all", 50, "%", GE50, True, t, "50%", self_conclusion=bad)
    ]
    return r, t


def failed() -> tuple[dict, str]:
    """A document that could not be read: no text, an error message, no findings."""
    r = result("", "石门县", "石门县自评报告", status="failed", doc_id="00000000deadbeef",
               error="PDF 已加密，无法提取文本：请提供未加密的文件。")  # fmt: skip
    r["meta"]["kind"] = None
    return r, ""


def corpus() -> tuple[list[dict], dict[str, str]]:
    """The sample corpus: results and their texts keyed by doc_id."""
    docs = [
        qingshan(),
        simple_district("临江县", 52.3, 91.0, 12.5),
        simple_district("白石县", 47.8, 86.4, 10.2),
        simple_district("云岭区", 61.0, 78.5, None),
        simple_district("南湖区", 55.5, 95.2, 15.0),
        hostile(),
        failed(),
    ]
    return [r for r, _ in docs], {r["doc_id"]: t for r, t in docs}
