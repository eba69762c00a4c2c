"""One document's page: metadata, highlighted text, the findings list with details, indicators.

Everything from the result or the text goes through `html.escape` (attributes too); the page's
script receives nothing from the document — details are pre-rendered hidden blocks it reveals.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import quote

from outputs.report.highlight import finding_span, fmt_number, highlight
from outputs.report.htmlpage import asset, page
from outputs.rule_docs import RULES_PAGE, all_rules, rule_anchor, rule_name
from pipeline.labels import (
    KIND_LABEL,
    LEVEL_LABEL,
    OP_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    SEVERITY_RANK,
    STATUS_LABEL,
    label,
)
from pipeline.review import STATE_LABEL


def district_file(name: str) -> str:
    """The file name of a district's page: the name itself when it is plain Chinese/ASCII."""
    if re.fullmatch(r"[\w\u3400-\u9fff（）()·-]{1,40}", name) and not name.startswith("."):
        return f"{name}.html"
    return f"d-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:16]}.html"


def district_href(name: str, prefix: str = "") -> str:
    """A link to a district's page from the report folder (`prefix` from elsewhere)."""
    return f"{prefix}district/{quote(district_file(name))}"


SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
SAFE_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


def page_name(doc_id: str) -> str:
    """The file name of a document's page; ids that are not plain tokens are hashed, not trusted."""
    if SAFE_ID.match(doc_id or ""):
        return f"{doc_id}.html"
    return f"doc-{hashlib.sha256(str(doc_id).encode('utf-8')).hexdigest()[:16]}.html"


def link(url: Any, text: str | None = None) -> str:
    """A link for http(s) URLs only (no javascript: or data:); anything else as plain text."""
    if not url:
        return "—"
    shown = escape(text if text is not None else str(url))
    if SAFE_URL.match(str(url)):
        return f'<a href="{escape(str(url))}" rel="noopener noreferrer">{shown}</a>'
    return shown


def text_or_dash(value: Any) -> str:
    """Escaped text of a value, '—' when empty."""
    return "—" if value in (None, "") else escape(str(value))


def severity_badge(severity: str) -> str:
    """A coloured badge naming the severity in Chinese."""
    return (
        f'<span class="badge sev-{escape(severity)}">'
        f"{escape(label(SEVERITY_LABEL, severity))}</span>"
    )


def _meta(result: Mapping[str, Any]) -> str:
    """The metadata header as a definition list."""
    meta = result.get("meta") or {}
    status = str(result.get("status", ""))
    rows = [
        ("区县", text_or_dash(meta.get("district"))),
        ("地市", text_or_dash(meta.get("city"))),
        ("省份", text_or_dash(meta.get("province"))),
        ("类型", escape(label(KIND_LABEL, meta.get("kind")))),
        ("发布日期", text_or_dash(meta.get("published"))),
        ("发布单位", text_or_dash(meta.get("publisher"))),
        ("报告年度", text_or_dash(meta.get("report_year"))),
        (
            "状态",
            f'<span class="status-{escape(status)}">{escape(label(STATUS_LABEL, status))}</span>',
        ),
        ("来源", link(result.get("source_url"))),
        ("抓取时间", text_or_dash(result.get("fetched_at"))),
        ("文件", text_or_dash(result.get("path"))),
        ("文档ID", text_or_dash(result.get("doc_id"))),
    ]
    cells = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    error = result.get("error")
    error_html = f'<p class="error-box">错误信息：{escape(str(error))}</p>' if error else ""
    return f'<section><h2>元数据</h2><dl class="meta">{cells}</dl>{error_html}</section>'


def rule_link(rule: Any, prefix: str = "") -> str:
    """The rule's Chinese name linking to its explanation, with the id beside it."""
    rule = str(rule or "")
    if rule not in all_rules():  # a rule this version does not know: no link to nowhere
        return f'<span class="rule">{escape(rule)}</span>'
    return (
        f'<a class="rule-link" href="{prefix}{RULES_PAGE}#{escape(rule_anchor(rule))}">'
        f'{escape(rule_name(rule))}</a> <span class="rule">{escape(rule)}</span>'
    )


def review_badge(finding: Mapping[str, Any]) -> str:
    """The review state as a badge: 待复核 / 已确认 / 已排除."""
    state = str(finding.get("review") or "open")
    return f'<span class="review review-{escape(state)}">{escape(STATE_LABEL.get(state, state))}</span>'


def review_text(finding: Mapping[str, Any]) -> str:
    """State, reviewer, time and note of a finding's review."""
    parts = [review_badge(finding)]
    if finding.get("reviewer"):
        parts.append(escape(f"{finding['reviewer']} {finding.get('reviewed_at') or ''}".strip()))
    if finding.get("review_note"):
        parts.append(
            f'<span class="review-note">备注：{escape(str(finding["review_note"]))}</span>'
        )
    return " ".join(parts)


def _detail(i: int, finding: Mapping[str, Any]) -> str:
    """The hidden detail block of one finding: formula, message, reported, expected, evidence."""
    evidence = (finding.get("evidence") or {}).get("text")
    rows = [
        ("规则", rule_link(finding.get("rule"))),
        ("复核", review_text(finding)),
        ("问题编号", f'<code class="fid">{text_or_dash(finding.get("id"))}</code>'),
        ("说明", text_or_dash(finding.get("message"))),
        ("公式", f'<span class="formula">{text_or_dash(finding.get("formula"))}</span>'),
        ("报告值", escape(fmt_number(finding.get("reported")))),
        ("核算值", escape(fmt_number(finding.get("expected")))),
        ("原文", text_or_dash(evidence)),
    ]
    cells = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    severity = str(finding.get("severity", ""))
    return (
        f'<div class="detail" data-finding="{i}" hidden>'
        f"<h3>{severity_badge(severity)} 问题 #{i + 1}</h3><dl>{cells}</dl></div>"
    )


