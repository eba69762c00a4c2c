"""report/rules.html: what every finding rule checks, generated from the rules data the engine
reads and the explanations in outputs/rule_docs.toml, so it cannot drift from the code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from outputs.report.htmlpage import page
from outputs.rule_docs import all_rules, rule_anchor
from pipeline.labels import SEVERITY_LABEL, label

FIELDS = (
    ("checks", "检查什么"),
    ("arithmetic", "算式"),
    ("passing", "通过的例子"),
    ("failing", "不通过的例子"),
    ("false_alarm", "为何可能误报"),
)


def rules_page(results: Sequence[Mapping[str, Any]]) -> str:
    used = Counter(str(f.get("rule")) for r in results for f in r.get("findings") or [])
    sections = []
    for doc in all_rules().values():
        rows = "".join(
            f"<dt>{title}</dt><dd>{escape(getattr(doc, key) or '—')}</dd>" for key, title in FIELDS
        )
        severity = label(SEVERITY_LABEL, doc.severity) if doc.severity else "视情况而定"
        template = (
            f'<dt>提示语模板</dt><dd class="muted">{escape(doc.message)}</dd>'
            if doc.message
            else ""
        )
        sections.append(
            f'<section id="{escape(rule_anchor(doc.id))}" class="rule-doc">'
            f'<h2>{escape(doc.name)} <span class="rule">{escape(doc.id)}</span></h2>'
            f'<dl class="rule-fields"><dt>默认严重程度</dt><dd>{escape(severity)}</dd>'
            f"<dt>本次问题数</dt><dd>{used.get(doc.id, 0)}</dd>{rows}{template}</dl></section>"
        )
    body = (
        '<header class="top"><div class="sub"><a href="index.html">← 返回总览</a></div>'
        "<h1>核查规则说明</h1></header><main>" + "".join(sections) + "</main>"
    )
    return page("核查规则说明", body)
