"""Property tests: consistent report sentences yield no finding; one number pushed beyond any
rounding yields exactly the expected finding.

Sentences are generated in report style with varied wording, categories and precisions; the
percentages are rounded the way publishers do (half-up or half-even; a value only truncation
gives is a last-digit warning, see tests/test_arithmetic.py).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audit import audit_document
from pipeline.engine.arithmetic import grim_whole_verdict
from pipeline.ingest.files import ingest_bytes

SETTINGS = settings(max_examples=100, deadline=None)

CATEGORIES = [
    ("小学", "初中", "特殊教育学校"),
    ("城区学校", "镇区学校", "乡村学校"),
    ("公办学校", "民办学校"),
    ("达标", "基本达标"),
]
WHOLES = [("义务教育学校", "所"), ("专任教师", "人"), ("在校学生", "人"), ("教学班", "个")]
SUM_TEMPLATES = [
    "全区共有{whole}{total}{unit}，其中{parts}。",
    "全县现有{whole}{total}{unit}（{parts}）。",
    "截至2024年底，全区{whole}{total}{unit}，包括{parts}。",
]
MODES = [ROUND_HALF_UP, ROUND_HALF_EVEN]


def findings(text: str) -> list[tuple[str, str]]:
    """(rule, severity) of every finding on the production path."""
    result = audit_document(ingest_bytes(text.encode("utf-8"), "x.txt"))
    return [(f["rule"], f["severity"]) for f in result["findings"]]


@st.composite
def sum_sentence(draw: st.DrawFn) -> tuple[str, int, str, list[int], str]:
    names = draw(st.sampled_from(CATEGORIES))
    k = draw(st.integers(min_value=2, max_value=len(names)))
    whole, unit = draw(st.sampled_from(WHOLES))
    counts = draw(st.lists(st.integers(min_value=1, max_value=5000), min_size=k, max_size=k))
    template = draw(st.sampled_from(SUM_TEMPLATES))
    return template, sum(counts), whole, counts, unit


def render_sum(
    template: str, total: int, whole: str, counts: list[int], unit: str, names: tuple
) -> str:
    parts = "、".join(f"{n}{c}{unit}" for n, c in zip(names, counts, strict=False))
    return template.format(whole=whole, total=total, unit=unit, parts=parts)


@SETTINGS
@given(
    sum_sentence(),
    st.sampled_from(CATEGORIES),
    st.integers(min_value=1, max_value=300),
    st.booleans(),
)
def test_totals_and_parts(spec, names, delta: int, up: bool) -> None:
    template, total, whole, counts, unit = spec
    names = names[: len(counts)] if len(names) >= len(counts) else CATEGORIES[0]
    counts = counts[: len(names)]
    total = sum(counts)
    assert findings(render_sum(template, total, whole, counts, unit, names)) == []
    wrong = total + delta if up or total - delta <= max(counts) else total - delta
    expected = [("sum_mismatch", "error")]
    if wrong < max(counts) or wrong < total - delta:
        expected = [("sum_mismatch", "error")]
    assert findings(render_sum(template, wrong, whole, counts, unit, names)) == expected


PERCENT_TEMPLATES = [
    "2024年优质高中招生名额总数{whole}人，分配到校名额{part}人，占比{p}%。",
    "本次调查回收有效问卷{whole}份，其中满意问卷{part}份，满意度为{p}%。",
    "全区义务教育学校{whole}所，按标准安排培训经费的学校{part}所，占比{p}%。",
]


@st.composite
def percent_case(draw: st.DrawFn) -> tuple[str, int, int, int, Decimal]:
    whole = draw(st.integers(min_value=1, max_value=20000))
    part = draw(st.integers(min_value=0, max_value=whole))
    decimals = draw(st.integers(min_value=0, max_value=2))
    mode = draw(st.sampled_from(MODES))
    exact = Decimal(100) * part / whole
    p = exact.quantize(Decimal(1).scaleb(-decimals), rounding=mode)
    template = draw(st.sampled_from(PERCENT_TEMPLATES))
    return template, whole, part, decimals, p


@SETTINGS
@given(percent_case(), st.integers(min_value=3, max_value=40))
def test_counts_with_rounded_percentages(case, units: int) -> None:
    template, whole, part, decimals, p = case
    text = template.format(whole=whole, part=part, p=f"{p:f}")
    assert findings(text) == []
    step = Decimal(1).scaleb(-decimals)
    wrong = p + units * step if p + units * step <= 100 else p - units * step
    text = template.format(whole=whole, part=part, p=f"{wrong:f}")
    assert findings(text) == [("percent_mismatch", "error")]


@SETTINGS
@given(
    st.integers(min_value=100000, max_value=9000000),
    st.integers(min_value=100, max_value=4000),
    st.sampled_from(MODES),
)
def test_growth_with_amounts(base_cents: int, rate_basis: int, mode) -> None:
    base = Decimal(base_cents) / 100  # 万元, two decimals
    increase = (base * rate_basis / 10000).quantize(Decimal("0.01"))
    current = base + increase
    rate = (Decimal(100) * increase / base).quantize(Decimal("0.01"), rounding=mode)
    text = "2024年全区教育经费支出{c}万元，比上年增加{i}万元，增长{r}%。"
    assert findings(text.format(c=current, i=increase, r=rate)) == []
    wrong = rate + Decimal("0.50")
    assert findings(text.format(c=current, i=increase, r=wrong)) == [("growth_mismatch", "error")]


@SETTINGS
@given(
    st.integers(min_value=1, max_value=400),
    st.integers(min_value=1, max_value=400),
    st.sampled_from(MODES),
)
def test_grim_reachable_percentages(part: int, extra: int, mode) -> None:
    whole = part + extra
    p = (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=mode)
    assert grim_whole_verdict(part, p, 2) in (None, "ok")
    text = f"本学年交流轮岗教师{part}名，占符合交流条件教师总数的{p}%。"
    assert findings(text) == []


GROWTH_CUES = ["比上年", "较上年", "同比", "比去年", "较2023年", "与上年相比，", "比上年同期"]


@SETTINGS
@given(
    st.integers(min_value=100000, max_value=9000000),
    st.integers(min_value=100, max_value=4000),
    st.sampled_from(MODES),
    st.sampled_from(GROWTH_CUES),
    st.booleans(),
    st.booleans(),
)
def test_growth_with_any_comparison_word(
    base_cents: int, rate_basis: int, mode, cue: str, rate_first: bool, falling: bool
) -> None:
    base = Decimal(base_cents) / 100  # 万元 of the year before, two decimals
    change = (base * rate_basis / 10000).quantize(Decimal("0.01"))
    current = base - change if falling else base + change
    rate = (Decimal(100) * change / base).quantize(Decimal("0.01"), rounding=mode)
    verb, rate_word = ("减少", "下降") if falling else ("增加", "增长")

    def sentence(r: Decimal) -> str:
        head = f"2024年全县教育经费总投入{current}万元，{cue}"
        if rate_first:
            return head + f"{rate_word}{r}%，{verb}{change}万元。"
        return head + f"{verb}{change}万元，{rate_word}{r}%。"

    assert findings(sentence(rate)) == []
    assert findings(sentence(rate + Decimal("0.50"))) == [("growth_mismatch", "error")]


@SETTINGS
@given(
    st.lists(st.integers(min_value=1, max_value=400), min_size=2, max_size=3),
    st.integers(min_value=0, max_value=8),
    st.sampled_from(MODES),
)
def test_shares_after_qizhong_in_the_next_sentence(counts: list[int], missing: int, mode) -> None:
    enrolled = sum(counts)
    names = ["在特殊教育学校就读", "随班就读", "送教上门"]
    shares = [(Decimal(100) * c / enrolled).quantize(Decimal("0.1"), rounding=mode) for c in counts]
    parts = "，".join(f"{n}{c}人、占比{s}%" for n, c, s in zip(names, counts, shares, strict=False))
    rate = (Decimal(100) * enrolled / (enrolled + missing)).quantize(Decimal("0.1"), rounding=mode)
    text = (
        f"全县适龄残疾儿童少年{enrolled + missing}人，入学{enrolled}人，入学率{rate}%。"
        f"其中，{parts}。"
    )
    assert findings(text) == []
