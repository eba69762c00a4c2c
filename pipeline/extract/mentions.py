"""Mentions: every quantity of a document read once in its context.

A mention is a Quantity (value, unit, decimals, qualifier) plus what the sentence around it
says: the label (the noun phrase it measures: 专任教师, 问卷调查综合满意度, read before the number
or after its unit), the school level (小学 / 初中 / all), the year, whether it is a target
(到2027年…力争…), a quoted standard (标准：小学达到4.2人以上) or a fact, its bracket depth, and
its clause and sentence spans. Mentions (`pipeline.extract.figures`) are the contract's view of
mentions; indicators and the engine's duplicate check read them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import regex

from pipeline.catalog import load_catalog
from pipeline.data import cleared_with, derived_from, lexicon
from pipeline.document import Document, Span
from pipeline.extract.quantities import Quantity
from pipeline.extract.text import LABEL_BREAK, bracket_depth, clause_start

_RUN_GAP = regex.compile(r"\s*[、，,和及]\s*")
_NOUN_AFTER = regex.compile(r"\s*([\p{Han}]{1,12}?)(?=[，,；;。、（(）)]|$)")

# Connectives between a label and its number, stripped from the end of a label.
_TRAILING = regex.compile(
    r"(?:分别为|分别是|分别达到|分别达|分别|均为|均达到|均达|均|已达到|已达|达到了|达到|达|为|是|共有|共计|共|"
    r"合计|总计|计|有|约|占|仅|已|在|由|从|至|到|增至|降至|提高到|提升到|保持在|控制在|不低于|不少于|不超过|"
    r"超过|高于|低于|不足|近|逾|了|的|:|：|\s)+$"
)
_LEADING = regex.compile(
    r"^(?:其中|包括|含|以及|及|和|与|并|且|其|全区|全县|全市|全旗|我区|我县|我市|目前|现有|现|另有|另|截至|"
    r"(?:19|20)\d{2}\s*(?:年|学年)(?:度|底|末|初|秋季|春季)?(?:学期)?|\d{1,2}月(?:底|末)?)+"
)
_RESPECTIVELY = "分别"
_YEAR = regex.compile(r"(?<![\d.])((?:19|20)\d{2})\s*(?:年|学年|年度)")
_TARGET = regex.compile("|".join(lexicon()["targets"]["mention"]))
_STANDARD = regex.compile(
    r"^\s*(?:评估)?标准\s*[:：]|国家(?:规定|要求|标准)|要求.{0,20}(?:不低于|不超过|达到|以上|以下)|"
    r"不低于|不少于|不超过|不高于|不小于|不大于|[≥≤]"
)
# Qualifiers that state a norm rather than a measurement (不低于6000元, 不超过45人).
NORM_QUALIFIERS = frozenset(lexicon()["qualifiers"]["norm"])
_STANDARD_HEAD = regex.compile(r"\s*(?:评估|国家|认定)?标准\s*[:：]")
MAX_LABEL = 24


@dataclass
class Mention:
    label: str
    quantity: Quantity
    level: str
    year: int | None
    is_target: bool
    is_standard: bool
    sentence: Span
    clause: Span = field(default_factory=lambda: Span(0, 0))  # last clause mark → number
    depth: int = 0  # brackets open around the number within its sentence

    @property
    def start(self) -> int:
        return self.quantity.start

    @property
    def end(self) -> int:
        return self.quantity.end


@cleared_with("lexicon.toml")
@derived_from("catalog.toml")
def level_words() -> list[tuple[str, str]]:
    """(word, level) pairs from the catalog, longest first, for primary/junior only."""
    levels = load_catalog().levels
    pairs = [(w, lv) for w, lv in levels.items() if lv in ("primary", "junior")]
    pairs += list(lexicon()["levels"]["extra"].items())
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


@cleared_with("catalog.toml", "lexicon.toml")
@lru_cache(maxsize=8192)
def level_of(text: str) -> str | None:
    """The school level a phrase names, if exactly one level is named; remembered, since labels
    and clauses repeat (a scan of every level word per call was 5% of the audit)."""
    found = {lv for word, lv in level_words() if word in text}
    if "九年一贯制" in text and len(found) > 1:
        return None
    return found.pop() if len(found) == 1 else None


def derive_mentions(
    doc: Document,
    quantities: list[Quantity],
    kind: str | None = None,
    report_year: int | None = None,
) -> list[Mention]:
    """Mentions of the quantities outside metadata blocks, in text order."""
    figures: list[Mention] = []
    text = doc.text
    skip = [(b.start, b.end) for b in doc.blocks if b.kind == "meta"]
    starts = [s.start for s in doc.sentences]  # `Document.sentence_at`, without a key per probe
    previous_end = 0
    years_read: dict[tuple[int, int], tuple[list, list]] = {}
    for q in quantities:
        if skip and any(s <= q.start < e for s, e in skip):
            continue
        k = bisect_right(starts, q.start) - 1
        sentence = doc.sentences[k] if k >= 0 else Span(0, 0)
        label_floor = max(
            sentence.start, previous_end if previous_end > sentence.start else sentence.start
        )
        label = label_before(text, label_floor, q.start) or label_after(text, q.end, sentence.end)
        clause_from = clause_start(text, sentence.start, q.start)  # read once, used thrice
        clause = text[clause_from : q.start]
        figures.append(
            Mention(
                label=label,
                quantity=q,
                level=level_of(label) or level_of(clause) or "all",
                year=_year(text, sentence, q, years_read),
                is_target=_is_target(doc, sentence, q, kind, report_year),
                is_standard=q.qualifier in NORM_QUALIFIERS
                or _STANDARD.search(clause, max(0, previous_end - clause_from)) is not None
                or _STANDARD_HEAD.match(text, sentence.start) is not None,
                sentence=sentence,
                clause=Span(clause_from, q.start),
                depth=bracket_depth(text, sentence.start, q.start),
            )
        )
        previous_end = q.end
    apply_respectively(text, figures)
    return figures


@lru_cache(maxsize=4096)
def label_before(text: str, floor: int, pos: int) -> str:
    """The noun phrase right before a number: the last clause, less connectives; remembered,
    since the engine's statements ask again for half the spans the mentions read."""
    segment = text[floor:pos]
    for _ in range(3):
        segment = _TRAILING.sub("", segment)
        if not segment:
            return ""
        label = _LEADING.sub("", LABEL_BREAK.split(segment)[-1].strip())
        if label:
            return label[-MAX_LABEL:]
        segment = segment[: max((m.start() for m in LABEL_BREAK.finditer(segment)), default=0)]
    return ""


