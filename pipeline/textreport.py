"""A readable summary of document results for a person at a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from pipeline.labels import LEVEL_LABEL

_META_LABELS = {
    "title": "标题",
    "district": "区县",
    "city": "城市",
    "province": "省份",
    "kind": "类型",
    "published": "发布日期",
    "publisher": "发布机构",
    "report_year": "报告年度",
}
_SEVERITY = {"error": "[red]错误[/]", "warning": "[yellow]警告[/]", "info": "[cyan]提示[/]"}


def print_results(results: list[dict], console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    for result in results:
        print_result(result, console)


def print_result(result: dict, console: Console) -> None:
    console.rule(f"[bold]{_escape(result['path'])}")
    console.print(
        f"状态：{result['status']}" + (f"（{_escape(result['error'])}）" if result["error"] else "")
    )
    for key, label in _META_LABELS.items():
        value = result["meta"].get(key)
        if value is not None:
            console.print(f"{label}：{_escape(str(value))}")
    if result["indicators"]:
        console.print(_indicator_table(result["indicators"]))
    console.print(
        f"数字 {len(result['figures'])} 个，指标 {len(result['indicators'])} 项，问题 {len(result['findings'])} 条"
    )
    for finding in result["findings"]:
        console.print(
            f"{_SEVERITY.get(finding['severity'], finding['severity'])} {_escape('[' + finding['rule'] + ']')} "
            f"{_escape(finding['message'])}\n    算式：{_escape(finding.get('formula') or '')}\n"
            f"    原文：{_escape(finding['evidence']['text'][:160])}"
        )


def _indicator_table(indicators: list[dict]) -> Table:
    table = Table(title="国家指标", show_lines=False)
    for column in (
        "代码",
        "指标",
        "学段",
        "标准",
        "数值",
        "达标校/总校",
        "差异系数",
        "自评",
        "是否达标",
    ):
        table.add_column(column)
    for ind in indicators:
        std = ind.get("standard")
        cv = ind.get("cv") or {}
        meets = {True: "[green]是[/]", False: "[red]否[/]", None: "—"}[ind.get("meets_standard")]
        schools = (
            f"{ind['schools_meeting']}/{ind['schools_total']}" if ind.get("schools_total") else "—"
        )
        table.add_row(
            ind["code"],
            _escape(_short_name(ind)),
            LEVEL_LABEL.get(ind["level"], ind["level"]),
            f"{std['op']} {std['value']}{std.get('unit') or ''}"
            if std and std.get("value") is not None
            else "—",
            "—"
            if ind.get("value") is None
            else f"{ind.get('value_qualifier') or ''}{ind['value']}{ind.get('unit') or ''}".removeprefix(
                "达到"
            ),
            schools,
            " / ".join(f"{LEVEL_LABEL.get(k, k)} {v}" for k, v in cv.items()) or "—",
            ind.get("self_conclusion") or "—",
            meets,
        )
    return table


def _short_name(indicator: dict) -> str:
    from pipeline.catalog import load_catalog

    try:
        return load_catalog().indicator(indicator["code"]).short
    except KeyError:
        return indicator["name"]


def _escape(text: str) -> str:
    """Document text must never be read as rich markup."""
    from rich.markup import escape

    return escape(text)
