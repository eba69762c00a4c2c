"""Arithmetic relations read from the language of reports, generic across document kinds.

A relation ties quantities that the text says belong together: a total and its parts
("共94所，其中小学69所、初中25所"), a share and its numerator and whole ("分配名额835人，占比59.6%"),
a growth rate and its amounts, a difference, a product, a rate per hundred students, a formula.
Extraction only reads what the sentence says; `pipeline/checks.py` does the arithmetic.

The reading unit is the *statement*: a paragraph block cut at 。！？ (semicolons stay inside, so
"…346名；其中交流骨干教师103名，占交流教师数的29%" is read as one). When a reading is ambiguous the
relation is not built: a missed relation costs less than a false alarm.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

import regex

from pipeline.document import Document
from pipeline.engine.arithmetic import is_exact_count
from pipeline.extract.figures import label_after, label_before
from pipeline.extract.quantities import Quantity

RelationKind = Literal[
    "sum", "percent", "shares", "growth", "difference", "product", "per_hundred", "formula", "count"
]
SumMode = Literal["partition", "exclusive", "subset", "contains"]

_OPEN, _CLOSE = "（(", "）)"
_DELIMS = '，,；;：:、（(）)“”"《》'
_CLAUSE_END = regex.compile(r"[，,；;：:]")
_TARGET = regex.compile(
    r"到\s*20\d{2}\s*年|力争|争取|目标|预计|计划(?:到|在|于)|将(?:达到|提高|提升|增加|新增|建成)|确保|拟|预期|规划到"
)
_STANDARD = regex.compile(r"^\s*(?:评估)?标准\s*[:：]|不低于|不少于|不超过|不高于|以上|以下")


@cache
def rules_data() -> dict:
    """rules.toml: rule metadata and the vocabulary relations are read with."""
    text = resources.files("pipeline.data").joinpath("rules.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def _category_terms() -> list[tuple[str, str]]:
    """(term, dimension) pairs, longest term first (so 基本达标 wins over 达标)."""
    dims = rules_data()["vocabulary"]["dimensions"]
    pairs = [(term, dim) for dim, terms in dims.items() for term in terms]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


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

    def slice(self, a: int, b: int) -> str:
        return self.text[a:b]

    def between(self, a: Token, b: Token) -> str:
        return self.text[a.end : b.start]

    def clause_before(self, pos: int) -> str:
        """Text from the last clause break (or statement start) up to pos."""
        head = self.text[self.start : pos]
        cut = max((m.end() for m in _CLAUSE_END.finditer(head)), default=0)
        return head[cut:]


@dataclass
class Relation:
    """Quantities the text ties together; roles name them (total, part, whole, share, …)."""

    kind: RelationKind
    start: int
    end: int
    roles: dict[str, Quantity] = field(default_factory=dict)
    parts: list[Quantity] = field(default_factory=list)
    shares: list[Quantity] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    mode: str = ""
    alternatives: list[Decimal] = field(default_factory=list)  # other acceptable totals
    candidates: list[Quantity] = field(default_factory=list)  # other acceptable wholes
    note: str = ""
    items: list[str] = field(default_factory=list)

    def quantities(self) -> list[Quantity]:
        return [*self.roles.values(), *self.parts, *self.shares, *self.candidates]


def statements(doc: Document, quantities: list[Quantity]) -> list[Statement]:
    """Statements of the non-meta blocks, each with its quantities as tokens."""
    result: list[Statement] = []
    ordered = sorted(quantities, key=lambda q: q.start)
    k = 0
    for block in doc.blocks:
        if block.kind == "meta":
            continue
        previous: Statement | None = None
        for start, end in _cut(doc.text, block.start, block.end):
            while k < len(ordered) and ordered[k].start < start:
                k += 1
            inside = []
            j = k
            while j < len(ordered) and ordered[j].end <= end:
                inside.append(ordered[j])
                j += 1
            current = _statement(doc.text, start, end, inside) if inside else None
            if current is not None:
                current.previous = previous
                result.append(current)
            previous = current
    return result


def statement_of(text: str, quantities: list[Quantity] | None = None) -> Statement:
    """A single statement over a whole text (tests and callers without a Document)."""
    from pipeline.extract.quantities import find_quantities

    qs = find_quantities(text) if quantities is None else quantities
    return _statement(text, 0, len(text), qs)


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, s = [], start
    for m in regex.finditer(r"[。！？!?\n]", text[start:end]):
        e = start + m.end()
        spans.append((s, e))
        s = e
    if s < end:
        spans.append((s, end))
    return spans


def _statement(text: str, start: int, end: int, qs: list[Quantity]) -> Statement:
    depth_at = _depths(text, start, end)
    tokens: list[Token] = []
    prev_end = start
    for i, q in enumerate(qs):
        after = _after_label(text, q, end)
        tokens.append(Token(q, depth_at(q.start), _label(text, start, prev_end, q, end), i, after))
        prev_end = q.end
    head = text[start:end]
    return Statement(start, end, text, tokens, is_target=_TARGET.search(head) is not None)


def _depths(text: str, start: int, end: int):
    levels, depth = [], 0
    for ch in text[start:end]:
        if ch in _OPEN:
            depth += 1
        levels.append(depth)
        if ch in _CLOSE:
            depth = max(0, depth - 1)

    def depth_at(pos: int) -> int:
        return levels[pos - start] if start <= pos < end else 0

    return depth_at


_LEAD = regex.compile(
    r"^(?:其中|包括|包含|含|以及|及|和|与|并|另有|有|中有|共有|共计|共|合计|总计|现有|全区|全县|全市|我区|我县|目前|在)+"
)
_TRAIL = regex.compile(
    r"(?:分别为|分别是|分别达到|分别|均为|均达到|均|已达到|已达|达到了|达到|达|为|是|共有|共计|共|合计|总计|计|"
    r"有|约|占比|占|仅|已|由|从|至|到|增至|降至|提高到|提升到|了|的|\s)+$"
)


def _label(text: str, floor: int, prev_end: int, q: Quantity, limit: int) -> str:
    """The noun phrase naming a number: the clause before it (an aside in brackets dropped),
    or the noun after its unit when the number comes first (56所达标, 1所初中)."""
    start = max(floor, prev_end)
    head = regex.sub(r"[（(][^（()）]{0,20}[)）]\s*$", "", text[start : q.start])
    return label_before(text[: start + len(head)], start, start + len(head)) or _after_label(
        text, q, limit
    )


def _after_label(text: str, q: Quantity, limit: int) -> str:
    return label_after(text, q.end, limit)


# --------------------------------------------------------------------------------------------
# Units and categories


def same_kind(a: Quantity, b: Quantity, label_a: str = "", label_b: str = "") -> bool:
    """Can a and b be added or compared? Same base unit (万元 ~ 元), or 所 ~ 个 for schools."""
    ua, ub = _unit_class(a), _unit_class(b)
    if ua == ub:
        return True
    school = set(rules_data()["vocabulary"]["school_words"])
    pair = {a.base_unit, b.base_unit}
    if pair <= {"所", "个", "校"}:
        return any(w in label_a for w in school) and any(w in label_b for w in school)
    return False


def _unit_class(q: Quantity) -> str:
    unit = q.base_unit
    for group in rules_data()["vocabulary"]["unit_groups"]:
        if unit in group:
            return group[0]
    return unit


def category_key(label: str) -> dict[str, frozenset[str]]:
    """Category terms a label names, by dimension; a longer term hides the terms inside it."""
    found: dict[str, set[str]] = {}
    taken: list[tuple[int, int]] = []
    for term, dim in _category_terms():
        for m in regex.finditer(regex.escape(term), label):
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


def _exhaustive(labels: list[str]) -> bool:
    """Are the parts named in a dimension reports list in full (levels, ownership…)?"""
    keys = [category_key(lb) for lb in labels]
    common = set.intersection(*(set(k) for k in keys))
    return bool(common & set(rules_data()["vocabulary"]["exhaustive_dimensions"]))


def _partition_prefix(labels: list[str]) -> int:
    """Length of the longest leading run of labels that forms a partition (0 if none)."""
    for n in range(len(labels), 1, -1):
        if is_partition(labels[:n]):
            return n
    return 0


# --------------------------------------------------------------------------------------------
# Totals and parts


def _usable(t: Token) -> bool:
    q = t.q
    return q.exact and not q.ratio and q.kind in ("count", "amount") and "/" not in q.unit


def _matching_close(stmt: Statement, open_pos: int) -> int:
    depth = 0
    for i in range(open_pos, stmt.end):
        ch = stmt.text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return stmt.end


def breakdowns(stmt: Statement) -> list[Relation]:
    """ "专任教师1493人（小学957人、初中536人）": a total followed by its parts in brackets."""
    relations = []
    for t in stmt.tokens:
        m = regex.match(r"\s*[（(]", stmt.text[t.end : stmt.end])
        if not m or not _usable(t):
            continue
        open_pos = t.end + m.end() - 1
        close = _matching_close(stmt, open_pos)
        inner = stmt.text[open_pos + 1 : close]
        if regex.match(r"\s*(?:不含|不包含|不包括|除)", inner) or regex.search(r"等\s*$", inner):
            continue
        children = [
            c
            for c in stmt.tokens
            if open_pos < c.start < close and c.depth == t.depth + 1 and _usable(c)
        ]
        children = [c for c in children if same_kind(t.q, c.q, t.label, c.label)]
        if not children:
            continue
        contains = regex.match(r"\s*(?:含|包含|包括|其中)", inner) is not None
        mode: SumMode = "contains" if contains else "subset"
        if (
            not contains
            and len(children) >= 2
            and _partition_prefix([c.label for c in children]) == len(children)
        ):
            mode = "partition"
        relations.append(_sum_relation(stmt, t, children, mode))
    return relations


_LIST_CONNECTOR = regex.compile(r"其中|包括|包含|(?<=[\p{Han}])中有|(?<=[\p{Han}])有")


def listed_parts(stmt: Statement) -> list[Relation]:
    """ "共26所，其中小学13所、初中5所…", "69所小学中有56所达标、13所基本达标"."""
    relations = []
    for m in _LIST_CONNECTOR.finditer(stmt.text, stmt.start, stmt.end):
        word = m.group()
        after = [t for t in stmt.tokens if t.start >= m.end()]
        before = [t for t in stmt.tokens if t.end <= m.start()]
        if not after or not before:
            continue
        depth = _depth_of(stmt, m.start())
        first = next((t for t in after if t.depth == depth and _usable(t)), None)
        if first is None:
            continue
        if word.endswith("有") and word not in ("其中", "包括", "包含"):
            total = before[-1]
            gap = stmt.text[total.end : m.start()]
            if not regex.fullmatch(r"[\p{Han}]{0,10}", gap) or total.depth != depth:
                continue
            if regex.search(r"[，,；;。]", stmt.text[m.end() : first.start]):
                continue
        else:
            total = next(
                (
                    t
                    for t in reversed(before)
                    if t.depth == depth
                    and _usable(t)
                    and same_kind(t.q, first.q, t.label, first.label)
                ),
                None,
            )
            if total is None:
                continue
        parts = _run_of_parts(stmt, after, depth, total)
        if not parts:
            continue
        if not _usable(total) or total.q.qualifier:
            continue
        if any(id(parts[0]) == id(t) for run in value_lists(stmt) for t in run):
            continue  # "其中…分别32名、33名、49名": element-wise, not a sum
        labels = [p.name for p in parts]
        n = _partition_prefix(labels)
        tail = stmt.text[parts[-1].end : min(stmt.end, parts[-1].end + 3)]
        if n >= 2 and not regex.match(r"\s*等", tail if n == len(parts) else ""):
            mode: SumMode = "partition" if _exhaustive(labels[:n]) else "exclusive"
            relations.append(_sum_relation(stmt, total, parts[:n], mode))
        else:
            relations.append(_sum_relation(stmt, total, parts, "subset"))
    return relations


def _depth_of(stmt: Statement, pos: int) -> int:
    depth = 0
    for ch in stmt.text[stmt.start : pos]:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
    return depth


def _run_of_parts(stmt: Statement, after: list[Token], depth: int, total: Token) -> list[Token]:
    """Parts after a connector: same depth, addable to the total, until a semicolon or a new 其中."""
    parts = []
    for t in after:
        if t.depth != depth:
            continue
        if parts and regex.search(r"[；;]|其中|包括", stmt.text[parts[-1].end : t.start]):
            break
        if _usable(t) and same_kind(total.q, t.q, total.label, t.label):
            parts.append(t)
    return parts


def _sum_relation(stmt: Statement, total: Token, parts: list[Token], mode: SumMode) -> Relation:
    rel = Relation(
        "sum",
        total.start,
        parts[-1].end,
        roles={"total": total.q},
        parts=[p.q for p in parts],
        labels={"total": total.label, **{f"part{i}": p.name for i, p in enumerate(parts)}},
        mode=mode,
    )
    rel.alternatives = _nine_year_readings(stmt, total, parts)
    return rel


def _nine_year_readings(stmt: Statement, total: Token, parts: list[Token]) -> list[Decimal]:
    """Other totals a reader accepts when 九年一贯制 schools may be counted once or twice."""
    base = sum((p.q.value * p.q.scale for p in parts), Decimal(0))
    extra, overlap = Decimal(0), []
    for p in parts:
        kids = _bracket_children(stmt, p)
        if "一贯制" in p.label and kids:
            inner = sum((k.q.value for k in kids), Decimal(0))
            if inner > p.q.value:
                extra += inner - p.q.value
        nine = [k.q.value for k in kids if "一贯制" in k.label]
        if nine:
            overlap.append(nine[0])
    readings = []
    if extra:
        readings.append(base + extra)
    if len(overlap) >= 2:
        readings.append(base - min(overlap))
    return readings


def _bracket_children(stmt: Statement, t: Token) -> list[Token]:
    m = regex.match(r"\s*[（(]", stmt.text[t.end : stmt.end])
    if not m:
        return []
    open_pos = t.end + m.end() - 1
    close = _matching_close(stmt, open_pos)
    return [c for c in stmt.tokens if open_pos < c.start < close and c.depth == t.depth + 1]


# --------------------------------------------------------------------------------------------
# Percentages of a whole


_SHARE_AFTER_PART = regex.compile(
    r"\s*[，,、]?\s*(?:其)?(?:占比|所占比例|占(?P<whole>[^，,。；;、\d]{1,24}?)(?:的)?(?:比例|比重)?)\s*"
    r"(?:为|达到|达|是|降至|降到|升至|提高到|提升到|下降到|增至)?\s*"
)
_RATE_WORDS = regex.compile(
    r"(?:比例|比率|占比|比重|满意度|满意率|达标率|合格率|覆盖率|完成率|入学率|就读率)$"
)
_GENERIC = regex.compile(
    r"总数|总额|总量|总计|人数|数量|全区|全县|全市|全部|的|数|总|共|合计|实际|现有"
)


def label_similarity(wanted: str, label: str) -> Decimal:
    """Share of the wanted phrase's characters (less generic words) found in a label."""
    core = [ch for ch in _GENERIC.sub("", wanted) if "\u4e00" <= ch <= "\u9fff"]
    if not core:
        return Decimal(0)
    hits = sum(1 for ch in core if ch in label)
    return Decimal(hits) / Decimal(len(core))


