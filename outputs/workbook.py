"""comparison.xlsx: the inspector's workbook, districts side by side on the same indicators.

Sheets: 对比表 (one row per district report, one column per indicator and level, with the
schools meeting it and the CVs beside it; red where a value misses the national standard,
orange where an open finding touches it, the finding as a cell comment), 问题清单 (every
finding with its review state), 汇总 (district × rule), 文档, 规则说明, 数据字典.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.xml.functions import tostring

from outputs.sheets import (
    dictionary_sheet,
    documents_sheet,
    findings_sheet,
    rules_sheet,
    summary_sheet,
)
from outputs.xlsx_sheet import LightCell, Sheet, save
from outputs.xlsx_style import ORANGE, RED, finish, header, link, report_page, source_target
from pipeline.labels import SEVERITY_LABEL
from pipeline.review import STATE_LABEL

VERDICT_FONT = Font(italic=True, color="FF666666")
LEVEL_CN = {
    "all": "",
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制",
    "special": "特教",
}
LEVEL_ORDER = {level: k for k, level in enumerate(LEVEL_CN)}
CV_LEVELS = ("primary", "junior")
CV_FRAMEWORK = {"basic_balance_self_assessment": "basic_balance"}
KIND_ORDER = {"value": 0, "schools": 1, "cv": 2}
AUTHOR = "edu-audit"
FIXED_HEADERS = ["区县", "报告年度", "标题", "报告页面", "来源", "文档编号"]


SHEET_ORDER = ("对比表", "问题清单", "汇总", "文档", "规则说明", "数据字典")


def write_workbook(results: list[dict], path: Path) -> Path:
    """Write the sheets; returns the path written."""
    results = sorted(results, key=document_order)
    sheets = {name: Sheet(name) for name in SHEET_ORDER}
    rule_rows = rules_sheet(sheets["规则说明"], results)
    comparison_sheet(sheets["对比表"], results)
    findings_sheet(sheets["问题清单"], results, rule_rows)
    summary_sheet(sheets["汇总"], results, rule_rows)
    documents_sheet(sheets["文档"], results)
    dictionary_sheet(sheets["数据字典"])
    wb = save(list(sheets.values()), path)
    _without_clock_times(wb, Path(path))
    return Path(path)


def document_order(result: dict) -> tuple:
    """Districts in order, each district's reports by year, then by file."""
    meta = result.get("meta") or {}
    return (
        meta.get("district") is None,
        str(meta.get("district") or ""),
        meta.get("report_year") or 0,
        str(result.get("path") or ""),
    )


# The same results give the same bytes: no wall-clock time in the properties or the zip. When
# a run happened is recorded in audit.sqlite (table runs).
FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_CORE = "docProps/core.xml"


def _without_clock_times(wb: Workbook, path: Path) -> None:
    """openpyxl stamps the zip members and the `modified` property with the time of saving
    (whatever was set before); rewrite the file with one fixed time."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    core = tostring(wb.properties.to_tree())
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # member by member: a sheet can be tens of MB
            member = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            if info.filename == _CORE:
                dst.writestr(member, core)
                continue
            with src.open(info) as body, dst.open(member, "w") as out:
                shutil.copyfileobj(body, out, 1 << 20)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- 对比表


@dataclass(frozen=True)
class Column:
    """One column of 对比表: an indicator's value at a level, the schools meeting it, or its CV."""

    code: str
    level: str
    kind: str = "value"  # "value" | "schools" | "cv"

    def header(self, unit: str | None = None) -> str:
        """ "101 小学" (or "101 差异系数 小学") on the first line, the short name and unit under it."""
        middle = {"cv": " 差异系数", "schools": " 达标学校"}.get(self.kind, "")
        head = f"{self.code}{middle} {LEVEL_CN.get(self.level, self.level)}".strip()
        short = _catalog_short().get(self.code)
        if self.kind == "schools":
            short = "达标校数/参评校数"
        elif self.kind == "value" and short and unit:
            short = f"{short}（{unit}）"
        return f"{head}\n{short}" if short else head


def corpus_columns(
    results: Iterable[dict],
) -> tuple[list[Column], dict[tuple[str, str], str], set[tuple[str, str]]]:
    """In one pass over the indicators (a held document's are decoded on each pass): the
    columns in catalog order, the first unit of each (code, level), and the (code, level)
    columns where some report gives a number (they hold numbers only)."""
    order = _catalog_order()
    columns: set[Column] = set()
    units: dict[tuple[str, str], str] = {}
    numeric: set[tuple[str, str]] = set()
    for result in results:
        for ind in result.get("indicators") or []:
            level = ind.get("level") or "all"
            columns.add(Column(ind["code"], level))
            if ind.get("schools_total"):
                columns.add(Column(ind["code"], level, "schools"))
            cv = ind.get("cv") or {}
            columns.update(
                Column(ind["code"], lv, "cv") for lv in CV_LEVELS if cv.get(lv) is not None
            )
            if ind.get("unit"):
                units.setdefault((ind["code"], level), ind["unit"])
            value = ind.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                numeric.add((ind["code"], level))
    ordered = sorted(
        columns,
        key=lambda c: (order.get(c.code, len(order)), c.code, c.kind == "cv",
                       LEVEL_ORDER.get(c.level, 99), c.level, KIND_ORDER[c.kind]),
    )  # fmt: skip
    return ordered, units, numeric


