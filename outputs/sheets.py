"""The workbook's list sheets: 问题清单, 汇总, 文档, 规则说明, 数据字典.

Every rule id links to its row on 规则说明 (inside the workbook, so the link works wherever the
file is opened); every finding links to its place on the document's HTML page. A sheet holds at
most Excel's 65,530 links: 问题清单 drops its rule links, then its source links, to stay within.
"""

from __future__ import annotations

from openpyxl.styles import Alignment

from outputs.rule_docs import all_rules, rule_name
from outputs.summary import STATES, district_rule_table, totals
from outputs.tables import data_dictionary
from outputs.xlsx_sheet import MAX_HYPERLINKS, Sheet
from outputs.xlsx_style import (
    GREY_FONT,
    ORANGE,
    RED,
    RULES_SHEET,
    SEVERITY_FILL,
    cell_value,
    finish,
    header,
    link,
    report_page,
    rules_sheet_ref,
    sheet_link,
    source_target,
)
from pipeline.labels import KIND_LABEL, SEVERITIES, SEVERITY_LABEL, SEVERITY_RANK, STATUS_LABEL
from pipeline.review import STATE_LABEL

# --------------------------------------------------------------------------- 问题清单

FINDING_HEADERS = [
    "区县", "报告年度", "规则", "规则编号", "严重程度", "复核", "复核备注", "复核人",
    "说明", "算式", "报告值", "复算值", "原文", "报告页面", "来源", "标题", "问题编号", "文档编号",
]  # fmt: skip


def finding_order(result: dict, index: int) -> tuple:
    finding = result["findings"][index]
    start = (finding.get("evidence") or {}).get("start")
    return (
        SEVERITY_RANK.get(str(finding.get("severity")), 3),
        start if isinstance(start, int) else 1 << 62,
        index,
    )


# Excel holds 1,048,576 rows; the header, the rows and one closing note must fit.
MAX_FINDING_ROWS = 1_048_576 - 2


