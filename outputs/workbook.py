"""comparison.xlsx: the inspector's workbook, districts side by side on the same indicators.

Sheets: 对比表 (one row per district report, one column per indicator and level; red where a
value misses the national standard, orange where a finding touches it, the finding as a cell
comment), 问题清单 (every finding with its formula and sentence), 文档 (every document).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from pipeline.labels import KIND_LABEL, SEVERITY_LABEL, STATUS_LABEL

RED = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
ORANGE = PatternFill("solid", start_color="FFFFD08A", end_color="FFFFD08A")
VERDICT_FONT = Font(italic=True, color="FF666666")
HEADER_FILL = PatternFill("solid", start_color="FFDDE6F0", end_color="FFDDE6F0")
SEVERITY_FILL = {"error": RED, "warning": ORANGE}
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
AUTHOR = "edu-audit"
MAX_WIDTH = 60


def write_workbook(results: list[dict], path: Path) -> Path:
    """Write the three sheets; returns the path written."""
    wb = Workbook()
    comparison_sheet(wb.active, results)
    findings_sheet(wb.create_sheet("问题清单"), results)
    documents_sheet(wb.create_sheet("文档"), results)
    _no_formulas(wb)
    wb.save(path)
    _without_clock_times(wb, Path(path))
    return Path(path)


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
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info)) for info in src.infolist()]
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members:
            body = core if name == _CORE else data
            dst.writestr(zipfile.ZipInfo(name, _ZIP_TIME), body, zipfile.ZIP_DEFLATED)
    os.replace(tmp, path)


def _no_formulas(wb: Workbook) -> None:
    """openpyxl turns any string starting with "=" into a formula; we write none, so a cell
    that became one holds document text and is set back to plain text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


# --------------------------------------------------------------------------- 对比表


@dataclass(frozen=True)
class Column:
    """One column of 对比表: an indicator's value at a level, or its CV (差异系数) at a level."""

    code: str
    level: str
    kind: str = "value"  # "value" | "cv"

    def header(self) -> str:
        """ "101 小学" (or "101 差异系数 小学") on the first line, the short name under it."""
        middle = " 差异系数" if self.kind == "cv" else ""
        head = f"{self.code}{middle} {LEVEL_CN.get(self.level, self.level)}".strip()
        short = _catalog_short().get(self.code)
        return f"{head}\n{short}" if short else head


def indicator_columns(results: Iterable[dict]) -> list[Column]:
    """Columns present in the corpus, in catalog order, values before CVs, levels in order."""
    order = _catalog_order()
    columns: set[Column] = set()
    for result in results:
        for ind in result.get("indicators") or []:
            columns.add(Column(ind["code"], ind.get("level") or "all"))
            cv = ind.get("cv") or {}
            columns.update(
                Column(ind["code"], lv, "cv") for lv in CV_LEVELS if cv.get(lv) is not None
            )
    return sorted(
        columns,
        key=lambda c: (order.get(c.code, len(order)), c.code, c.kind != "value",
                       LEVEL_ORDER.get(c.level, 99), c.level),
    )  # fmt: skip


def column_header(code: str, level: str) -> str:
    return Column(code, level).header()


def row_label(result: dict) -> str:
    """District plus report year (or publication year), e.g. "万盛经开区 2025"."""
    meta = result.get("meta") or {}
    year = meta.get("report_year") or (meta.get("published") or "")[:4]
    return f"{meta.get('district')} {year}".strip()