def percent_relations(stmt: Statement, sums: list[Relation]) -> list[Relation]:
    """Shares tied to a stated part and (when readable) a stated whole."""
    relations = []
    in_lists = {id(t) for run in value_lists(stmt) for t in run}
    for i, t in enumerate(stmt.tokens):
        if t.q.unit != "%" or id(t) in in_lists or t.q.ratio:
            continue
        if _is_gross(stmt, t) or _is_requirement(stmt, t):
            continue
        rel = _share_after_part(stmt, i, sums) or _named_rate(stmt, i) or _pass_rate(stmt, i)
        if rel is not None:
            relations.append(rel)
    return relations


def _is_gross(stmt: Statement, t: Token) -> bool:
    gross = rules_data()["vocabulary"]["gross_rates"]
    return any(w in stmt.clause_before(t.start) for w in gross)


_REQUIREMENT_AFTER = regex.compile(r"\s*(?:的|以上的|以下的)?\s*(?:要求|标准|目标|规定|底线)")


def _is_requirement(stmt: Statement, t: Token) -> bool:
    """ "达到了社会满意度85%的要求": a threshold quoted, not a value reported."""
    if t.q.qualifier and t.q.qualifier != "达到":
        return True
    return _REQUIREMENT_AFTER.match(stmt.text, t.end) is not None


