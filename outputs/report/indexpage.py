"""The report's front page: the corpus at a glance, for an inspector comparing districts.

Documents by status, findings by rule and severity, one chart per numeric indicator (and
level) across districts with the national standard drawn in, and a table linking every page.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from outputs.report.charts import Dot, Row, Segment, Strip, Threshold, bar_chart, strip_chart
from outputs.report.docpage import (
    district_href,
    link,
    page_name,
    rule_link,
    standard_text,
    text_or_dash,
)
from outputs.report.highlight import fmt_number
from outputs.report.htmlpage import page_parts
from outputs.rule_docs import RULES_PAGE
from outputs.summary import NO_DISTRICT, STATES, district_rule_table, totals
from pipeline.catalog import Catalog, load_catalog
from pipeline.labels import (
    KIND_LABEL,
    LEVEL_LABEL,
    SEVERITIES,
    SEVERITY_LABEL,
    STATUS_LABEL,
    label,
)
from pipeline.review import STATE_LABEL

Result = Mapping[str, Any]
OPS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
}


def sort_key(result: Result) -> tuple[str, str, str, str]:
    """Stable order for tables and charts: by place, then path (runs give identical pages)."""
    meta = result.get("meta") or {}
    return (
        str(meta.get("province") or ""),
        str(meta.get("district") or ""),
        str(result.get("path") or ""),
        str(result.get("doc_id") or ""),
    )


def district_labels(results: Sequence[Result]) -> dict[str, str]:
    """A short, unique label per document: the district, disambiguated by year or id."""
    base = {}
    for r in results:
        meta = r.get("meta") or {}
        base[r["doc_id"]] = str(meta.get("district") or meta.get("title") or r["doc_id"][:8])
    counts = Counter(base.values())
    labels = {}
    for r in results:
        name = base[r["doc_id"]]
        if counts[name] > 1:
            year = (r.get("meta") or {}).get("report_year")
            name = f"{name}（{year or r['doc_id'][:6]}）"
        labels[r["doc_id"]] = name
    if len(set(labels.values())) < len(labels):
        labels = {k: f"{v}·{k[:6]}" for k, v in labels.items()}
    return labels


def severity_counts(result: Result) -> Counter[str]:
    """Findings of one document counted by severity."""
    return Counter(str(f.get("severity")) for f in result.get("findings") or [])


def _summary(results: Sequence[Result]) -> str:
    """Headline numbers and the documents-by-status table and chart."""
    statuses = Counter(str(r.get("status")) for r in results)
    total = Counter()
    for r in results:
        total += severity_counts(r)
    reviews = Counter(
        str(f.get("review") or "open") for r in results for f in r.get("findings") or []
    )
    head = (
        f"<p>文档 <b>{len(results)}</b> 份；问题："
        + "，".join(f"{label(SEVERITY_LABEL, s)} <b>{total[s]}</b>" for s in SEVERITIES)
        + "；复核："
        + "，".join(f"{escape(STATE_LABEL[s])} <b>{reviews[s]}</b>" for s in STATES)
        + f'。<a href="{RULES_PAGE}">规则说明</a></p>'
    )
    rows = "".join(
        f'<tr><td class="status-{escape(s)}">{escape(label(STATUS_LABEL, s))}</td>'
        f'<td class="num">{n}</td></tr>'
        for s, n in sorted(statuses.items())
    )
    css = {"ok": "st-ok", "failed": "st-failed", "unsupported": "st-failed"}
    chart = bar_chart(
        [
            Row(label(STATUS_LABEL, s), [Segment(n, css.get(s, "st-other"), f"{s}: {n}")])
            for s, n in sorted(statuses.items())
        ],
        caption="文档处理状态",
    )
    return (
        f'<section><h2>文档状态</h2>{head}<div class="grid"><div class="card">'
        f"<table><tr><th>状态</th><th>文档数</th></tr>{rows}</table></div>"
        f'<div class="card">{chart}</div></div></section>'
    )


def _findings(results: Sequence[Result]) -> str:
    """Findings by rule and severity: table plus a bar chart stacked by severity."""
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    docs: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for f in r.get("findings") or []:
            rule = str(f.get("rule"))
            by_rule[rule][str(f.get("severity"))] += 1
            docs[rule].add(r["doc_id"])
    if not by_rule:
        return "<section><h2>问题统计</h2><p>未发现问题。</p></section>"
    rules = sorted(by_rule, key=lambda k: (-sum(by_rule[k].values()), k))
    head = "".join(f"<th>{label(SEVERITY_LABEL, s)}</th>" for s in SEVERITIES)
    rows = "".join(
        f"<tr><td>{rule_link(rule)}</td>"
        + "".join(f'<td class="num">{by_rule[rule][s]}</td>' for s in SEVERITIES)
        + f'<td class="num">{sum(by_rule[rule].values())}</td>'
        f'<td class="num">{len(docs[rule])}</td></tr>'
        for rule in rules
    )
    chart = bar_chart(
        [
            Row(
                rule,
                [
                    Segment(
                        by_rule[rule][s],
                        f"sev-{s}",
                        f"{label(SEVERITY_LABEL, s)}: {by_rule[rule][s]}",
                    )
                    for s in SEVERITIES
                ],
            )
            for rule in rules
        ],
        caption="按规则与严重程度统计的问题",
    )
    return (
        f'<section><h2>问题统计（按规则与严重程度）</h2><div class="grid"><div class="card">'
        f"<table><tr><th>规则</th>{head}<th>合计</th><th>涉及文档</th></tr>{rows}</table></div>"
        f'<div class="card">{chart}</div></div></section>'
    )


def _number(value: Any) -> float | None:
    """A plottable number, or None for missing, boolean or non-numeric values."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value)