def _order(findings: list[Mapping[str, Any]]) -> list[int]:
    """Finding indices by severity, then by where they occur in the text."""

    def key(i: int) -> tuple[int, int]:
        start = (findings[i].get("evidence") or {}).get("start")
        position = start if isinstance(start, int) else 1 << 62
        return SEVERITY_RANK.get(str(findings[i].get("severity")), 3), position

    return sorted(range(len(findings)), key=key)


def _sidebar(result: Mapping[str, Any], text_length: int) -> str:
    """The findings list (each item jumps to its place and reveals its detail) and the box."""
    findings = list(result.get("findings") or [])
    counts = " ".join(
        f"{severity_badge(s)} {sum(1 for f in findings if f.get('severity') == s)}"
        for s in SEVERITIES
    )
    counts += "　" + " ".join(
        f"{escape(STATE_LABEL[s])} {sum(1 for f in findings if (f.get('review') or 'open') == s)}"
        for s in STATE_LABEL
    )
    items = []
    for i in _order(findings):
        f = findings[i]
        severity = str(f.get("severity", ""))
        state = str(f.get("review") or "open")
        target = f' href="#f-{i}"' if finding_span(f, text_length) else ""
        note = (
            f'<br><span class="review-note">备注：{escape(str(f["review_note"]))}</span>'
            if f.get("review_note")
            else ""
        )
        items.append(
            f'<li class="sev-{escape(severity)} review-{escape(state)}" data-id="{escape(str(f.get("id") or ""))}">'
            f'<a{target} data-findings="{i}">'
            f"{severity_badge(severity)} {review_badge(f)} {text_or_dash(f.get('message'))}{note}</a>"
            f"{rule_link(f.get('rule'))}</li>"
        )
    details = "".join(_detail(i, f) for i, f in enumerate(findings))
    listing = f'<ol class="findings">{"".join(items)}</ol>' if items else "<p>未发现问题。</p>"
    return (
        f'<aside><section><div id="detail-box" hidden>{details}</div>'
        f"<h2>问题清单（{len(findings)}）</h2><p>{counts}</p>{listing}</section></aside>"
    )


def standard_text(standard: Mapping[str, Any] | None) -> str:
    """A standard as '≥ 50%'; '—' when the indicator has none."""
    if not standard:
        return "—"
    op = label(OP_LABEL, standard.get("op"))
    return f"{op} {fmt_number(standard.get('value'))}{standard.get('unit') or ''}"


def _cv(cv: Mapping[str, Any] | None) -> str:
    """Coefficients of variation per level, e.g. '小学 0.503 / 初中 0.452'."""
    if not cv:
        return "—"
    return " / ".join(f"{label(LEVEL_LABEL, k)} {fmt_number(v)}" for k, v in cv.items())


def _verdict(meets: Any) -> str:
    """达标 / 未达标 as coloured text; '—' when it could not be judged."""
    if meets is True:
        return '<span class="pass">达标</span>'
    if meets is False:
        return '<span class="fail">未达标</span>'
    return "—"


def _indicator_row(ind: Mapping[str, Any]) -> str:
    """One row of the indicator table."""
    total, meeting = ind.get("schools_total"), ind.get("schools_meeting")
    schools = f"{fmt_number(meeting)}/{fmt_number(total)}" if total is not None else "—"
    value = f"{fmt_number(ind.get('value'))}{ind.get('unit') or ''}"
    cells = [
        text_or_dash(ind.get("code")),
        text_or_dash(ind.get("name")),
        escape(label(LEVEL_LABEL, ind.get("level"))),
        escape(standard_text(ind.get("standard"))),
        f'<td class="num">{escape(value)}',
        f'<td class="num">{escape(schools)}',
        escape(_cv(ind.get("cv"))),
        text_or_dash(ind.get("self_conclusion")),
        _verdict(ind.get("meets_standard")),
    ]
    return "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}" for c in cells) + "</tr>"


def _indicators(result: Mapping[str, Any]) -> str:
    """The indicator table: what the report states against the national standard."""
    rows = "".join(_indicator_row(ind) for ind in result.get("indicators") or [])
    if not rows:
        return "<section><h2>指标</h2><p>未提取到指标。</p></section>"
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "代码",
            "指标",
            "学段",
            "国家标准",
            "报告值",
            "达标学校",
            "差异系数",
            "自评结论",
            "核查",
        )
    )
    return f"<section><h2>指标</h2><table><tr>{head}</tr>{rows}</table></section>"


def document_page(result: Mapping[str, Any], text: str) -> str:
    """The full HTML page of one document."""
    meta = result.get("meta") or {}
    title = str(meta.get("title") or result.get("path") or result.get("doc_id") or "文档")
    body_text = (
        f'<div class="doctext" id="text">{highlight(text, result)}</div>'
        if text
        else '<p class="muted">无可显示的文本。</p>'
    )
    district = meta.get("district")
    district_link = (
        f' · <a href="{escape(district_href(str(district)))}">{escape(str(district))}的全部文档</a>'
        if district
        else ""
    )
    body = (
        f'<header class="top"><div class="sub"><a href="index.html">← 返回总览</a>{district_link}'
        f"</div>"
        f"<h1>{escape(title)}</h1></header><main>{_meta(result)}"
        f'<div class="layout"><section><h2>原文（问题与数值已标注）</h2>{body_text}</section>'
        f"{_sidebar(result, len(text))}</div>{_indicators(result)}</main>"
    )
    return page(title, body, script=asset("report.js"))