def comparison_sheet(ws: Worksheet, results: list[dict]) -> None:
    """One row per document that names its district, one column per indicator and level."""
    ws.title = "对比表"
    rows = [r for r in results if (r.get("meta") or {}).get("district")]
    columns = indicator_columns(rows)
    headers = ["区县（年份）", "标题", "文档编号"] + [c.header() for c in columns]
    _header(ws, headers)
    for r_index, result in enumerate(rows, start=2):
        ws.cell(r_index, 1, row_label(result))
        ws.cell(r_index, 2, (result.get("meta") or {}).get("title"))
        ws.cell(r_index, 3, result["doc_id"])
        indicators = result.get("indicators") or []
        for c_index, column in enumerate(columns, start=4):
            cell = ws.cell(r_index, c_index)
            if column.kind == "cv":
                _cv_cell(cell, column, indicators, result)
            else:
                indicator = _first(indicators, column)
                if indicator is not None:
                    _indicator_cell(cell, indicator, result)
    _finish(ws, headers, freeze="D2", widths={1: 18, 2: 40, 3: 18}, header_height=32)


def _first(indicators: list[dict], column: Column) -> dict | None:
    for ind in indicators:
        if ind["code"] == column.code and (ind.get("level") or "all") == column.level:
            return ind
    return None


def _indicator_cell(cell: Cell, indicator: dict, result: dict) -> None:
    """Value (the self-conclusion for qualitative items), red below standard, orange on findings."""
    value = indicator.get("value")
    if value is None:  # the report states only its verdict: show it, greyed, not as a number
        value = indicator.get("self_conclusion")
        cell.font = VERDICT_FONT
    cell.value = value
    notes = []
    if indicator.get("meets_standard") is False:
        std = indicator.get("standard") or {}
        bar = f"（标准 {std.get('op', '')} {std.get('value', '')}{std.get('unit') or ''}）"
        notes.append("未达到国家标准" + (bar if std else ""))
    touching = touching_findings(indicator, result.get("findings") or [])
    notes += [_finding_note(f) for f in touching]
    if indicator.get("meets_standard") is False:
        cell.fill = RED
    elif touching:
        cell.fill = ORANGE
    _comment(cell, notes)


def _cv_cell(cell: Cell, column: Column, indicators: list[dict], result: dict) -> None:
    """The CV at a level; red above the framework's limit, orange when a CV finding names it."""
    for ind in indicators:
        cv = (ind.get("cv") or {}).get(column.level) if ind["code"] == column.code else None
        if cv is not None:
            break
    else:
        return
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
    if findings and cell.fill.fill_type is None:
        cell.fill = ORANGE
    _comment(cell, notes + [_finding_note(f) for f in findings])


def _comment(cell: Cell, notes: list[str]) -> None:
    if notes:
        cell.comment = Comment("\n".join(notes), AUTHOR, width=320, height=40 + 40 * len(notes))


def _is_cv_finding(finding: dict) -> bool:
    """Rules about the coefficient of variation are named cv_*; they belong in CV columns."""
    return str(finding.get("rule") or "").startswith("cv_")


def touching_findings(indicator: dict, findings: list[dict]) -> list[dict]:
    """Findings about this indicator's value: its code (and level, when the finding gives one),
    or evidence overlapping the indicator's evidence span. CV findings go to the CV columns."""
    span = indicator.get("evidence") or {}
    start, end = span.get("start"), span.get("end")
    level = indicator.get("level") or "all"
    hits = []
    for finding in findings:
        if _is_cv_finding(finding):
            continue
        if finding.get("code") is not None:
            same_level = finding.get("level") in (None, "all", level) or level == "all"
            if str(finding["code"]) == str(indicator["code"]) and same_level:
                hits.append(finding)
            continue
        ev = finding.get("evidence") or {}
        if None in (start, end, ev.get("start"), ev.get("end")):
            continue
        if ev["start"] < end and start < ev["end"]:
            hits.append(finding)
    return hits


def _finding_note(finding: dict) -> str:
    severity = SEVERITY_LABEL.get(finding.get("severity"), finding.get("severity") or "")
    formula = f"（{finding['formula']}）" if finding.get("formula") else ""
    return f"[{severity}] {finding.get('message') or ''}{formula}"


# --------------------------------------------------------------------------- 问题清单

FINDING_HEADERS = ["文档", "区县", "规则", "严重程度", "说明", "算式", "报告值", "复算值", "原文"]