def _catalog_threshold(
    catalog: Catalog, code: str, level: str
) -> tuple[Threshold | None, str | None]:
    """The national standard for (code, level) from the catalog, when it is a fixed number."""
    for framework in catalog.frameworks.values():
        indicator = framework.indicators.get(code)
        standard = indicator.standard_for(level) if indicator else None
        if standard and standard.value is not None:
            text = standard_text(
                {"op": standard.op, "value": standard.value, "unit": standard.unit}
            )
            return Threshold(float(standard.value), f"国家标准 {text}"), standard.op
    return None, None


def _threshold(
    entries: list[tuple[Result, Mapping[str, Any]]], catalog: Catalog, code: str, level: str
) -> tuple[Threshold | None, str | None]:
    """The line to draw and its op: from the results' own `standard`, else from the catalog."""
    for _, ind in entries:
        std = ind.get("standard") or {}
        value = _number(std.get("value"))
        if value is not None:
            return Threshold(value, f"国家标准 {standard_text(std)}"), std.get("op")
    return _catalog_threshold(catalog, code, level)


def _bar_class(
    ind: Mapping[str, Any], value: float, threshold: Threshold | None, op: str | None
) -> str:
    """Green when the value meets the standard, red when not, grey when it cannot be told."""
    meets = ind.get("meets_standard")
    if meets is None and threshold and op in OPS:
        meets = OPS[op](value, threshold.value)
    return {True: "pass", False: "fail"}.get(meets, "unknown")


