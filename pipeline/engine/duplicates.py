"""Duplicates: the same head count stated twice with different values. One binding key
(label less its scope words, unit, level, year) serves inside a document here and across the
documents of one district in `pipeline.engine.corpus`.
"""

from __future__ import annotations

import regex

from pipeline.engine.findings import Finding, base, finding, q_text
from pipeline.extract.quantities import Quantity
from pipeline.extract.text import clause_before


def check_duplicates(figures: list, text: str = "") -> list[Finding]:
    """The same stock figure (label, unit, level, year) stated with different values.

    Only head counts of people (专任教师, 在校学生, 随迁子女…) qualify: other labels name counts
    that legitimately differ from one indicator to the next (达标学校, 投入资金, 占比).
    """
    first_seen: dict[tuple, object] = {}
    findings = []
    for fig in figures:
        key = duplicate_key(fig.label, fig.quantity, fig.level, fig.year)
        if key is None or fig.is_target or fig.is_standard or in_value_list(fig, text):
            continue
        key = (*key, _scope(text, fig))
        earlier = first_seen.setdefault(key, fig)
        if earlier is fig or earlier.sentence == fig.sentence:
            continue
        a, b = earlier.quantity, fig.quantity
        if base(a) == base(b):
            continue
        findings.append(
            finding(
                "duplicate_mismatch",
                "beyond",
                b,
                f"{q_text(a)} ≠ {q_text(b)}",
                b.value,
                a.value,
                extra={"first": {"start": a.start, "end": a.end}},
                label=key[0],
                first=q_text(a),
                second=q_text(b),
            )
        )
    return findings


_SCOPE = regex.compile(
    r"^(?:全区|全县|全市|全旗|我区|我县|目前|现有|共有|义务教育阶段|义务教育学校|义务教育|中小学|的)+"
)
_STOCK = regex.compile(r"教师|教职工|学生|在校生|幼儿|儿童|少年|随迁子女|毕业生")
_FLOW = regex.compile(
    r"达标|完成|新增|新进|新招|招聘|培训|交流|轮岗|参与|获|评|投入|资助|选|走教|检查|调研|送教|抽"
)


# Words that scope a head count to one part of the system: the same noun under two of them
# names two quantities ("公办…专任教师539人；民办园…专任教师10人").
_SEMICOLON = regex.compile(r"[；;]")
_CLAUSE_END = regex.compile(r"[，,；;（(。]")
_SCOPE_WORDS = regex.compile(
    r"幼儿园|学前|小学|初中|中学|高中|中职|职业|特殊教育|特教|义务教育|公办|民办|城区|农村|乡村|城镇|高校"
)


def _scope(text: str, fig) -> frozenset[str]:  # noqa: ANN001 - a pipeline.extract.figures.Figure
    """The scope words of a mention's own clause run and of its paragraph's opening clause: a
    count is compared only with one of the same scope."""
    sentence = text[fig.sentence.start : fig.quantity.start]
    segment = _SEMICOLON.split(sentence)[-1]
    paragraph = text[text.rfind("\n", 0, fig.sentence.start) + 1 :]
    opening = _CLAUSE_END.split(paragraph, maxsplit=1)[0]
    return frozenset(_SCOPE_WORDS.findall(segment + " " + opening))


def duplicate_key(label: str, q: Quantity, level: str, year: int | None) -> tuple | None:
    """A comparable key for head counts of people, or None when the label is not one."""
    if not q.exact or q.ratio or q.kind != "count" or q.base_unit not in ("人", "名"):
        return None
    name = _SCOPE.sub("", label or "")
    if len(name) < 4 or not _STOCK.search(name) or _FLOW.search(name):
        return None
    return (name, q.base_unit if q.base_unit != "名" else "人", level, year)


def in_value_list(fig, text: str) -> bool:  # noqa: ANN001 - a pipeline.extract.figures.Figure
    """Values in a 分别 or 、 run stand for several years or groups, not one figure."""
    q = fig.quantity
    clause = clause_before(text, fig.sentence.start, q.start)
    near = text[max(0, q.start - 2) : q.end + 2]
    return "分别" in clause or "、" in near