def findings_sheet(ws: Sheet, results: list[dict], rule_rows: dict[str, int]) -> None:
    """Every finding, one per row: by district and year, then severity, then place in the text.

    A dismissed finding stays listed, greyed, with its note; a confirmed one has its 复核 cell red.
    """
    header(ws, FINDING_HEADERS)
    row = 2
    total = sum(len(r.get("findings") or []) for r in results)
    # three links a row (page, source, rule) while Excel's limit allows, then fewer
    links = max(1, min(3, MAX_HYPERLINKS // max(1, min(total, MAX_FINDING_ROWS))))
    for result in results:
        meta = result.get("meta") or {}
        findings = result.get("findings") or []
        for i in sorted(range(len(findings)), key=lambda k: finding_order(result, k)):
            if row > MAX_FINDING_ROWS + 1:
                break
            finding = findings[i]
            rule = str(finding.get("rule"))
            review = finding.get("review") or "open"
            values = [
                meta.get("district"),
                meta.get("report_year"),
                None,  # rule name, linked below
                rule,
                SEVERITY_LABEL.get(finding.get("severity"), finding.get("severity")),
                STATE_LABEL.get(review, review),
                finding.get("review_note"),
                finding.get("reviewer"),
                finding.get("message"),
                finding.get("formula"),
                cell_value(finding.get("reported")),
                cell_value(finding.get("expected")),
                (finding.get("evidence") or {}).get("text"),
                None,
                None,
                meta.get("title") or result.get("path"),
                finding.get("id"),
                result["doc_id"],
            ]
            for col, value in enumerate(values, start=1):
                ws.cell(row, col, value)
            link(ws.cell(row, 14), report_page(result, f"f-{i}"), "打开")
            if links >= 2:
                link(ws.cell(row, 15), source_target(result), "原文")
            if links == 3:
                rule_cell, ref = ws.cell(row, 3), rules_sheet_ref(rule, rule_rows)
                sheet_link(rule_cell, RULES_SHEET, ref, rule_name(rule))
            else:
                ws.cell(row, 3, rule_name(rule))
            if review == "dismissed":
                for col in range(1, len(values) + 1):
                    if ws.cell(row, col).hyperlink is None:
                        ws.cell(row, col).font = GREY_FONT
            else:
                fill = SEVERITY_FILL.get(finding.get("severity"))
                if fill is not None:
                    ws.cell(row, 5).fill = fill
            if review == "confirmed":
                ws.cell(row, 6).fill = RED
            row += 1
    notes = []
    if total > MAX_FINDING_ROWS:
        notes.append(
            f"共{total}条，此表只列前{MAX_FINDING_ROWS}条（Excel行数上限），完整清单见 findings.csv 与 audit.sqlite。"
        )
    if links < 3:
        notes.append(
            f"Excel每表至多{MAX_HYPERLINKS}个链接：本表"
            + ("只链接报告页面，来源见「文档」表" if links == 1 else "不链接规则名称")
            + "，规则说明见「规则说明」表。"
        )
    if notes:
        ws.cell(row, 9, "".join(notes))
    finish(ws, FINDING_HEADERS, freeze="C2", widths={3: 24, 7: 30, 9: 50, 10: 36, 13: 60, 16: 40})


# --------------------------------------------------------------------------- 汇总


def summary_sheet(ws: Sheet, results: list[dict], rule_rows: dict[str, int]) -> None:
    """Findings by district × rule, counted by severity and by review state."""
    headers = [
        "区县", "规则", "规则编号",
        *(SEVERITY_LABEL[s] for s in SEVERITIES), "合计",
        *(STATE_LABEL[s] for s in STATES),
    ]  # fmt: skip
    header(ws, headers)
    rows = district_rule_table(results)
    for r, item in enumerate([*rows, totals(rows)], start=2):
        ws.cell(r, 1, item.district)
        if item.rule:
            sheet_link(ws.cell(r, 2), RULES_SHEET, rules_sheet_ref(item.rule, rule_rows),
                       rule_name(item.rule))  # fmt: skip
            ws.cell(r, 3, item.rule)
        counts = [item.severity[s] for s in SEVERITIES] + [item.total]
        counts += [item.review[s] for s in STATES]
        for c, n in enumerate(counts, start=4):
            ws.cell(r, c, n)
        if item.severity["error"] and item.review["open"]:
            ws.cell(r, 4).fill = RED
        elif item.review["open"]:
            ws.cell(r, 4 + len(SEVERITIES) + 1).fill = ORANGE
    finish(ws, headers, freeze="C2", widths={2: 30})


# --------------------------------------------------------------------------- 文档

DOCUMENT_HEADERS = [
    "区县", "报告年度", "标题", "类型", "状态", "状态说明", "发布日期", "发布单位",
    "地市", "省份", "推断字段", "指标数", "数字数", "问题数", "错误数", "警告数", "提示数",
    "待复核", "报告页面", "来源", "路径", "抓取时间", "文档编号",
]  # fmt: skip


def documents_sheet(ws: Sheet, results: list[dict]) -> None:
    """Every document with its status, provenance and counts."""
    header(ws, DOCUMENT_HEADERS)
    for row, result in enumerate(results, start=2):
        meta = result.get("meta") or {}
        findings = result.get("findings") or []
        severities = [f.get("severity") for f in findings]
        inferred = {"city": "地市", "province": "省份"}
        values = [
            meta.get("district"),
            meta.get("report_year"),
            meta.get("title"),
            KIND_LABEL.get(meta.get("kind"), meta.get("kind")),
            STATUS_LABEL.get(result.get("status"), result.get("status")),
            result.get("error"),
            meta.get("published"),
            meta.get("publisher"),
            meta.get("city"),
            meta.get("province"),
            "、".join(inferred.get(k, k) for k in meta.get("inferred") or []) or None,
            len(result.get("indicators") or []),
            len(result.get("figures") or []),
            len(severities),
            severities.count("error"),
            severities.count("warning"),
            severities.count("info"),
            sum(1 for f in findings if (f.get("review") or "open") == "open"),
            None,
            None,
            result.get("path"),
            result.get("fetched_at"),
            result["doc_id"],
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row, col, value)
        link(ws.cell(row, 19), report_page(result), "打开")
        link(ws.cell(row, 20), source_target(result), "原文")
        if result.get("status") != "ok":
            ws.cell(row, 5).fill = RED if result.get("status") == "failed" else ORANGE
    finish(ws, DOCUMENT_HEADERS, freeze="B2", widths={3: 50, 6: 50, 21: 40})


# --------------------------------------------------------------------------- 规则说明

RULE_HEADERS = ["规则编号", "规则", "默认严重程度", "检查什么", "算式", "通过的例子", "不通过的例子",
                "为何可能误报", "本次问题数"]  # fmt: skip


def rules_sheet(ws: Sheet, results: list[dict]) -> dict[str, int]:
    """One row per rule with its explanation; returns rule id → row (for links)."""
    header(ws, RULE_HEADERS)
    used: dict[str, int] = {}
    for result in results:
        for f in result.get("findings") or []:
            used[str(f.get("rule"))] = used.get(str(f.get("rule")), 0) + 1
    rows = {}
    for r, doc in enumerate(all_rules().values(), start=2):
        values = [doc.id, doc.name, SEVERITY_LABEL.get(doc.severity or "", doc.severity),
                  doc.checks, doc.arithmetic, doc.passing, doc.failing, doc.false_alarm,
                  used.get(doc.id, 0)]  # fmt: skip
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value).alignment = Alignment(wrap_text=True, vertical="top")
        rows[doc.id] = r
    finish(ws, RULE_HEADERS, freeze="C2", widths={1: 24, 2: 24, 4: 50, 5: 40, 6: 45, 7: 45, 8: 45})
    return rows


# --------------------------------------------------------------------------- 数据字典


def dictionary_sheet(ws: Sheet) -> None:
    """The fixed schema of documents/indicators/figures/findings (CSV and Parquet) in Chinese."""
    headers = ["表", "列名", "类型", "说明"]
    header(ws, headers)
    row = 2
    for table, columns in data_dictionary().items():
        for name, kind, description in columns:
            for c, value in enumerate(
                (f"{table}.csv / {table}.parquet", name, kind, description), 1
            ):
                ws.cell(row, c, value)
            row += 1
    finish(ws, headers, freeze="A2", widths={1: 30, 4: 70})