def _indicator_chart(
    code: str,
    level: str,
    entries: list[tuple[Result, Mapping[str, Any]]],
    labels: Mapping[str, str],
    catalog: Catalog,
) -> str:
    """One card: an indicator's values across districts with the national standard line."""
    threshold, op = _threshold(entries, catalog, code, level)
    name = next((str(ind.get("name")) for _, ind in entries if ind.get("name")), "")
    unit = next((str(ind.get("unit")) for _, ind in entries if ind.get("unit")), "")
    rows = []
    for r, ind in entries:
        value = _number(ind.get("value"))
        assert value is not None
        shown = f"{fmt_number(ind.get('value'))}{ind.get('unit') or ''}"
        css = _bar_class(ind, value, threshold, op)
        segment = Segment(value, css, f"{labels[r['doc_id']]}: {shown}")
        rows.append(Row(labels[r["doc_id"]], [segment], page_name(r["doc_id"]), shown))
    title = f"{code} {name} · {label(LEVEL_LABEL, level)}" + (f"（{unit}）" if unit else "")
    chart = bar_chart(rows, threshold, caption=title)
    return f'<div class="card"><h3>{escape(title)}</h3>{chart}</div>'


def _indicator_charts(
    results: Sequence[Result], labels: Mapping[str, str], catalog: Catalog
) -> Iterator[str]:
    """A chart for every (code, level) that at least one document gives a number for."""
    groups: dict[tuple[str, str], list[tuple[Result, Mapping[str, Any]]]] = defaultdict(list)
    for r in results:
        seen = set()
        for ind in r.get("indicators") or []:
            key = (str(ind.get("code")), str(ind.get("level") or "all"))
            if key not in seen and _number(ind.get("value")) is not None:
                seen.add(key)
                groups[key].append((r, ind))
    if not groups:
        yield "<section><h2>指标对比</h2><p>没有可对比的数值指标。</p></section>"
        return
    order = {code: i for fw in catalog.frameworks.values() for i, code in enumerate(fw.indicators)}
    levels = list(LEVEL_LABEL)

    def key(k: tuple[str, str]) -> tuple[int, str, int]:
        return order.get(k[0], 1 << 30), k[0], levels.index(k[1]) if k[1] in levels else 99

    ordered = sorted(groups, key=key)
    legend = '<p class="muted">绿色：达标；红色：未达标；灰色：无法判断；红色虚线：国家标准。点击条形进入该文档。</p>'
    yield _distribution(ordered, groups, labels, catalog)
    yield f'<section><h2>指标对比（各区县数值与国家标准）</h2>{legend}<div class="grid">'
    for code, level in ordered:
        yield _indicator_chart(code, level, groups[(code, level)], labels, catalog)
    yield "</div></section>"


def _distribution(
    ordered: list[tuple[str, str]],
    groups: Mapping[tuple[str, str], list[tuple[Result, Mapping[str, Any]]]],
    labels: Mapping[str, str],
    catalog: Catalog,
) -> str:
    """Each indicator's spread across districts in one chart: a dot per district, the
    national standard as a red line, and how many reports miss it."""
    strips = []
    for code, level in ordered:
        entries = groups[(code, level)]
        threshold, op = _threshold(entries, catalog, code, level)
        dots, below = [], 0
        for r, ind in entries:
            value = _number(ind.get("value"))
            css = _bar_class(ind, value, threshold, op)
            below += css == "fail"
            shown = f"{fmt_number(ind.get('value'))}{ind.get('unit') or ''}"
            dots.append(Dot(value, css, f"{labels[r['doc_id']]}: {shown}"))
        name = next((str(i.get("name")) for _, i in entries if i.get("name")), "")
        with contextlib.suppress(KeyError):
            name = catalog.indicator(code).short or name
        title = f"{code} {label(LEVEL_LABEL, level)} {name}"
        note = f"{len(dots)} 份" + (f"，未达标 {below}" if below else "")
        strips.append(Strip(title, dots, threshold.value if threshold else None, note))
    chart = strip_chart(strips, caption="各指标在各区县的分布与国家标准")
    return (
        '<section id="distribution"><h2>指标分布（每个点是一份报告，红线为国家标准）</h2>'
        '<p class="muted">每行按该指标自身的取值范围缩放；绿色达标，红色未达标，灰色无法判断。</p>'
        f'<div class="card">{chart}</div></section>'
    )