def _previous(stmt: Statement, i: int) -> Token | None:
    return stmt.tokens[i - 1] if i > 0 else None


def _share_after_part(stmt: Statement, i: int, sums: list[Relation]) -> Relation | None:
    """ "分配名额835人，占比59.6%", "交流骨干教师103名，占交流教师数的29%"."""
    share = stmt.tokens[i]
    part = _previous(stmt, i)
    if part is None or not _usable(part) or part.q.kind != "count" and part.q.kind != "amount":
        return None
    m = _SHARE_AFTER_PART.fullmatch(stmt.between(part, share))
    if not m:
        return None
    rel = Relation("percent", part.start, share.end, roles={"part": part.q, "share": share.q})
    rel.labels = {"part": part.label, "share": share.label}
    wanted = (m.group("whole") or "").strip()
    whole = _whole_for(stmt, i - 1, part, wanted, sums)
    if whole is None and not wanted:
        whole = _whole_in_previous(stmt, part)
    if whole is not None:
        rel.roles["whole"] = whole.q
        rel.labels["whole"] = whole.label
        rel.mode = "ratio"
        rel.start = min(rel.start, whole.start)
    elif wanted or _whole_implied(stmt, part):
        rel.mode = "grim_whole"
        rel.labels["whole"] = wanted or "总数"
    else:
        return None
    return rel


