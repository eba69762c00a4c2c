"""Reading relations: statements of a document, their quantities as tokens, and what the
family readers share (units that add up, category terms, value lists, label likeness).

The reading unit is the *statement* (`pipeline.extract.text.statements`): a paragraph block cut
at 。！？, semicolons kept inside. When a reading is ambiguous the relation is not built and the
reader records a refusal: a missed relation costs less than a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import regex

from pipeline.data import derived_from, lexicon
from pipeline.document import Document
from pipeline.extract.fold import same_length_simplified
from pipeline.extract.mentions import label_after, label_before
from pipeline.extract.quantities import Quantity
from pipeline.extract.text import (
    CLAUSE_MARKS_COLON,
    bracket_depth,
    bracket_depths,
    clause_before,
)
from pipeline.extract.text import statements as text_statements

_TARGET = regex.compile("|".join(lexicon()["targets"]["statement"]))


@derived_from("lexicon.toml")
def _category_terms() -> list[tuple[str, str, regex.Pattern]]:
    """(term, dimension, pattern) triples, longest term first (so 基本达标 wins over 达标)."""
    dims = lexicon()["vocabulary"]["dimensions"]
    pairs = [(term, dim) for dim, terms in dims.items() for term in terms]
    ordered = sorted(pairs, key=lambda p: len(p[0]), reverse=True)
    return [(term, dim, regex.compile(regex.escape(term))) for term, dim in ordered]


# --------------------------------------------------------------------------------------------
# Statements and tokens


@dataclass
class Token:
    """A quantity inside a statement: its parenthesis depth and the phrase that names it."""

    q: Quantity
    depth: int
    label: str
    index: int
    after: str = ""

    @property
    def name(self) -> str:
        """What the number counts: the noun after it ("56所达标") or the phrase before it."""
        return self.after or self.label

    @property
    def start(self) -> int:
        return self.q.start

    @property
    def end(self) -> int:
        return self.q.end


@dataclass
class Statement:
    start: int
    end: int
    text: str  # the whole document text (offsets are absolute)
    tokens: list[Token]
    is_target: bool = False
    previous: Statement | None = None  # the sentence just before, in the same paragraph
    refusals: list[Refusal] = field(default_factory=list)
    # the same text with traditional characters simplified (same offsets): what the readers'
    # vocabulary is matched against, so a mirror site's 減少 reads as 减少
    match_text: str = ""

    def __post_init__(self) -> None:
        self.match_text = self.match_text or self.text

    def slice(self, a: int, b: int) -> str:
        return self.text[a:b]

    def between(self, a: Token, b: Token) -> str:
        return self.match_text[a.end : b.start]

    def clause_before(self, pos: int) -> str:
        """Text from the last clause break (or statement start) up to pos."""
        return clause_before(self.match_text, self.start, pos, CLAUSE_MARKS_COLON)

    def depth_at(self, pos: int) -> int:
        return bracket_depth(self.text, self.start, pos)

    def refuse(self, reader: str, pos: int, reason: str) -> None:
        """Record why a reader built no relation at pos (shown by `edu-audit explain`)."""
        self.refusals.append(Refusal(reader, pos, reason))


@dataclass
class Relation:
    """Quantities the text ties together; each family subclasses it with its own fields, and
    `roles` names the quantities (total, part, whole, share, …)."""

    kind: str
    start: int
    end: int
    roles: dict[str, Quantity] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    mode: str = ""


@dataclass
class Refusal:
    """A candidate relation a reader saw and did not build, with the short reason why."""

    reader: str
    pos: int
    reason: str


def statements(doc: Document, quantities: list[Quantity]) -> list[Statement]:
    """Statements of the non-meta blocks, each with its quantities as tokens."""
    result: list[Statement] = []
    ordered = sorted(quantities, key=lambda q: q.start)
    match_text = same_length_simplified(doc.text)
    k = 0
    last_of_block: Statement | None = None
    for block in doc.blocks:
        if block.kind == "meta":
            continue
        # a paragraph opening with 其中 continues the one before it
        opens_among = _AMONG_OPENING.match(doc.text, block.start) is not None
        previous: Statement | None = last_of_block if opens_among else None
        for start, end in text_statements(doc.text, block.start, block.end):
            while k < len(ordered) and ordered[k].start < start:
                k += 1
            inside = []
            j = k
            while j < len(ordered) and ordered[j].end <= end:
                inside.append(ordered[j])
                j += 1
            current = _statement(doc.text, start, end, inside) if inside else None
            if current is not None:
                current.previous, current.match_text = previous, match_text
                result.append(current)
            previous = current
        last_of_block = previous
    return result


_AMONG_OPENING = regex.compile(r"\s*其中\s*[，,：:]")


def statement_of(text: str, quantities: list[Quantity] | None = None) -> Statement:
    """A single statement over a whole text (tests and callers without a Document)."""
    from pipeline.extract.quantities import find_quantities

    qs = find_quantities(text) if quantities is None else quantities
    return _statement(text, 0, len(text), qs)


def _statement(text: str, start: int, end: int, qs: list[Quantity]) -> Statement:
    depth_at = bracket_depths(text, start, end)
    tokens: list[Token] = []
    prev_end = start
    for i, q in enumerate(qs):
        after = _after_label(text, q, end)
        tokens.append(Token(q, depth_at(q.start), _label(text, start, prev_end, q, end), i, after))
        prev_end = q.end
    head = text[start:end]
    return Statement(start, end, text, tokens, is_target=_TARGET.search(head) is not None)


LEAD = regex.compile(
    r"^(?:其中|包括|包含|含|以及|及|和|与|并|另有|有|中有|共有|共计|共|合计|总计|现有|全区|全县|全市|我区|我县|目前|在)+"
)
TRAIL = regex.compile(
    r"(?:分别为|分别是|分别达到|分别|均为|均达到|均|已达到|已达|达到了|达到|达|为|是|共有|共计|共|合计|总计|计|"
    r"有|约|占比|占|仅|已|由|从|至|到|增至|降至|提高到|提升到|了|的|\s)+$"
)


def _label(text: str, floor: int, prev_end: int, q: Quantity, limit: int) -> str:
    """The noun phrase naming a number: the clause before it (an aside in brackets dropped),
    or the noun after its unit when the number comes first (56所达标, 1所初中)."""
    start = max(floor, prev_end)
    head = _TRAILING_ASIDE.sub("", text[start : q.start])
    return label_before(text, start, start + len(head)) or _after_label(text, q, limit)


def _after_label(text: str, q: Quantity, limit: int) -> str:
    return label_after(text, q.end, limit)


# --------------------------------------------------------------------------------------------
# Units and categories


def same_kind(a: Quantity, b: Quantity, label_a: str = "", label_b: str = "") -> bool:
    """Can a and b be added or compared? Same base unit (万元 ~ 元), or 所 ~ 个 for schools."""
    ua, ub = _unit_class(a), _unit_class(b)
    if ua == ub:
        return True
    school = set(lexicon()["vocabulary"]["school_words"])
    pair = {a.base_unit, b.base_unit}
    if pair <= {"所", "个", "校"}:
        return any(w in label_a for w in school) and any(w in label_b for w in school)
    return False


def _unit_class(q: Quantity) -> str:
    unit = q.base_unit
    return _unit_classes().get(unit, unit)


@derived_from("lexicon.toml")
def _unit_classes() -> dict[str, str]:
    """Unit → the first unit of the first group listing it (asked for twice per comparison)."""
    classes: dict[str, str] = {}
    for group in lexicon()["vocabulary"]["unit_groups"]:
        for unit in group:
            classes.setdefault(unit, group[0])
    return classes


def category_key(label: str) -> dict[str, frozenset[str]]:
    """Category terms a label names, by dimension; a longer term hides the terms inside it."""
    found: dict[str, set[str]] = {}
    taken: list[tuple[int, int]] = []
    for term, dim, pattern in _category_terms():
        if term not in label:  # a substring test is far cheaper than a search per term
            continue
        for m in pattern.finditer(label):
            if any(s <= m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.setdefault(dim, set()).add(term)
    return {d: frozenset(t) for d, t in found.items()}


def is_partition(labels: list[str]) -> bool:
    """Parts named by distinct categories sharing one dimension are mutually exclusive."""
    if len(labels) < 2:
        return False
    keys = [category_key(lb) for lb in labels]
    if any(not k for k in keys):
        return False
    common = set.intersection(*(set(k) for k in keys))
    if not common:
        return False
    flat = [frozenset().union(*k.values()) for k in keys]
    return len(set(flat)) == len(flat)


def exhaustive(labels: list[str]) -> bool:
    """Are the parts named in a dimension reports list in full (levels, ownership…)?"""
    keys = [category_key(lb) for lb in labels]
    common = set.intersection(*(set(k) for k in keys))
    return bool(common & set(lexicon()["vocabulary"]["exhaustive_dimensions"]))


def partition_prefix(labels: list[str]) -> int:
    """Length of the longest leading run of labels that forms a partition (0 if none)."""
    for n in range(len(labels), 1, -1):
        if is_partition(labels[:n]):
            return n
    return 0


def usable(t: Token) -> bool:
    q = t.q
    return q.exact and not q.ratio and q.kind in ("count", "amount") and "/" not in q.unit


_GENERIC = regex.compile(
    r"总数|总额|总量|总计|人数|数量|全区|全县|全市|全部|的|数|总|共|合计|实际|现有"
)

_TRAILING_ASIDE = regex.compile(r"[（(][^（()）]{0,20}[)）]\s*$")
_LIST_GAP = regex.compile(r"\s*[、和及与]\s*")


def label_similarity(wanted: str, label: str) -> Decimal:
    """Share of the wanted phrase's characters (less generic words) found in a label."""
    core = [ch for ch in _GENERIC.sub("", wanted) if "\u4e00" <= ch <= "\u9fff"]
    if not core:
        return Decimal(0)
    hits = sum(1 for ch in core if ch in label)
    return Decimal(hits) / Decimal(len(core))


def value_lists(stmt: Statement) -> list[list[Token]]:
    """Runs like "102名、94名、123名" or "31.37%、35.11%、39.84%" introduced by 分别."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    for t in stmt.tokens:
        if (
            current
            and _LIST_GAP.fullmatch(stmt.between(current[-1], t))
            and (t.q.unit == current[-1].q.unit)
        ):
            current.append(t)
            continue
        if len(current) >= 2:
            runs.append(current)
        current = [t]
    if len(current) >= 2:
        runs.append(current)
    return [r for r in runs if "分别" in stmt.clause_before(r[0].start)]


def alternation(words: list[str]) -> str:
    """A regex alternation, longest word first ({year} stands for a four-digit year)."""
    escaped = [
        regex.escape(w).replace(regex.escape("{year}"), r"(?:19|20)\d{2}")
        for w in sorted(words, key=len, reverse=True)
    ]
    return "|".join(escaped)
