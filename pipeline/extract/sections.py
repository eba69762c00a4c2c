"""The heading hierarchy of Chinese official documents, so every figure knows its section.

Levels: 一、 (1) → （一） (2) → 1. / 1、 (3) → （1） (4); indicator headings (指标一：, 指标101,
第X项) sit at level 5 under whatever section holds them. A heading is a short line, or the
first short clause of a line ("（一）资源配置情况。正文…").
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from pipeline.document import Document

_CN = "一二三四五六七八九十"
HEADING_PATTERNS: tuple[tuple[int, str], ...] = (
    (1, rf"[{_CN}]{{1,3}}\s*、"),
    (1, rf"第[{_CN}\d]{{1,3}}(?:部分|章)"),
    (2, rf"[（(]\s*[{_CN}]{{1,3}}\s*[)）]"),
    (3, r"\d{1,2}\s*[、.](?!\d)"),
    (4, r"[（(]\s*\d{1,2}\s*[)）]"),
    (5, rf"指标\s*(?:\d{{3}}|[{_CN}]{{1,3}})"),
    (5, rf"第[{_CN}\d]{{1,3}}项"),
)
_HEADING = regex.compile(
    "|".join(f"(?P<l{level}_{i}>{p})" for i, (level, p) in enumerate(HEADING_PATTERNS))
)

_TO_CLAUSE_END = regex.compile(r"[^。；;]*")
MAX_TITLE = 60


@dataclass
class Section:
    level: int
    marker: str
    title: str
    start: int  # heading start
    body_start: int
    end: int = -1
    parent: Section | None = None

    @property
    def path(self) -> list[str]:
        node, titles = self, []
        while node is not None:
            titles.append(node.title)
            node = node.parent
        return titles[::-1]


def find_sections(doc: Document) -> list[Section]:
    """Sections in document order; each ends where the next one of its level or higher starts."""
    sections: list[Section] = []
    stack: list[Section] = []
    for block in doc.blocks:
        if block.kind in ("table", "meta"):
            continue
        heading = _heading(doc.text, block.start, block.end)
        if heading is None:
            continue
        level, marker, title, body_start = heading
        while stack and stack[-1].level >= level:
            stack.pop().end = block.start
        section = Section(
            level, marker, title, block.start, body_start, parent=stack[-1] if stack else None
        )
        sections.append(section)
        stack.append(section)
    for section in stack:
        section.end = len(doc.text)
    return sections


def _heading(text: str, start: int, end: int) -> tuple[int, str, str, int] | None:
    m = _HEADING.match(text, start, end)
    if m is None:
        return None
    level = int(m.lastgroup[1:].split("_")[0])  # the alternative that matched: l<level>_<i>
    clause = _TO_CLAUSE_END.match(text, m.end(), end).group()
    title = clause.strip(" :：")
    if len(title) > MAX_TITLE and level < 5:
        return None  # a long first clause is prose that happens to start with a number
    return level, m.group().strip(), title[:MAX_TITLE], m.end() + len(clause)


def section_at(sections: list[Section], pos: int) -> Section | None:
    """The innermost section containing `pos`."""
    best = None
    for section in sections:
        if section.start <= pos < section.end and (best is None or section.level >= best.level):
            best = section
    return best