def comparison_sheet(ws: Sheet, results: list[dict]) -> None:
    """One row per document that names its district, one column per indicator and level."""
    ws.title = "对比表"
    rows = [r for r in results if (r.get("meta") or {}).get("district")]
    columns, units, numeric = corpus_columns(rows)
    headers = FIXED_HEADERS + [c.header(units.get((c.code, c.level))) for c in columns]
    header(ws, headers)
    first = len(FIXED_HEADERS) + 1
    decimals = dict.fromkeys(columns, 0)
    for r_index, result in enumerate(rows, start=2):
        meta = result.get("meta") or {}
        ws.cell(r_index, 1, meta.get("district"))
        ws.cell(r_index, 2, meta.get("report_year"))
        ws.cell(r_index, 3, meta.get("title"))
        link(ws.cell(r_index, 4), report_page(result), "打开")
        link(ws.cell(r_index, 5), source_target(result), "原文")
        ws.cell(r_index, 6, result["doc_id"])
        targets = finding_targets(result)
        values, cvs = _by_column(result.get("indicators") or [])
        for c_index, column in enumerate(columns, start=first):
            indicator = values.get((column.code, column.level))
            decimals[column] = max(decimals[column], _decimals(indicator))
            if column.kind == "cv":
                cv = cvs.get((column.code, column.level))
                if cv is not None:
                    _cv_cell(ws.cell(r_index, c_index), column, result, cv)
            elif indicator is None:
                continue  # an empty cell: the column's number format is added at saving
            elif column.kind == "schools":
                _schools_cell(ws.cell(r_index, c_index), indicator)
            else:
                numbers = (column.code, column.level) in numeric
                _indicator_cell(ws.cell(r_index, c_index), indicator, targets, numbers)
    for c_index, column in enumerate(columns, start=first):
        fmt = "0.000" if column.kind == "cv" else _number_format(decimals[column])
        ws.column_formats[c_index] = fmt
    finish(ws, headers, freeze="C2", widths={1: 16, 2: 8, 3: 40, 6: 18}, header_height=46)


def _by_column(indicators: Iterable[dict]) -> tuple[dict, dict]:
    """A document's first indicator of each (code, level), and its first CV of each (code, CV
    level): looked up once per cell instead of scanning the indicators for each."""
    values: dict[tuple[str, str], dict] = {}
    cvs: dict[tuple[str, str], object] = {}
    for ind in indicators:
        values.setdefault((ind["code"], ind.get("level") or "all"), ind)
        for level, cv in (ind.get("cv") or {}).items():
            if cv is not None:
                cvs.setdefault((ind["code"], level), cv)
    return values, cvs


def _decimals(indicator: dict | None) -> int:
    """How many decimals the indicator's value states (0 for none or an integer)."""
    value = None if indicator is None else indicator.get("value")
    if not isinstance(value, float):
        return 0
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


def _number_format(decimals: int) -> str:
    """As many decimals as the most precise value of the column states (at most 4)."""
    return "0" if decimals == 0 else "0." + "0" * min(decimals, 4)


def _indicator_cell(cell: LightCell, indicator: dict, targets: dict, numeric: bool) -> None:
    """Value, red below standard, orange when an open finding touches it; the comment says why.

    A report that states only its verdict gets the verdict as text in a qualitative column; in a
    numeric column the cell stays empty (numbers only) and the verdict goes into the comment.
    """
    value = indicator.get("value")
    notes = []
    if value is None and indicator.get("self_conclusion"):
        if numeric:
            notes.append(f"报告未给出数值，自评结论：{indicator['self_conclusion']}")
        else:
            value = indicator["self_conclusion"]
            cell.font = VERDICT_FONT
    cell.value = value
    if indicator.get("meets_standard") is False:
        std = indicator.get("standard") or {}
        bar = f"（标准 {std.get('op', '')} {std.get('value', '')}{std.get('unit') or ''}）"
        notes.append("未达到国家标准" + (bar if std else ""))
        if indicator.get("schools_total"):
            notes.append(
                f"达标学校 {indicator.get('schools_meeting')}/{indicator['schools_total']} 所"
            )
    touching = targets.get(id(indicator), [])
    notes += [_finding_note(f) for f in touching]
    if indicator.get("meets_standard") is False:
        cell.fill = RED
    elif any(f.get("review") != "dismissed" for f in touching):
        cell.fill = ORANGE
    _comment(cell, notes)


