"""Cutting report text: sentences, statements, clauses and bracket depth, in one place.

Two reading units, on purpose: a *sentence* ends at 。！？； or a line break and is the evidence
an inspector reads; a *statement* ends only at 。！？ or a line break, so that
"…346名；其中交流骨干教师103名，占交流教师数的29%" stays one unit for relations. A *clause*
runs from the last clause mark before a position. Every function works on absolute offsets into
the document text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from functools import cache, lru_cache

import regex

from pipeline.document import Span

_SENTENCE = regex.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』)）]*|\n|$)")
_STATEMENT_END = regex.compile(r"[。！？!?\n]")
OPEN, CLOSE = "（(", "）)"
_BRACKET = regex.compile(f"[{regex.escape(OPEN + CLOSE)}]")
# Clause marks: a comma or semicolon; relations also cut at a colon ("标准：…").
CLAUSE_MARKS = "，,；;"
CLAUSE_MARKS_COLON = "，,；;：:"
CLAUSE_MARKS_LIST = "，,；;、"  # an enumeration comma ends a listed item's clause too
# Marks that end a label phrase (clause marks, enumeration comma, brackets and quotes).
LABEL_BREAK = regex.compile(r"[，,；;。！？!?、（()）“”\"]")


def sentences(text: str) -> list[Span]:
    """Sentences end at 。！？； (and their ASCII forms) and at line breaks; blanks trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start] in " \n":
            start += 1
        stop = end
        while stop > start and text[stop - 1] in " \n":
            stop -= 1
        if stop > start:
            spans.append(Span(start, stop))
    return spans


def statements(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Statement spans of text[start:end], cut after 。！？ and line breaks."""
    spans, s = [], start
    for m in _STATEMENT_END.finditer(text, start, end):
        spans.append((s, m.end()))
        s = m.end()
    if s < end:
        spans.append((s, end))
    return spans


@lru_cache(maxsize=1024)
def clause_start(text: str, floor: int, pos: int, marks: str = CLAUSE_MARKS) -> int:
    """Offset just after the last clause mark in text[floor:pos] (floor when there is none),
    found by one search backwards from pos; remembered, since a number's clause is asked for
    again by its label, level and standard cue."""
    m = _last_mark(marks).search(text, floor, pos)
    return m.end() if m is not None else floor


@cache
def _last_mark(marks: str) -> regex.Pattern:
    """Any of the marks (single characters), searched from the end: the last one first."""
    return regex.compile(f"(?r)[{regex.escape(marks)}]")


def clause_before(text: str, floor: int, pos: int, marks: str = CLAUSE_MARKS) -> str:
    """The clause leading up to pos: text from the last clause mark (or floor) to pos."""
    return text[clause_start(text, floor, pos, marks) : pos]


def bracket_depth(text: str, start: int, pos: int) -> int:
    """How many brackets opened in text[start:pos] are still open at pos (only the brackets
    are visited: most sentences have none)."""
    depth = 0
    for m in _BRACKET.finditer(text, start, pos):
        if m.group() in OPEN:
            depth += 1
        else:
            depth = max(0, depth - 1)
    return depth


def bracket_depths(text: str, start: int, end: int) -> Callable[[int], int]:
    """bracket_depth for many positions of one span, computed in one pass over its brackets
    (an opening bracket counts at its own position, a closing one from the next)."""
    marks: list[int] = []  # bracket positions
    after: list[int] = []  # depth once the bracket at marks[k] is read
    depth = 0
    for m in _BRACKET.finditer(text, start, end):
        depth = depth + 1 if m.group() in OPEN else max(0, depth - 1)
        marks.append(m.start())
        after.append(depth)

    def depth_at(pos: int) -> int:
        if not start <= pos < end:
            return 0
        k = bisect_right(marks, pos)
        if k and marks[k - 1] == pos and text[pos] in CLOSE:
            k -= 1  # a closing bracket is still inside what it closes
        return after[k - 1] if k else 0

    return depth_at


def matching_close(text: str, open_pos: int, end: int) -> int:
    """Offset of the bracket closing the one at open_pos (end when it is never closed)."""
    depth = 0
    for i in range(open_pos, end):
        if text[i] in OPEN:
            depth += 1
        elif text[i] in CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return end