def findings_sheet(ws: Worksheet, results: list[dict]) -> None:
    """Every finding, one per row, in document order as the engine reported them."""
    _header(ws, [*FINDING_HEADERS, "文档编号", "位置"])
    row = 2
    for result in results:
        meta = result.get("meta") or {}
        for finding in result.get("findings") or []:
            evidence = finding.get("evidence") or {}
            values = [
                meta.get("title") or result.get("path"),
                meta.get("district"),
                finding.get("rule"),
                SEVERITY_LABEL.get(finding.get("severity"), finding.get("severity")),
                finding.get("message"),
                finding.get("formula"),
                _cell_value(finding.get("reported")),
                _cell_value(finding.get("expected")),
                evidence.get("text"),
                result["doc_id"],
                evidence.get("start"),
            ]
            for col, value in enumerate(values, start=1):
                ws.cell(row, col, value)
            fill = SEVERITY_FILL.get(finding.get("severity"))
            if fill is not None:
                ws.cell(row, 4).fill = fill
            row += 1
    _finish(ws, [*FINDING_HEADERS, "文档编号", "位置"], freeze="A2", widths={5: 50, 6: 36, 9: 60})


# --------------------------------------------------------------------------- 文档

DOCUMENT_HEADERS = [
    "路径",
    "状态",
    "错误",
    "标题",
    "区县",
    "类型",
    "发布日期",
    "来源网址",
    "抓取时间",
    "指标数",
    "数字数",
    "问题数",
    "错误",
    "警告",
    "提示",
    "文档编号",
]


def documents_sheet(ws: Worksheet, results: list[dict]) -> None:
    """Every document with its status, provenance and counts."""
    _header(ws, DOCUMENT_HEADERS)
    for row, result in enumerate(results, start=2):
        meta = result.get("meta") or {}
        severities = [f.get("severity") for f in result.get("findings") or []]
        values = [
            result.get("path"),
            STATUS_LABEL.get(result.get("status"), result.get("status")),
            result.get("error"),
            meta.get("title"),
            meta.get("district"),
            KIND_LABEL.get(meta.get("kind"), meta.get("kind")),
            meta.get("published"),
            result.get("source_url"),
            result.get("fetched_at"),
            len(result.get("indicators") or []),
            len(result.get("figures") or []),
            len(severities),
            severities.count("error"),
            severities.count("warning"),
            severities.count("info"),
            result["doc_id"],
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row, col, value)
        if result.get("status") != "ok":
            ws.cell(row, 2).fill = RED if result.get("status") == "failed" else ORANGE
    _finish(ws, DOCUMENT_HEADERS, freeze="B2", widths={1: 40, 3: 50, 4: 50, 8: 50})


# --------------------------------------------------------------------------- helpers


def _header(ws: Worksheet, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(1, col, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _finish(
    ws: Worksheet,
    headers: list[str],
    freeze: str,
    widths: dict[int, int] | None = None,
    header_height: float | None = None,
) -> None:
    """Frozen header, autofilter over the used range, widths fitted to the content (capped)."""
    ws.freeze_panes = freeze
    last = get_column_letter(max(len(headers), 1))
    ws.auto_filter.ref = f"A1:{last}{max(ws.max_row, 1)}"
    fitted: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                longest = max(_display_width(line) for line in str(cell.value).split("\n"))
                fitted[cell.column] = max(fitted.get(cell.column, 0), longest)
    for col in range(1, len(headers) + 1):
        width = min(fitted.get(col, 8) + 2, MAX_WIDTH)
        if widths and col in widths:
            width = min(width, widths[col])
        ws.column_dimensions[get_column_letter(col)].width = max(width, 8)
    if header_height:
        ws.row_dimensions[1].height = header_height


def _display_width(text: str) -> int:
    """CJK characters take two columns in Excel's default font."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell_value(value: object) -> object:
    """Numbers and text as they are; anything else (lists, dicts) as text."""
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


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