def _whole_implied(stmt: Statement, part: Token) -> bool:
    """ "占比X%" right after a count with no stated whole: a share of an unstated total."""
    return part.q.kind == "count"


def _whole_for(
    stmt: Statement, part_index: int, part: Token, wanted: str, sums: list[Relation]
) -> Token | None:
    """The whole a share refers to: named ("占X的"), the total of a list the part belongs to,
    or the only earlier addable total in the statement."""
    earlier = [
        t
        for t in stmt.tokens[:part_index]
        if _usable(t) and same_kind(t.q, part.q, t.label, part.label)
    ]
    if wanted:
        scored = [(label_similarity(wanted, t.label), t) for t in earlier]
        scored = [(s, t) for s, t in scored if s >= Decimal("0.75")]
        if scored:
            best = max(s for s, _ in scored)
            top = [t for s, t in scored if s == best]
            return top[-1] if len(top) == 1 or _same_value(top) else None
        return None
    for rel in sums:
        if (rel.mode == "partition" or len(rel.parts) == 1) and any(p is part.q for p in rel.parts):
            total = rel.roles["total"]
            return next((t for t in stmt.tokens if t.q is total), None)
    siblings = _share_bearers(stmt)
    earlier = [
        t
        for t in earlier
        if t.depth == part.depth and t.q.value >= part.q.value and id(t) not in siblings
    ]
    named = [
        t
        for t in earlier
        if regex.search(r"总|共|合计|全部", t.label + stmt.clause_before(t.start))
    ]
    if len(named) == 1:
        return named[0]
    if (
        len(earlier) == 1
        and _same_object(earlier[0], part)
        and not _CHANGED.search(stmt.clause_before(part.start))
    ):
        return earlier[0]
    return None


def _share_bearers(stmt: Statement) -> set[int]:
    """Counts followed by their own share ("随班就读60人、占比22.1%"): parts of a list, so never
    the whole of a sibling's share."""
    toks = stmt.tokens
    return {
        id(a)
        for a, b in zip(toks, toks[1:], strict=False)
        if b.q.unit == "%"
        and _usable(a)
        and (m := _SHARE_AFTER_PART.fullmatch(stmt.between(a, b)))
        and not m.group("whole")
    }


_REFERS_BACK = regex.compile(r"\s*(?:其中|在这些\p{Han}{0,6}中|上述\p{Han}{0,6}中)\s*[，,：:]?")


def _whole_in_previous(stmt: Statement, part: Token) -> Token | None:
    """ "…入学272人。其中，特教学校就读154人、占比56.6%，随班就读60人、占比22.1%…": a sentence
    opening with 其中 lists parts of a whole stated in the sentence before. Of that sentence's
    counts (here 276 适龄, 272 入学), the whole is the one the listed counts add up to (they
    partition it); when none does, there is no safe reading and the share keeps no whole."""
    if stmt.previous is None or not _REFERS_BACK.match(stmt.text, stmt.start):
        return None
    bearers = _share_bearers(stmt)
    listed = [
        t for t in stmt.tokens if id(t) in bearers and t.depth == part.depth and is_exact_count(t.q)
    ]
    if len(listed) < 2 or all(t is not part for t in listed):
        return None
    if not all(same_kind(t.q, part.q, t.label, part.label) for t in listed):
        return None
    total = sum((t.q.value for t in listed), Decimal(0))
    wholes = [
        t
        for t in stmt.previous.tokens
        if is_exact_count(t.q)
        and same_kind(t.q, part.q, t.label, part.label)
        and t.q.value == total
    ]
    return wholes[-1] if wholes else None


_CHANGED = regex.compile(
    r"(?:降至|降到|减少到|减少至|下降到|下降至|升至|增至|增加到|增加至|提高到|提升到)\s*$"
)


def _same_object(whole: Token, part: Token) -> bool:
    """Do the two labels name the same kind of thing (学校 … 的学校), so one can be the other's whole?"""
    a, b = whole.label, part.label
    return label_similarity(a, b) >= Decimal("0.5") or (
        len(a) >= 2 and len(b) >= 2 and a[-2:] == b[-2:]
    )


def _same_value(tokens: list[Token]) -> bool:
    return len({t.q.value * t.q.scale for t in tokens}) == 1