def _documents(results: Sequence[Result], labels: Mapping[str, str]) -> str:
    """Every document with its status, kind and counts of findings, linking to its page."""
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "区县",
            "标题",
            "类型",
            "状态",
            "发布日期",
            "指标数",
            "错误",
            "警告",
            "提示",
            "来源",
        )
    )
    rows = []
    for r in results:
        meta = r.get("meta") or {}
        counts = severity_counts(r)
        status = str(r.get("status"))
        title = str(meta.get("title") or r.get("path") or r["doc_id"])
        rows.append(
            f"<tr><td>{_district_cell(r, labels[r['doc_id']])}</td>"
            f'<td><a href="{escape(page_name(r["doc_id"]))}">{escape(title)}</a></td>'
            f"<td>{escape(label(KIND_LABEL, meta.get('kind')))}</td>"
            f'<td class="status-{escape(status)}">{escape(label(STATUS_LABEL, status))}</td>'
            f"<td>{text_or_dash(meta.get('published'))}</td>"
            f'<td class="num">{len(r.get("indicators") or [])}</td>'
            + "".join(f'<td class="num">{counts[s]}</td>' for s in SEVERITIES)
            + f"<td>{link(r.get('source_url'), '原文链接')}</td></tr>"
        )
    return f"<section><h2>文档与区县</h2><table><tr>{head}</tr>{''.join(rows)}</table></section>"


def _district_cell(result: Result, shown: str) -> str:
    district = (result.get("meta") or {}).get("district")
    if not district:
        return escape(shown)
    return f'<a href="{escape(district_href(str(district)))}">{escape(shown)}</a>'


def _district_summary(results: Sequence[Result]) -> str:
    """Findings by district × rule, counted by severity and review state (as the 汇总 sheet)."""
    rows = district_rule_table(results)
    if not rows:
        return ""
    head = "".join(f"<th>{label(SEVERITY_LABEL, s)}</th>" for s in SEVERITIES)
    head += "<th>合计</th>" + "".join(f"<th>{escape(STATE_LABEL[s])}</th>" for s in STATES)
    body = []
    for item in [*rows, totals(rows)]:
        if item.rule:
            place = (
                f'<a href="{escape(district_href(item.district))}">{escape(item.district)}</a>'
                if item.district != NO_DISTRICT
                else escape(item.district)
            )
            rule = rule_link(item.rule)
        else:
            place, rule = "<b>合计</b>", ""
        counts = [item.severity[s] for s in SEVERITIES] + [item.total]
        counts += [item.review[s] for s in STATES]
        body.append(
            f'<tr class="{"total" if not item.rule else ""}"><td>{place}</td><td>{rule}</td>'
            + "".join(f'<td class="num">{n}</td>' for n in counts)
            + "</tr>"
        )
    return (
        '<section id="district-summary"><h2>问题汇总（区县 × 规则，按严重程度与复核状态）</h2>'
        f"<table><tr><th>区县</th><th>规则</th>{head}</tr>{''.join(body)}</table></section>"
    )


def index_page(results: Sequence[Result], catalog: Catalog | None = None) -> str:
    """The whole front page for a corpus of document results."""
    return "".join(index_parts(results, catalog))


def index_parts(results: Sequence[Result], catalog: Catalog | None = None) -> Iterator[str]:
    """The front page in pieces, to be written as they are built: its charts grow with the
    corpus (13 MB for 3,000 reports, one bar per report and indicator)."""
    results = sorted(results, key=sort_key)
    catalog = catalog or load_catalog()
    labels = district_labels(results)
    head, tail = page_parts("核查总览")
    yield head
    yield (
        '<header class="top"><h1>义务教育督导评估自评报告核查总览</h1>'
        f'<div class="sub">共 {len(results)} 份文档</div></header><main>'
    )
    yield f"{_summary(results)}{_district_summary(results)}{_findings(results)}"
    yield from _indicator_charts(results, labels, catalog)
    yield f"{_documents(results, labels)}</main>"
    yield tail
