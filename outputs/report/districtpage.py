"""One district's page: its documents, its indicators against the standard year by year, its
open findings and the mismatches between its documents — the unit an inspector reports on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from outputs.report.docpage import (
    link,
    page_name,
    review_badge,
    rule_link,
    severity_badge,
    standard_text,
    text_or_dash,
)
from outputs.report.highlight import fmt_number
from outputs.report.htmlpage import page
from pipeline.labels import KIND_LABEL, LEVEL_LABEL, SEVERITIES, SEVERITY_RANK, STATUS_LABEL, label
from pipeline.review import STATE_LABEL

Result = Mapping[str, Any]
UP = "../"  # district pages live in report/district/


def year_of(result: Result) -> str:
    """The year a report speaks for: its report year, else its publication year."""
    meta = result.get("meta") or {}
    return str(meta.get("report_year") or (meta.get("published") or "")[:4] or "—")


def _documents(results: Sequence[Result]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("年度", "标题", "类型", "状态", "错误", "警告", "提示",
                                             "待复核", "来源"))  # fmt: skip
    rows = []
    for r in results:
        meta = r.get("meta") or {}
        findings = r.get("findings") or []
        counts = [sum(1 for f in findings if f.get("severity") == s) for s in SEVERITIES]
        open_ = sum(1 for f in findings if (f.get("review") or "open") == "open")
        title = str(meta.get("title") or r.get("path") or r["doc_id"])
        rows.append(
            f"<tr><td>{escape(year_of(r))}</td>"
            f'<td><a href="{UP}{escape(page_name(r["doc_id"]))}">{escape(title)}</a></td>'
            f"<td>{escape(label(KIND_LABEL, meta.get('kind')))}</td>"
            f"<td>{escape(label(STATUS_LABEL, r.get('status')))}</td>"
            + "".join(f'<td class="num">{n}</td>' for n in counts)
            + f'<td class="num">{open_}</td><td>{link(r.get("source_url"), "原文链接")}</td></tr>'
        )
    return f"<section><h2>文档（{len(results)}）</h2><table><tr>{head}</tr>{''.join(rows)}</table></section>"


def _indicators(results: Sequence[Result]) -> str:
    """(code, level) rows × year columns: each value coloured against the national standard."""
    years = sorted({year_of(r) for r in results})
    cells: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    info: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in results:
        for ind in r.get("indicators") or []:
            key = (str(ind.get("code")), str(ind.get("level") or "all"))
            info.setdefault(key, ind)
            value = ind.get("value")
            shown = (
                f"{fmt_number(value)}{ind.get('unit') or ''}"
                if value is not None
                else str(ind.get("self_conclusion") or "—")
            )
            css = {True: "pass", False: "fail"}.get(ind.get("meets_standard"), "")
            cells[key][year_of(r)].append(f'<span class="{css}">{escape(shown)}</span>')
    if not info:
        return "<section><h2>指标</h2><p>未提取到指标。</p></section>"
    head = "".join(f"<th>{escape(y)}</th>" for y in years)
    rows = "".join(
        f"<tr><td>{escape(code)}</td><td>{text_or_dash(info[(code, level)].get('name'))}</td>"
        f"<td>{escape(label(LEVEL_LABEL, level))}</td>"
        f"<td>{escape(standard_text(info[(code, level)].get('standard')))}</td>"
        + "".join(
            f'<td class="num">{" / ".join(cells[(code, level)].get(y, [])) or "—"}</td>'
            for y in years
        )  # fmt: skip
        + "</tr>"
        for code, level in sorted(info, key=lambda k: (k[0], k[1]))
    )
    return (
        "<section><h2>指标与国家标准（按年度）</h2>"
        '<p class="muted">绿色：达标；红色：未达标；黑色：无法判断。</p>'
        f"<table><tr><th>代码</th><th>指标</th><th>学段</th><th>国家标准</th>{head}</tr>{rows}</table></section>"
    )


def _finding_rows(items: list[tuple[Result, int, Mapping[str, Any]]]) -> str:
    rows = []
    for r, i, f in items:
        state = str(f.get("review") or "open")
        note = f"<br>备注：{escape(str(f['review_note']))}" if f.get("review_note") else ""
        rows.append(
            f'<tr class="review-{escape(state)}" data-id="{escape(str(f.get("id") or ""))}">'
            f"<td>{severity_badge(str(f.get('severity')))}</td><td>{review_badge(f)}{note}</td>"
            f"<td>{rule_link(f.get('rule'), UP)}</td><td>{text_or_dash(f.get('message'))}</td>"
            f'<td><span class="formula">{text_or_dash(f.get("formula"))}</span></td>'
            f'<td><a href="{UP}{escape(page_name(r["doc_id"]))}#f-{i}">{escape(year_of(r))} 原文</a></td>'
            f'<td><code class="fid">{text_or_dash(f.get("id"))}</code></td></tr>'
        )
    head = "".join(
        f"<th>{h}</th>" for h in ("严重程度", "复核", "规则", "说明", "算式", "文档", "问题编号")
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _findings(results: Sequence[Result]) -> str:
    items = [(r, i, f) for r in results for i, f in enumerate(r.get("findings") or [])]
    items.sort(key=lambda t: (SEVERITY_RANK.get(str(t[2].get("severity")), 3), year_of(t[0])))
    mismatches = [t for t in items if t[2].get("rule") == "corpus_mismatch"]
    open_ = [t for t in items if (t[2].get("review") or "open") == "open" and t not in mismatches]
    reviewed = [
        t for t in items if (t[2].get("review") or "open") != "open" and t not in mismatches
    ]
    parts = [
        f"<section><h2>待复核的问题（{len(open_)}）</h2>"
        + (_finding_rows(open_) if open_ else "<p>没有待复核的问题。</p>")
        + "</section>",
        f'<section id="mismatches"><h2>文档之间的不一致（{len(mismatches)}）</h2>'
        + (_finding_rows(mismatches) if mismatches else "<p>各文档之间未发现不一致。</p>")
        + "</section>",
    ]
    if reviewed:
        counts = "，".join(
            f"{STATE_LABEL[s]} {sum(1 for t in reviewed if t[2].get('review') == s)}"
            for s in ("confirmed", "dismissed")
        )
        parts.append(
            f"<section><h2>已复核的问题（{counts}）</h2>{_finding_rows(reviewed)}</section>"
        )
    return "".join(parts)


def district_page(name: str, results: Sequence[Result]) -> str:
    """The full page of one district."""
    results = sorted(results, key=lambda r: (year_of(r), str(r.get("path") or "")))
    body = (
        f'<header class="top"><div class="sub"><a href="{UP}index.html">← 返回总览</a></div>'
        f"<h1>{escape(name)}</h1></header><main>"
        f"{_documents(results)}{_findings(results)}{_indicators(results)}</main>"
    )
    return page(f"{name} · 核查", body)