def _named_rate(stmt: Statement, i: int) -> Relation | None:
    """ "指标到校数为2452人，指标到校比例为71.2%", "满意问卷数337份，…满意度为88.9%"."""
    share = stmt.tokens[i]
    label = _TRAIL.sub("", stmt.clause_before(share.start)).strip()
    m = _RATE_WORDS.search(label)
    if not m:
        return None
    stem = label[: m.start()]
    core = regex.sub(r"(?:率|度|比例|比率|比重|占比)$", "", m.group())
    if len(core) >= 2:
        stem = core
    stem = regex.sub(r"^.*?(?:其中|全区|全县|问卷调查综合|综合)", "", stem)
    earlier = [t for t in stmt.tokens[:i] if _usable(t) and t.q.kind == "count"]
    if len(stem) < 2 or not earlier:
        return None
    parts = [t for t in earlier if stem in t.label and "不" + stem not in t.label]
    if len(parts) != 1:
        return None
    part = parts[0]
    wholes = [
        t
        for t in earlier
        if t is not part
        and same_kind(t.q, part.q, t.label, part.label)
        and t.q.value >= part.q.value
    ]
    if not wholes:
        return None
    preferred = [t for t in wholes if "有效" in t.label] or [
        t for t in wholes if regex.search(r"总|合计|共", t.label)
    ]
    main = preferred[-1] if len(preferred) == 1 else wholes[-1] if len(wholes) == 1 else None
    if main is None:
        return None
    rel = Relation("percent", min(t.start for t in [part, *wholes]), share.end, mode="ratio")
    rel.roles = {"part": part.q, "whole": main.q, "share": share.q}
    rel.labels = {"part": part.label, "whole": main.label, "share": label}
    rel.candidates = [t.q for t in wholes if t is not main]
    return rel


def _pass_rate(stmt: Statement, i: int) -> Relation | None:
    """ "达标学校22所，不达标初中1所，达标比例95.7%": whole = meeting + not meeting."""
    share = stmt.tokens[i]
    label = stmt.clause_before(share.start)
    if not regex.search(r"(?:达标|合格)(?:比例|率)", label):
        return None
    earlier = [
        t for t in stmt.tokens[:i] if t.depth == share.depth and _usable(t) and t.q.kind == "count"
    ]
    passing = [
        t
        for t in earlier
        if regex.search(r"(?<![不未])(?:达标|合格)", t.label) and not regex.search(r"基本", t.label)
    ]
    failing_start = next(
        (
            k
            for k, t in enumerate(earlier)
            if regex.search(r"[不未](?:达标|合格)", t.label + stmt.clause_before(t.start))
        ),
        None,
    )
    if len(passing) != 1 or failing_start is None:
        return None
    failing = [
        t
        for t in earlier[failing_start:]
        if t is not passing[0] and same_kind(t.q, passing[0].q, "学校" + t.label, "学校")
    ]
    if not failing or earlier.index(passing[0]) > failing_start:
        return None
    rel = Relation("percent", passing[0].start, share.end, mode="pass_rate")
    rel.roles = {"part": passing[0].q, "share": share.q}
    rel.parts = [passing[0].q, *[t.q for t in failing]]
    rel.labels = {"part": passing[0].label, "whole": "参评学校（达标+不达标）", "share": label}
    return rel


# --------------------------------------------------------------------------------------------
# Lists with 分别 (vectors) and shares of one whole


