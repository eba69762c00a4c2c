"""A readable summary of document results for a person at a terminal.

Findings come first (what the inspector acts on), each with its rule's Chinese name, its place
(page and line) and its sentence; the indicator table follows. Nothing is cut to the terminal
width: long names wrap.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from pipeline.labels import KIND_LABEL, LEVEL_LABEL, OP_LABEL

_META_LABELS = {
    "title": "标题",
    "district": "区县",
    "city": "地市",
    "province": "省份",
    "kind": "类型",
    "published": "发布日期",
    "publisher": "发布机构",
    "report_year": "报告年度",
}
_SEVERITY = {"error": "[red]错误[/]", "warning": "[yellow]警告[/]", "info": "[cyan]提示[/]"}
_RANK = {"error": 0, "warning": 1, "info": 2}


def print_results(
    results: list[dict], docs: Sequence | None = None, console: Console | None = None
) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    for k, result in enumerate(results):
        print_result(result, console, docs[k] if docs else None)


def location(doc, offset: int | None) -> str:
    """'第3页 第12行' (page only for paged formats) for an offset into the document's text."""
    if doc is None or not isinstance(offset, int):
        return ""
    line = doc.text.count("\n", 0, offset) + 1
    page = ""
    if doc.pages:
        k = bisect_right([p.start for p in doc.pages], offset) - 1
        page = f"第{k + 1}页 " if k >= 0 else ""
    return f"{page}第{line}行"


def print_result(result: dict, console: Console, doc=None) -> None:
    from outputs.rule_docs import rule_name

    console.rule(f"[bold]{escape(result['path'])}")
    console.print(
        f"状态：{result['status']}" + (f"（{escape(result['error'])}）" if result["error"] else "")
    )
    inferred = set(result["meta"].get("inferred") or [])
    for key, label in _META_LABELS.items():
        value = result["meta"].get(key)
        if value is not None:
            mark = "（由区县名推断）" if key in inferred else ""
            value = KIND_LABEL.get(value, value) if key == "kind" else value
            console.print(f"{label}：{escape(str(value))}{mark}")
    findings = sorted(
        result["findings"],
        key=lambda f: (_RANK.get(f["severity"], 3), f["evidence"].get("start") or 0),
    )
    console.print(
        f"问题 {len(findings)} 条，指标 {len(result['indicators'])} 项，数字 {len(result['figures'])} 个"
    )
    for finding in findings:
        where = location(doc, finding["evidence"].get("start"))
        console.print(
            f"{_SEVERITY.get(finding['severity'], finding['severity'])} "
            f"{escape(rule_name(finding['rule']))} {escape('[' + finding['rule'] + ']')}"
            f"{' ' + where if where else ''}  编号 {finding.get('id', '')}\n"
            f"    {escape(finding['message'])}\n"
            f"    算式：{escape(finding.get('formula') or '')}\n"
            f"    原文：{escape(finding['evidence']['text'])}"
        )
    if result["indicators"]:
        console.print("\n".join(indicator_lines(result["indicators"])))


def indicator_lines(indicators: list[dict]) -> list[str]:
    """One line per indicator (wraps at any width, never cuts a name): code, level, name,
    value against the standard, schools meeting, CVs, self-conclusion, verdict."""
    lines = ["国家指标（代码 学段 指标：数值，标准，达标校/参评校，差异系数，自评，是否达标）"]
    for ind in indicators:
        std = ind.get("standard")
        cv = ind.get("cv") or {}
        meets = {True: "[green]达标[/]", False: "[red]未达标[/]", None: "无法判断"}[
            ind.get("meets_standard")
        ]
        value = (
            "—"
            if ind.get("value") is None
            else f"{ind.get('value_qualifier') or ''}{ind['value']}{ind.get('unit') or ''}"
        )
        parts = [f"数值 {escape(value.removeprefix('达到'))}"]
        if std and std.get("value") is not None:
            parts.append(
                f"标准 {OP_LABEL.get(std['op'], std['op'])} {std['value']}{std.get('unit') or ''}"
            )
        if ind.get("schools_total"):
            parts.append(f"达标校 {ind['schools_meeting']}/{ind['schools_total']}")
        if cv:
            parts.append(
                "差异系数 " + " / ".join(f"{LEVEL_LABEL.get(k, k)} {v}" for k, v in cv.items())
            )
        if ind.get("self_conclusion"):
            parts.append(f"自评 {escape(ind['self_conclusion'])}")
        parts.append(meets)
        level = LEVEL_LABEL.get(ind["level"], ind["level"])
        lines.append(f"  {ind['code']} {level} {escape(_short_name(ind))}：" + "，".join(parts))
    return lines


def _short_name(indicator: dict) -> str:
    from pipeline.catalog import load_catalog

    try:
        return load_catalog().indicator(indicator["code"]).short
    except KeyError:
        return indicator["name"]
