"""Text normalisation with an offset map back to the extracted text.

Reports mix full-width and half-width digits and punctuation; numbers are recognised on the
NFKC form. Every position in the normalised text maps back to the extracted text, so evidence
spans can always be shown in the original.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import regex

from extractors.encoding import code_point_class

# Characters whose NFKC form would create false digits or lose meaning stay as they are:
# circled enumerators (① → 1), unit symbols (㎡ → m2), and the prose punctuation of Chinese
# (，（）；！？) that inspectors expect to read in evidence sentences.
_KEEP = set(range(0x2460, 0x24FF + 1)) | set(range(0x3251, 0x325F + 1))
_KEEP |= set(range(0x32B1, 0x32BF + 1)) | set(range(0x3371, 0x33DF + 1)) | {0x2030}
_KEEP |= {ord(c) for c in "，（）；！？"}


@cache
def _changing_chars() -> re.Pattern:
    """A character class of every BMP character that NFKC changes, as ranges (built once)."""
    points = [
        cp
        for cp in range(0x80, 0x10000)
        if cp not in _KEEP
        and not 0xD800 <= cp <= 0xDFFF
        and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    return code_point_class(points)


# Spaces inside numbers: "1 493" (thousands group), "88. 9", "88 .9", "59 %". A run of numbers
# separated by spaces is a table row ("158 1243 34737", "12 141 3093"): its cells stay apart.
_NUMBER_SPACES = regex.compile(
    r"(?<=(?<![\d.,][ \t]{0,8})(?<![\d.,])\d{1,3})[ \t\u00a0\u2009\u202f]+(?=\d{3}(?![\d.]|[ \t]+\d))"
    r"|(?<=\d\.)[ \t]+(?=\d)|(?<=\d)[ \t]+(?=\.\d)|(?<=\d)[ \t]+(?=[%‰])"
)
# Every match of _NUMBER_SPACES holds a digit next to a space: blocks without one skip it.
_NUMBER_SPACES_HINT = regex.compile(r"\d[ \t\u00a0\u2009\u202f]|[ \t]\d")
# Plain classes and fixed lookarounds: the stdlib re searches these several times faster.
_CARRIAGE_RETURNS = re.compile(r"\r\n?")
_SPACE_RUNS = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\u202f\ufeff]+")
_LINE_END_SPACES = re.compile(r"[ \t]+(?=\n)|(?<=\n)[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


_Pattern = re.Pattern | regex.Pattern
_Match = re.Match | regex.Match


@dataclass
class StepMap:
    """One substitution step: from `targets[k]` on, position i maps to
    `sources[k] + (i - targets[k])` until the next breakpoint."""

    targets: list[int]
    sources: list[int]
    source_length: int

    def to_source(self, pos: int) -> int:
        k = bisect_right(self.targets, pos) - 1
        return min(self.sources[k] + pos - self.targets[k], self.source_length)


@dataclass
class OffsetMap:
    """Maps positions in the normalised text back to the extracted text, step by step."""

    steps: list[StepMap] = field(default_factory=list)

    def to_source(self, pos: int) -> int:
        for step in reversed(self.steps):
            pos = step.to_source(pos)
        return pos


def substitute(text: str, pattern: _Pattern, repl: Callable[[_Match], str]) -> tuple[str, StepMap]:
    """Like pattern.sub, returning the new text and its map back to `text`."""
    out: list[str] = []
    targets, sources = [0], [0]
    pos = 0
    length = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        length += m.start() - pos
        new = repl(m)
        for k in range(len(new)):
            targets.append(length + k)
            sources.append(m.start())
        out.append(new)
        length += len(new)
        pos = m.end()
        targets.append(length)
        sources.append(pos)
    out.append(text[pos:])
    return "".join(out), _dedupe(StepMap(targets, sources, len(text)))


def _dedupe(m: StepMap) -> StepMap:
    """Keep the last source for repeated targets (an empty replacement)."""
    targets, sources = [], []
    for t, s in zip(m.targets, m.sources, strict=True):
        if targets and targets[-1] == t:
            sources[-1] = s
        else:
            targets.append(t)
            sources.append(s)
    return StepMap(targets, sources, m.source_length)


_Step = tuple[Callable[[str], bool], _Pattern, Callable[[_Match], str]]


@cache
def _steps() -> list[_Step]:
    """(cheap precondition, pattern, replacement) in order; the precondition skips most work."""

    def has_newline(t: str) -> bool:
        return "\n" in t

    return [
        (lambda t: "\r" in t, _CARRIAGE_RETURNS, lambda m: "\n"),
        (
            lambda t: not t.isascii(),
            _changing_chars(),
            lambda m: unicodedata.normalize("NFKC", m.group()),
        ),
        (lambda t: _NUMBER_SPACES_HINT.search(t) is not None, _NUMBER_SPACES, lambda m: ""),
        (lambda t: True, _SPACE_RUNS, lambda m: " "),
        (has_newline, _LINE_END_SPACES, lambda m: ""),
        (has_newline, _BLANK_LINES, lambda m: "\n\n"),
    ]


def normalize(text: str) -> tuple[str, OffsetMap]:
    """NFKC-fold numbers and punctuation, tidy whitespace; return text and offset map."""
    omap = OffsetMap()
    for needed, pattern, repl in _steps():
        if not needed(text) or not pattern.search(text):
            continue
        text, step_map = substitute(text, pattern, repl)
        omap.steps.append(step_map)
    return text, omap