def value_lists(stmt: Statement) -> list[list[Token]]:
    """Runs like "102名、94名、123名" or "31.37%、35.11%、39.84%" introduced by 分别."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    for t in stmt.tokens:
        if (
            current
            and regex.fullmatch(r"\s*[、和及与]\s*", stmt.between(current[-1], t))
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


_LIST_SHARE = regex.compile(
    r"分别(?:占比|(?:占|达到|达|为|是)?(?P<whole>[^，,。；;、\d]{2,24}?)的(?:比例|比重)?|占|为|是|达到|达)?"
    r"\s*(?:为|达到|达)?\s*$"
)


def list_relations(stmt: Statement) -> list[Relation]:
    """ "分别102名、94名、123名，分别达到…总数的21.528%、21.56%、27.39%" and shares lists."""
    relations = []
    runs = value_lists(stmt)
    for k, run in enumerate(runs):
        if run[0].q.unit != "%":
            continue
        m = _LIST_SHARE.search(stmt.clause_before(run[0].start))
        if not m:
            continue
        counts = [r for r in runs[:k] if r[0].q.unit != "%" and len(r) == len(run)]
        if not counts or not all(_usable(t) for t in counts[-1]):
            continue
        parts = counts[-1]
        wanted = (m.group("whole") or "").strip()
        wholes = None
        if wanted:
            named = [
                r
                for r in counts[:-1]
                if label_similarity(wanted, _list_label(stmt, r)) >= Decimal("0.75")
            ]
            wholes = named[-1] if named else None
        for p, s, w in zip(parts, run, wholes or [None] * len(run), strict=True):
            rel = Relation("percent", p.start, s.end, roles={"part": p.q, "share": s.q})
            rel.labels = {"part": _list_label(stmt, parts), "share": s.label}
            if w is not None:
                rel.roles["whole"] = w.q
                rel.labels["whole"] = _list_label(stmt, wholes)
                rel.mode = "ratio"
            elif wanted:
                rel.mode = "grim_whole"
                rel.labels["whole"] = wanted
            else:
                continue
            relations.append(rel)
    return relations


def _list_label(stmt: Statement, run: list[Token]) -> str:
    head = stmt.clause_before(run[0].start)
    head = head.split("分别")[0]
    return _LEAD.sub("", _TRAIL.sub("", head).strip())[-24:]


def share_groups(percents: list[Relation]) -> list[Relation]:
    """Several shares of the same stated whole in one statement (59人占30.4%，94人占48.4%…)."""
    by_whole: dict[int, list[Relation]] = {}
    for rel in percents:
        whole = rel.roles.get("whole")
        if whole is not None and rel.mode == "ratio":
            by_whole.setdefault(id(whole), []).append(rel)
    groups = []
    for members in by_whole.values():
        if len(members) < 2:
            continue
        parts = [m.roles["part"] for m in members]
        if len({id(p) for p in parts}) != len(parts):
            continue
        g = Relation("shares", members[0].start, members[-1].end, mode="counts")
        g.roles = {"whole": members[0].roles["whole"]}
        g.parts = parts
        g.shares = [m.roles["share"] for m in members]
        g.labels = {"whole": members[0].labels.get("whole", "")}
        g.items = [m.labels.get("part", "") for m in members]
        groups.append(g)
    return groups


# --------------------------------------------------------------------------------------------
# Growth, differences, products, rates per hundred, formulas


def _alternation(words: list[str]) -> str:
    """A regex alternation, longest word first ({year} stands for a four-digit year)."""
    escaped = [
        regex.escape(w).replace(regex.escape("{year}"), r"(?:19|20)\d{2}")
        for w in sorted(words, key=len, reverse=True)
    ]
    return "|".join(escaped)


@cache
def _growth_patterns() -> dict[str, regex.Pattern]:
    """Regexes of the growth vocabulary in rules.toml (comparison cue, verbs, rate words)."""
    v = rules_data()["vocabulary"]["growth"]
    verbs = _alternation(v["rise"] + v["fall"])
    rate_words = _alternation(v["rise_rate"] + v["fall_rate"])
    cue = (
        rf"(?:{_alternation(v['same_period'])}"
        rf"|(?:{_alternation(v['comparers'])})\s*(?:{_alternation(v['bases'])})(?:相比|比较)?)"
        rf"\s*[，,]?\s*[^，,。；;\d%]{{0,6}}?(?P<dir>{verbs})"
    )
    return {
        "cue": regex.compile(cue),
        # "，增长8.9%", "、增幅为8.9%" between the amount and its rate
        "rate_gap": regex.compile(
            rf"\s*[，,、]?\s*(?:同比)?(?P<word>{rate_words})(?:率)?(?:为|达到|达|了)?\s*"
        ),
        # "，增加6020万元", "，增加教育经费6020万元" between a rate and its amount
        "amount_gap": regex.compile(rf"\s*[，,、]\s*(?P<word>{verbs})了?[\p{{Han}}]{{0,6}}?\s*"),
        # what may stand between the change verb and the first number: "增加支出", "增长了"
        "lead": regex.compile(r"[\p{Han}\s]{0,8}"),
    }


def _is_fall(word: str) -> bool:
    """Does a change or rate word ("下降", "降幅", "减少") name a decrease?"""
    v = rules_data()["vocabulary"]["growth"]
    return any(word.startswith(w) for w in v["fall"] + v["fall_rate"])


def growth_relations(stmt: Statement) -> list[Relation]:
    """ "支出7.12亿元，比上年同期增加支出8131.88万元，增长12.89%", "同比增长8.9%，增加…万元"."""
    relations = []
    pats = _growth_patterns()
    for m in pats["cue"].finditer(stmt.text, stmt.start, stmt.end):
        before = [t for t in stmt.tokens if t.end <= m.start()]
        after = [t for t in stmt.tokens if t.start >= m.end()]
        if not before or len(after) < 2:
            continue
        current = before[-1]
        if regex.search(r"[；;。]", stmt.text[current.end : m.start()]):
            continue
        if not pats["lead"].fullmatch(stmt.text[m.end() : after[0].start]):
            continue
        falling = _is_fall(m.group("dir"))
        pair = _amount_and_rate(stmt, after[0], after[1], falling)
        if pair is None or not _growable(current, pair[0]):
            continue
        increase, rate = pair
        rel = Relation("growth", current.start, max(increase.end, rate.end))
        rel.mode = "fall" if falling else "rise"
        rel.roles = {"current": current.q, "increase": increase.q, "rate": rate.q}
        rel.labels = {"current": current.label}
        relations.append(rel)
    return relations


def _amount_and_rate(
    stmt: Statement, first: Token, second: Token, falling: bool
) -> tuple[Token, Token] | None:
    """(amount of change, growth rate) in either order, joined by a word of the same direction."""
    pats = _growth_patterns()
    gap = stmt.between(first, second)
    if first.q.unit != "%":
        amount, rate, m = first, second, pats["rate_gap"].fullmatch(gap)
    else:
        amount, rate, m = second, first, pats["amount_gap"].fullmatch(gap)
    if m is None or rate.q.unit != "%" or not rate.q.exact or amount.q.unit == "%":
        return None
    if _is_fall(m.group("word")) != falling:
        return None  # "增加800万元，下降9.8%": directions disagree, no safe reading
    return amount, rate


def _growable(current: Token, increase: Token) -> bool:
    """A stated amount or count and its change, in the same kind of unit ("学校50所，比上年增加
    学位3000个" is not a change of the schools)."""
    return (
        _usable(current)
        and _usable(increase)
        and current.q.kind in ("amount", "count")
        and current.q.unit != "个百分点"
        and same_kind(current.q, increase.q, current.label, increase.label)
    )


_TO = regex.compile(r"(?P<dir>增加|增长|提高|提升|上升|增|减少|下降|降低|降)(?:到|至)\s*$")
_RATE_AFTER = regex.compile(
    r"\s*[，,]?\s*(?:同比)?(?:增长|增幅|增长率|提高|下降|降幅|减少)(?:了|为|达)?\s*"
)
_YEAR_BEFORE = regex.compile(r"((?:19|20)\d{2})\s*年")


def two_amount_growth(stmt: Statement) -> list[Relation]:
    """ "由12.5亿元增加到13.8亿元，增长10.4%", "2023年投入12.5亿元，2024年投入13.8亿元，增长10.4%"."""
    relations = []
    toks = stmt.tokens
    for i in range(len(toks) - 2):
        a, b, rate = toks[i], toks[i + 1], toks[i + 2]
        if not (_usable(a) and _usable(b) and same_kind(a.q, b.q) and a.q.unit != "%"):
            continue
        if (
            rate.q.unit != "%"
            or not rate.q.exact
            or not _RATE_AFTER.fullmatch(stmt.between(b, rate))
        ):
            continue
        gap = stmt.between(a, b)
        to = _TO.search(gap)
        if to and not regex.search(r"[；;]", gap):
            falling = to.group("dir") in ("减少", "下降", "降低", "降")
        else:
            ya = _YEAR_BEFORE.findall(stmt.clause_before(a.start))
            yb = _YEAR_BEFORE.findall(gap)
            if not (ya and yb and int(yb[-1]) == int(ya[-1]) + 1) or regex.search(r"[；;]", gap):
                continue
            falling = b.q.value * b.q.scale < a.q.value * a.q.scale
        rel = Relation("growth", a.start, rate.end, mode="fall" if falling else "rise")
        rel.roles = {"previous": a.q, "current": b.q, "rate": rate.q}
        rel.labels = {"current": b.label}
        relations.append(rel)
    return relations


_DIFF = regex.compile(r"^\s*[，,]?\s*(?:较|比|与|相比|高于|低于)(?P<label>[^，,。；;\d]{0,24}?)$")
_DIFF_VERB = regex.compile(
    r"^\s*[，,]?\s*(?:相比)?[，,]?\s*(?:超出|高出|多出|多|高|超过|低|少|减少|增加|相差|差)了?\s*$"
)


def difference_relations(stmt: Statement) -> list[Relation]:
    """ "年平均工资15.4203万元，较公务员年平均工资收入15.3549万元，超出0.0654万元"."""
    relations = []
    toks = stmt.tokens
    for i in range(len(toks) - 2):
        a, b, c = toks[i], toks[i + 1], toks[i + 2]
        if not all(t.q.exact and not t.q.ratio for t in (a, b, c)):
            continue
        if not (same_kind(a.q, b.q) and same_kind(a.q, c.q)) or a.q.unit == "%" and c.q.unit != "%":
            continue
        first_gap = stmt.between(a, b)
        m = _DIFF.match(first_gap)
        if not m or not _DIFF_VERB.match(stmt.between(b, c)):
            continue
        rel = Relation("difference", a.start, c.end, roles={"a": a.q, "b": b.q, "diff": c.q})
        rel.labels = {"a": a.label, "b": m.group("label") or b.label}
        relations.append(rel)
    return relations


@cache
def _point_gaps() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    """Gaps of "由A%提高到B%，提高C个百分点" and "B%，比上年（A%）提高C个百分点"."""
    v = rules_data()["vocabulary"]["growth"]
    verbs = _alternation(v["rise"] + v["fall"])
    to = regex.compile(rf"\s*(?:{verbs})(?:到|至)\s*")
    than = regex.compile(
        rf"\s*[，,]?\s*(?:{_alternation(v['comparers'])})\s*(?P<base>{_alternation(v['bases'])})"
        r"(?:的|[（(])\s*"
    )
    change = regex.compile(rf"\s*[)）]?\s*[，,、]?\s*(?:{verbs})了?\s*")
    return to, than, change


def point_change_relations(stmt: Statement) -> list[Relation]:
    """A change in 个百分点 between two stated percentages: a difference, never a growth rate."""
    relations = []
    to, than, change = _point_gaps()
    toks = stmt.tokens
    for a, b, c in zip(toks, toks[1:], toks[2:], strict=False):
        if not (a.q.unit == b.q.unit == "%" and c.q.unit == "个百分点"):
            continue
        if not all(t.q.exact and not t.q.ratio for t in (a, b, c)):
            continue
        if not change.fullmatch(stmt.between(b, c)):
            continue
        if to.fullmatch(stmt.between(a, b)):
            new, old, old_label = b, a, "原来"
        elif m := than.fullmatch(stmt.between(a, b)):
            new, old, old_label = a, b, m.group("base")
        else:
            continue
        rel = Relation("difference", a.start, c.end, roles={"a": new.q, "b": old.q, "diff": c.q})
        rel.labels = {"a": new.label or a.label, "b": old_label}
        relations.append(rel)
    return relations


_RATE_LABEL = regex.compile(r"每生每年|每生|每人每年|每人|生均|人均")
_TOTAL_LABEL = regex.compile(r"共计|合计|总计|累计|共|总额")


def product_relations(stmt: Statement) -> list[Relation]:
    """ "按每生每年6000元…特殊教育学生180名，共计拨付108万元": rate × count = total."""
    rates = [
        t
        for t in stmt.tokens
        if t.q.kind == "amount"
        and t.q.exact
        and ("/" in t.q.unit or _RATE_LABEL.search(stmt.clause_before(t.start)))
    ]
    counts = [t for t in stmt.tokens if t.q.base_unit in ("人", "名") and _usable(t)]
    totals = [
        t
        for t in stmt.tokens
        if t.q.kind == "amount"
        and "/" not in t.q.unit
        and t not in rates
        and _usable(t)
        and _TOTAL_LABEL.search(stmt.clause_before(t.start))
    ]
    if len(rates) != 1 or len(counts) != 1 or len(totals) != 1:
        return []
    rate, count, total = rates[0], counts[0], totals[0]
    if not (rate.end <= total.start and count.end <= total.start):
        return []
    rel = Relation("product", min(rate.start, count.start), total.end)
    rel.roles = {"rate": rate.q, "count": count.q, "total": total.q}
    rel.labels = {"count": count.label, "total": total.label}
    return [rel]


_PER_HUNDRED = regex.compile(
    r"每百名?(?:学生|生)(?:拥有)?(?P<what>[^，,。；;\d]{1,20}?)(?:数)?(?:为|达到|达|是)?\s*$"
)


def per_hundred_relations(stmt: Statement) -> list[Relation]:
    """ "学生1200人，专任教师96人，每百名学生拥有专任教师8.0人": both counts stated."""
    relations = []
    for t in stmt.tokens:
        m = _PER_HUNDRED.search(stmt.clause_before(t.start))
        if not m or not t.q.exact or t.q.kind != "count":
            continue
        students = [
            s
            for s in stmt.tokens
            if s is not t
            and _usable(s)
            and s.q.base_unit in ("人", "名")
            and regex.search(r"学生|在校生", s.label)
        ]
        what = regex.sub(r"数$", "", m.group("what"))
        numer = [
            s
            for s in stmt.tokens
            if s is not t
            and _usable(s)
            and s not in students
            and same_kind(s.q, t.q)
            and label_similarity(what, s.label) >= Decimal("0.75")
        ]
        if len(students) == 1 and len(numer) == 1:
            rel = Relation("per_hundred", min(students[0].start, numer[0].start), t.end)
            rel.roles = {"students": students[0].q, "numerator": numer[0].q, "value": t.q}
            rel.labels = {"numerator": numer[0].label}
            relations.append(rel)
    return relations


_RETENTION_PARTS = {
    "graduates": r"毕业生",
    "entrants": r"初一|初中一年级|七年级|一年级在校生",
    "in": r"转入",
    "out": r"转出",
    "dead": r"死亡",
    "suspended": r"休学",
    "resumed": r"复学",
}


def formula_relations(stmt: Statement) -> list[Relation]:
    """初中三年巩固率 from its components (毕业生, 初一, 转入, 转出, 死亡…), when all are stated."""
    rate = next(
        (t for t in stmt.tokens if t.q.unit == "%" and "巩固率" in stmt.clause_before(t.start)),
        None,
    )
    if rate is None or not rate.q.exact:
        return []
    found: dict[str, Quantity] = {}
    for t in stmt.tokens:
        if not _usable(t) or t.q.base_unit not in ("人", "名"):
            continue
        for role, pattern in _RETENTION_PARTS.items():
            if role not in found and regex.search(pattern, t.label):
                found[role] = t.q
                break
    if not {"graduates", "entrants"} <= found.keys():
        return []
    rel = Relation("formula", min(q.start for q in found.values()), rate.end, mode="retention")
    rel.roles = {**found, "rate": rate.q}
    return [rel]


def count_relations(stmt: Statement) -> list[Relation]:
    """ "新扩建中小学3所（荷棠小学、西禅小学、荷棠中学）": a stated number of named items."""
    relations = []
    for t in stmt.tokens:
        m = regex.match(r"\s*[（(]([^（()）\d]{2,80})[)）]", stmt.text[t.end : stmt.end])
        if not m or not _usable(t) or t.q.kind != "count" or t.q.value < 2:
            continue
        inner = m.group(1)
        if regex.search(r"等|含|包括|其中|如|即|[，,；;：:]", inner):
            continue
        items = [s.strip() for s in inner.split("、")]
        if len(items) < 2 or any(not (2 <= len(s) <= 16) for s in items):
            continue
        rel = Relation("count", t.start, t.end + m.end(), roles={"count": t.q}, items=items)
        relations.append(rel)
    return relations


# --------------------------------------------------------------------------------------------


def extract_relations(doc: Document, quantities: list[Quantity]) -> list[Relation]:
    """Every relation in the document's statements, in text order; targets are left out."""
    result: list[Relation] = []
    for stmt in statements(doc, quantities):
        result += relations_in(stmt)
    return sorted(result, key=lambda r: (r.start, r.kind))


def relations_in(stmt: Statement) -> list[Relation]:
    """All relations one statement states."""
    if stmt.is_target:
        return []
    sums = _dedupe(breakdowns(stmt) + listed_parts(stmt))
    percents = percent_relations(stmt, sums) + list_relations(stmt)
    return [
        *sums,
        *percents,
        *share_groups(percents),
        *growth_relations(stmt),
        *two_amount_growth(stmt),
        *difference_relations(stmt),
        *point_change_relations(stmt),
        *product_relations(stmt),
        *per_hundred_relations(stmt),
        *formula_relations(stmt),
        *count_relations(stmt),
    ]


def _dedupe(sums: list[Relation]) -> list[Relation]:
    """One relation per (total, parts); a partition reading wins over a subset reading."""
    seen: dict[tuple, Relation] = {}
    for rel in sums:
        key = (id(rel.roles["total"]), tuple(id(p) for p in rel.parts))
        if key not in seen or rel.mode == "partition":
            seen[key] = rel
    return list(seen.values())
