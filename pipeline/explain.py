"""`edu-audit explain FILE [--sentence N | --at OFFSET]`: the intermediate state behind a
finding, as pdfplumber's debug_tablefinder shows its own — the mentions of a sentence (value,
unit, label, level, year, target / standard flags, bracket depth), the relations the engine
read from the statements around it, the candidates a reader refused and why, and the findings.
"""

from __future__ import annotations

from dataclasses import fields

from pipeline.document import Document, Span
from pipeline.engine import every_finding, once_per_statement
from pipeline.engine.families import relations_in
from pipeline.engine.findings import q_text
from pipeline.engine.reading import Relation, Statement, statements
from pipeline.extract import Extracted, extract
from pipeline.extract.figures import Figure
from pipeline.ingest.files import ingest_path
from pipeline.labels import LEVEL_LABEL

_YES = {True: "是", False: "否"}


def explain_path(path: str, sentence: int | None = None, at: int | None = None) -> str:
    """The explanation text for one file: one sentence (1-based number, or the one holding a
    character offset), or an index of the sentences that hold numbers."""
    doc = ingest_path(path)
    if doc.status != "ok":
        return f"无法读取：{doc.error}（状态 {doc.status}）"
    extracted = extract(doc)
    if at is not None:
        if not 0 <= at < len(doc.text):
            return f"偏移 {at} 超出正文范围（0–{len(doc.text) - 1}）"
        sentence = next((i for i, s in enumerate(doc.sentences, 1) if s.start <= at < s.end), None)
        if sentence is None:
            return f"偏移 {at} 不在任何句子内"
    if sentence is None:
        return _index(doc, extracted)
    if not 1 <= sentence <= len(doc.sentences):
        return f"句子编号 {sentence} 超出范围（1–{len(doc.sentences)}）"
    return explain_sentence(doc, extracted, sentence)


def _index(doc: Document, extracted: Extracted) -> str:
    lines = ["含数字的句子（用 --sentence N 查看其中的数量与关系）："]
    for i, span in enumerate(doc.sentences, 1):
        n = sum(1 for f in extracted.figures if span.start <= f.start < span.end)
        if n:
            lines.append(f"  {i:>4}  [{span.start}–{span.end}] {n}个数量  {_clip(doc, span)}")
    return "\n".join(lines)


def explain_sentence(doc: Document, extracted: Extracted, number: int) -> str:
    span = doc.sentences[number - 1]
    lines = [f"句子 {number} [{span.start}–{span.end}]：{doc.text[span.start : span.end]}", ""]
    lines.append("数量（mentions）：")
    figures = [f for f in extracted.figures if span.start <= f.start < span.end]
    lines += [_mention_line(doc, f) for f in figures] or ["  （无）"]
    stmts = [s for s in statements(doc, extracted.quantities) if _overlaps(s, span)]
    relations: list[Relation] = []
    for stmt in stmts:
        relations += relations_in(stmt)
    lines += ["", "关系（relations，按陈述句读取）："]
    lines += [f"  {_relation_line(r)}" for r in relations] or ["  （无）"]
    refusals = [r for stmt in stmts for r in stmt.refusals]
    lines += ["", "未建立的候选关系（refusals）："]
    lines += [f"  {r.reader} @{r.pos}：{r.reason}" for r in refusals] or ["  （无）"]
    found = every_finding(doc, extracted)
    kept = {id(f) for f in once_per_statement(doc, found)}
    every = [f for f in found if _overlaps(f, span)]
    lines += ["", "发现（findings）："]
    lines += [
        f"  {f.rule} {f.severity}：{f.formula}"
        + ("" if id(f) in kept else "（同一陈述在后文重复出现，只在最后一处报告）")
        for f in every
    ] or ["  （无）"]
    return "\n".join(lines)


def _mention_line(doc: Document, f: Figure) -> str:
    q = f.quantity
    return (
        f"  {q_text(q)}  值={q.value} 单位={q.unit or '—'} 小数位={q.decimals}"
        f" 名称={f.label or '—'} 学段={LEVEL_LABEL.get(f.level, f.level)} 年份={f.year or '—'}"
        f" 目标={_YES[f.is_target]} 标准={_YES[f.is_standard]}"
        f" 修饰={q.qualifier or '—'} 括号层={f.depth} @{q.start}"
    )


def _relation_line(rel: Relation) -> str:
    """A relation by kind, mode and the quantities in its roles and lists."""
    roles = "，".join(f"{name}={q_text(q)}" for name, q in rel.roles.items())
    extra = []
    for fld in fields(rel):
        value = getattr(rel, fld.name)
        if fld.name in ("parts", "shares", "candidates") and value:
            extra.append(f"{fld.name}=" + " + ".join(q_text(q) for q in value))
        elif fld.name in ("items",) and value:
            extra.append(f"{fld.name}=" + "、".join(value))
    mode = f"（{rel.mode}）" if rel.mode else ""
    return f"{rel.kind}{mode} [{rel.start}–{rel.end}] " + "；".join(filter(None, [roles, *extra]))


def _overlaps(item: Statement | Span | object, span: Span) -> bool:
    return item.start < span.end and span.start < item.end  # type: ignore[attr-defined]


def _clip(doc: Document, span: Span, width: int = 40) -> str:
    text = doc.text[span.start : span.end].replace("\n", " ")
    return text if len(text) <= width else text[:width] + "…"