def _schools_cell(cell: LightCell, indicator: dict) -> None:
    """Schools meeting / evaluated, red when not all meet."""
    total, meeting = indicator.get("schools_total"), indicator.get("schools_meeting")
    cell.value = f"{'' if meeting is None else meeting}/{total}"
    if meeting is not None and total is not None and meeting < total:
        cell.fill = RED


def _cv_cell(cell: LightCell, column: Column, result: dict, cv: object) -> None:
    """The CV at a level; red above the framework's limit, orange when an open CV finding names it."""
    cell.value = cv
    notes = []
    limit = _cv_limits(result).get(column.level)
    if limit is not None and Decimal(str(cv)) > limit:
        cell.fill = RED
        notes.append(f"差异系数 {cv} 超过 {limit}")
    findings = [
        f for f in result.get("findings") or []
        if _is_cv_finding(f) and str(f.get("code")) == column.code and f.get("reported") == cv
    ]  # fmt: skip
    if any(f.get("review") != "dismissed" for f in findings) and cell.fill is None:
        cell.fill = ORANGE
    _comment(cell, notes + [_finding_note(f) for f in findings])


def _comment(cell: LightCell, notes: list[str]) -> None:
    if notes:
        cell.comment = Comment("\n".join(notes), AUTHOR, width=320, height=40 + 40 * len(notes))


def _is_cv_finding(finding: dict) -> bool:
    """Findings about a coefficient of variation: they belong in the CV columns."""
    return str(finding.get("rule") or "").startswith("cv_") or "差异系数" in str(
        finding.get("message") or ""
    )


def finding_targets(result: dict) -> dict[int, list[dict]]:
    """id(indicator) → the findings about its value (CV findings go to the CV columns).

    A finding naming an indicator code goes to the one indicator of that code (and its level,
    when the finding gives one) whose evidence overlaps or lies nearest to the finding's, so a
    小学 finding never colours the 初中 cell; a finding without a code goes to every indicator
    whose evidence it overlaps.
    """
    indicators = result.get("indicators") or []
    targets: dict[int, list[dict]] = {}
    for finding in result.get("findings") or []:
        if _is_cv_finding(finding):
            continue
        ev = finding.get("evidence") or {}
        if finding.get("code") is not None:
            same = [
                i for i in indicators
                if str(i["code"]) == str(finding["code"])
                and finding.get("level") in (None, "all", i.get("level") or "all")
            ]  # fmt: skip
            if same:
                best = min(same, key=lambda i: _distance(i.get("evidence") or {}, ev))
                targets.setdefault(id(best), []).append(finding)
            continue
        for ind in indicators:
            if _distance(ind.get("evidence") or {}, ev) == 0:
                targets.setdefault(id(ind), []).append(finding)
    return targets


def _distance(a: dict, b: dict) -> float:
    """0 when two spans overlap, else the gap between them (infinite when one is unknown)."""
    if None in (a.get("start"), a.get("end"), b.get("start"), b.get("end")):
        return float("inf")
    if a["start"] < b["end"] and b["start"] < a["end"]:
        return 0
    return min(abs(a["start"] - b["end"]), abs(b["start"] - a["end"])) + 1


def _finding_note(finding: dict) -> str:
    severity = SEVERITY_LABEL.get(finding.get("severity"), finding.get("severity") or "")
    formula = f"（{finding['formula']}）" if finding.get("formula") else ""
    review = finding.get("review")
    state = f"[{STATE_LABEL[review]}] " if review in ("confirmed", "dismissed") else ""
    note = f"（复核备注：{finding['review_note']}）" if finding.get("review_note") else ""
    return f"{state}[{severity}] {finding.get('message') or ''}{formula}{note}"


# --------------------------------------------------------------------------- catalog facts


def _catalog_order() -> dict[str, int]:
    return {code: k for k, code in enumerate(_catalog_facts()[0])}


def _catalog_short() -> dict[str, str]:
    return _catalog_facts()[1]


def _cv_limits(result: dict) -> dict[str, Decimal]:
    """CV limits of the framework the report is judged by (basic balance has looser ones)."""
    kind = (result.get("meta") or {}).get("kind")
    return _catalog_facts()[2].get(CV_FRAMEWORK.get(kind, "quality_balance"), {})


@cache
def _catalog_facts() -> tuple[list[str], dict[str, str], dict[str, dict]]:
    """Codes in order, short names and CV limits; empty if the catalog cannot load."""
    try:
        from pipeline.catalog import load_catalog

        catalog = load_catalog()
    except Exception:  # the workbook must not fail because the catalog cannot load
        return [], {}, {}
    order, short = [], {}
    frameworks = sorted(catalog.frameworks.values(), key=lambda f: f.key != "quality_balance")
    for framework in frameworks:
        for code, indicator in framework.indicators.items():
            if code not in short:
                order.append(code)
                short[code] = indicator.short
    limits = {k: dict(f.cv_limit) for k, f in catalog.frameworks.items()}
    return order, short, limits
