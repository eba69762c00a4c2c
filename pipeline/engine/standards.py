"""Compare indicator values, coefficients of variation and quoted standards with the catalog,
and the report's own conclusion with its numbers.

A shortfall the report admits (整改后达标, 不达标) is worth a look (info); a 达标 conclusion
that its own numbers contradict is a warning, as the contract says.
"""

from __future__ import annotations

from decimal import Decimal

from pipeline.catalog import Standard, load_catalog
from pipeline.data import lexicon
from pipeline.document import Document
from pipeline.engine.findings import Finding, finding, fmt
from pipeline.extract.indicators import IndicatorValue
from pipeline.labels import LEVEL_LABEL

CLAIMS_MET = ("达标",)
_LOWER_BOUNDS = frozenset(lexicon()["qualifiers"]["lower_bounds"])
UNSTATED = "未写明"


class _At:
    """A finding's span when it is not a figure's."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end


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
        if q.qualifier in _LOWER_BOUNDS and standard.op in (">=", ">"):
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
    fields = {
        "level": level,
        "name": name,
        "reported": reported,
        "op": standard.op,
        "standard": f"{fmt(standard.value)}{standard.unit}",
        "conclusion": item.self_conclusion or UNSTATED,
    }
    rule_id = "conclusion_contradicts" if _claims_met(item) else "below_standard"
    where = item.value
    return [
        finding(
            rule_id, "beyond", where, formula, q.value, standard.value, code=item.code, **fields
        )
    ]


def _school_check(item: IndicatorValue, name: str) -> list[Finding]:
    """Fewer schools meet a per-school standard than were evaluated: a warning when the report
    still concludes 达标, the shortfall it concedes (整改后达标, 不达标, nothing) as info."""
    total, meeting = item.schools_total, item.schools_meeting
    if not total or meeting is None or meeting >= total:
        return []
    start, end = item.schools_span or item.conclusion_span or (item.start, item.start + 1)
    share = Decimal(meeting) * 100 / Decimal(total)
    basic = f"（另有{item.schools_basic}所仅基本达标）" if item.schools_basic else ""
    return [
        finding(
            "conclusion_contradicts" if _claims_met(item) else "below_standard",
            "beyond",
            _At(start, end),
            f"{meeting} / {total} = {fmt(share, 1)}% < 100%",
            Decimal(100),
            share.quantize(Decimal("0.01")),
            code=item.code,
            template="message_schools",
            name=name,
            meeting=meeting,
            total=total,
            basic=basic,
            share=fmt(share, 1),
            conclusion=item.self_conclusion or UNSTATED,
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
            finding(
                "conclusion_contradicts" if claims else "cv_above_limit",
                "beyond",
                fig,
                f"{fmt(value)} > {fmt(Decimal(str(limit)))}",
                value,
                Decimal(str(limit)),
                code=item.code,
                template="message_cv" if claims else "message",
                level=level_name,
                name=name,
                value=fmt(value),
                limit=fmt(Decimal(str(limit))),
                conclusion=item.self_conclusion or UNSTATED,
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
        finding(
            "stated_standard_differs",
            "laxer" if laxer else "stricter",
            fig,
            f"{fmt(stated)} ≠ {fmt(national.value)}",
            stated,
            national.value,
            code=item.code,
            template="message_laxer" if laxer else "message",
            level=level,
            name=name,
            stated=f"{fmt(stated)}{fig.quantity.unit}",
            national=f"{national.op}{fmt(national.value)}{national.unit}",
        )
    ]
