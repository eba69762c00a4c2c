"""Compare indicator values, coefficients of variation and quoted standards with the catalog,
and the report's own conclusion with its numbers.

A shortfall the report admits (整改后达标, 不达标) is worth a look (info); a 达标 conclusion
that its own numbers contradict is a warning, as the contract says.
"""

from __future__ import annotations

from decimal import Decimal

from pipeline.catalog import Standard, load_catalog
from pipeline.document import Document
from pipeline.engine.findings import Finding, fmt
from pipeline.extract.indicators import IndicatorValue
from pipeline.labels import LEVEL_LABEL

CLAIMS_MET = ("达标",)


def check_standards(doc: Document, indicators: list[IndicatorValue], meta: dict) -> list[Finding]:
    if meta.get("kind") == "basic_balance_self_assessment":
        return []  # thresholds of the quality-balance catalog do not apply
    findings: list[Finding] = []
    catalog = load_catalog()
    cv_limits = catalog.frameworks["quality_balance"].cv_limit
    for item in indicators:
        indicator = catalog.indicator(item.code)
        findings += _value_check(item, indicator.standard_for(item.level), indicator.short)
        findings += _school_check(item, indicator.short)
        if indicator.group == "resource":
            findings += _cv_check(item, cv_limits, indicator.short)
        findings += _stated_check(
            item,
            indicator.standard_for(item.stated_standard.level) if item.stated_standard else None,
            indicator.short,
        )
    return findings


def meets_standard(item: IndicatorValue, standard) -> bool | None:
    """Exact comparison with the national threshold; school counts decide per-school items."""
    if item.value is not None and standard is not None and standard.value is not None:
        q = item.value.quantity
        value = (
            q.value * q.scale
            if standard.unit and q.unit != standard.unit and q.scale != 1
            else q.value
        )
        if q.qualifier in (
            "以上",
            "超过",
            "不低于",
            "不少于",
            "高于",
            "逾",
            "余",
            "多",
        ) and standard.op in (">=", ">"):
            return value >= standard.value  # a lower bound at or above the bar meets it
        if q.exact:
            return standard.check(value)
        return None
    if item.schools_total and item.schools_meeting is not None:
        return item.schools_meeting >= item.schools_total
    return None


def _claims_met(item: IndicatorValue) -> bool:
    return item.self_conclusion in CLAIMS_MET


def _value_check(item: IndicatorValue, standard: Standard | None, name: str) -> list[Finding]:
    if item.value is None or standard is None or standard.value is None:
        return []
    if meets_standard(item, standard) is not False:
        return []
    q = item.value.quantity
    reported = f"{fmt(q.value)}{q.unit}"
    level = LEVEL_LABEL.get(item.level, item.level)
    formula = f"{level}{name} {reported} {standard.op} {fmt(standard.value)}{standard.unit} 不成立"
    if _claims_met(item):
        return [
            Finding(
                "conclusion_contradicts",
                "warning",
                f"{level}“{name}”为{reported}，未达到国家标准{standard.op}{fmt(standard.value)}{standard.unit}，但自评结论为“达标”",
                formula,
                item.value.start,
                item.value.end,
                q.value,
                standard.value,
                item.code,
            )
        ]
    return [
        Finding(
            "below_standard",
            "info",
            f"{level}“{name}”为{reported}，低于国家标准{standard.op}{fmt(standard.value)}{standard.unit}（报告自评：{item.self_conclusion or '未写明'}）",
            formula,
            item.value.start,
            item.value.end,
            q.value,
            standard.value,
            item.code,
        )
    ]


def _school_check(item: IndicatorValue, name: str) -> list[Finding]:
    """达标 concluded while fewer schools meet the standard than were evaluated."""
    total, meeting = item.schools_total, item.schools_meeting
    if not total or meeting is None or meeting >= total or not _claims_met(item):
        return []
    start, end = item.schools_span or item.conclusion_span or (item.start, item.start + 1)
    share = Decimal(meeting) * 100 / Decimal(total)
    basic = f"（另有{item.schools_basic}所仅基本达标）" if item.schools_basic else ""
    return [
        Finding(
            "conclusion_contradicts",
            "warning",
            f"“{name}”达标学校{meeting}所，共{total}所{basic}，达标比例{fmt(share, 1)}%，但自评结论为“达标”",
            f"{meeting} / {total} = {fmt(share, 1)}% < 100%",
            start,
            end,
            Decimal(100),
            share.quantize(Decimal("0.01")),
            item.code,
        )
    ]


def _cv_check(item: IndicatorValue, limits: dict, name: str) -> list[Finding]:
    findings = []
    for level, fig in item.cv.items():
        limit = limits.get(level)
        value = fig.quantity.value
        if limit is None or value <= Decimal(str(limit)):
            continue
        level_name = LEVEL_LABEL[level]
        claims = _claims_met(item)
        findings.append(
            Finding(
                "conclusion_contradicts" if claims else "cv_above_limit",
                "warning" if claims else "info",
                f"{level_name}“{name}”校际差异系数{fmt(value)}，超过国家要求≤{fmt(Decimal(str(limit)))}"
                + (
                    "，但自评结论为“达标”"
                    if claims
                    else f"（报告自评：{item.self_conclusion or '未写明'}）"
                ),
                f"{fmt(value)} > {fmt(Decimal(str(limit)))}",
                fig.start,
                fig.end,
                value,
                Decimal(str(limit)),
                item.code,
            )
        )
    return findings


def _stated_check(item: IndicatorValue, national: Standard | None, name: str) -> list[Finding]:
    """The standard the report quotes against the national one."""
    fig = item.stated_standard
    if fig is None or national is None or national.value is None or fig.quantity.scale != 1:
        return []
    stated = fig.quantity.value
    if stated == national.value:
        return []
    laxer = stated < national.value if national.op in (">=", ">") else stated > national.value
    level = LEVEL_LABEL.get(fig.level, fig.level)
    return [
        Finding(
            "stated_standard_differs",
            "warning" if laxer else "info",
            f"报告引用的{level}“{name}”标准为{fmt(stated)}{fig.quantity.unit}，国家标准为{national.op}{fmt(national.value)}{national.unit}"
            + ("，报告标准低于国家标准" if laxer else "，报告标准高于国家标准"),
            f"{fmt(stated)} ≠ {fmt(national.value)}",
            fig.start,
            fig.end,
            stated,
            national.value,
            item.code,
        )
    ]