def apply_respectively(text: str, figures: list[Mention]) -> None:
    """ "小学、初中分别为0.491、0.229": one label for the run, levels by position."""
    for i, fig in enumerate(figures):
        at = text.rfind(_RESPECTIVELY, fig.sentence.start, fig.start)  # the last 分别 before it
        if at < 0:
            continue
        before = text[fig.sentence.start : fig.start]
        at -= fig.sentence.start
        if LABEL_BREAK.search(_TRAILING.sub("", before[at + len(_RESPECTIVELY) :])):
            continue
        run = _run_after(text, figures, i)
        if len(run) < 2 or any(f.sentence != fig.sentence for f in run):
            continue
        head = before[:at]
        head = head[clause_start(head, 0, len(head)) :]
        levels = [lv for lv in _levels_in_order(head)]
        label = (
            _LEADING.sub("", _TRAILING.sub("", _strip_level_list(head))).strip("、 ") or fig.label
        )
        for k, member in enumerate(run):
            member.label = label[-MAX_LABEL:]
            member.is_standard = member.is_standard or fig.is_standard  # 分别不超过45人、50人
            if len(levels) == len(run):
                member.level = levels[k]


def _run_after(text: str, figures: list[Mention], i: int) -> list[Mention]:
    run = [figures[i]]
    for nxt in figures[i + 1 :]:
        gap = text[run[-1].end : nxt.start]
        if not _RUN_GAP.fullmatch(gap):
            break
        run.append(nxt)
    return run


def _levels_in_order(text: str) -> list[str]:
    lookup = dict(level_words())
    return [lookup[m.group()] for m in _level_patterns()[0].finditer(text)]


def _strip_level_list(text: str) -> str:
    return _level_patterns()[1].sub("", text)


@derived_from("catalog.toml")
def _level_patterns() -> tuple[regex.Pattern, regex.Pattern]:
    """Any level word, and a list of level words (小学、初中), built once from the catalog."""
    words = "|".join(regex.escape(w) for w, _ in level_words())
    return regex.compile(words), regex.compile(rf"(?:{words})(?:\s*[、和及]\s*(?:{words}))+")


def label_after(text: str, pos: int, limit: int) -> str:
    """For "26所学校" style, the noun after the unit."""
    m = _NOUN_AFTER.match(text, pos, limit)  # bounds, not a copy of the rest of the text
    return m.group(1) if m else ""


def _year(
    text: str, sentence: Span, q: Quantity, read: dict[tuple[int, int], tuple[list, list]]
) -> int | None:
    """The last year named in the sentence before the number. A sentence's years are read
    once for all its numbers (`read`: their ends and values): a year never runs into a number,
    so those ending before it are what a scan up to the number finds."""
    if q.start > sentence.end:  # between sentences: scanned up to the number itself
        years = [int(m.group(1)) for m in _YEAR.finditer(text, sentence.start, q.start)]
        return years[-1] if years else None
    key = (sentence.start, sentence.end)
    if key not in read:
        found = list(_YEAR.finditer(text, sentence.start, sentence.end))
        read[key] = [m.end() for m in found], [int(m.group(1)) for m in found]
    ends, years = read[key]
    k = bisect_right(ends, q.start)
    return years[k - 1] if k else None


_BOUNDS = tuple(lexicon()["qualifiers"]["plan_bounds"])
PLAN_KINDS = ("implementation_plan", "research_report")


def _is_target(
    doc: Document, sentence: Span, q: Quantity, kind: str | None, report_year: int | None
) -> bool:
    """Targets: explicit cues (到2027年, 力争, 确保), or in a plan a bound (以上, 达到) or a
    paragraph that names a year from the report's own year on."""
    if _TARGET.search(doc.text[sentence.start : q.end + 6]):
        return True
    if kind not in PLAN_KINDS:
        return False
    if q.qualifier in _BOUNDS:
        return True
    block = doc.block_at(q.start)
    if block is None or report_year is None:
        return False
    years = [int(m.group(1)) for m in _YEAR.finditer(doc.text, block.start, block.end)]
    return any(y >= report_year for y in years)
