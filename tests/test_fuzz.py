"""Fuzz and property suite: the number recogniser and the whole audit never raise, a formatted
number is read back as itself, and mutated real documents always get a status.

About 2,860 examples in all, bounded by max_examples (deadline off: the shared CI machine is
slow and uneven); the database of failing examples is off so runs are reproducible.
"""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.audit import audit_document
from pipeline.extract.quantities import find_quantities
from pipeline.ingest.files import ingest_bytes
from tests.conftest import CORPUS_FILES
from tests.hostile import docx_bytes
from tests.variants import pdf_bytes

STATUSES = {"ok", "empty", "needs_ocr", "unsupported", "failed"}


def fuzz(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Report-like alphabet: digits, Chinese numerals, units, separators, brackets, punctuation.
REPORT_CHARS = (
    "0123456789.,，、%％:：;；-—~至到约近余多以上不足"
    "零〇一二两三四五六七八九十百千万亿"
    "所人名个班份元万亿平方米间台册次项年月日号第指标〔〕［］()（）《》"
    "小学初中教师学生比例达到为占增长下降同比个百分点。！？\n "
)
report_like = st.text(alphabet=REPORT_CHARS, max_size=120)
report_text = report_like | st.text(max_size=80)


@fuzz(1500)
@given(report_text)
def test_find_quantities_never_raises_and_spans_are_sane(text: str) -> None:
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= len(text)
        assert q.value.is_finite()


UNITS = ["所", "人", "名", "个", "班", "份", "间", "台", "册", "万元", "平方米", "%"]


@st.composite
def formatted_number(draw: st.DrawFn) -> tuple[str, Decimal, str]:
    """A value as a report writes it: integer or decimal, with or without thousands commas."""
    unit = draw(st.sampled_from(UNITS))
    decimals = draw(st.integers(0, 2))
    top = 999 if unit == "%" else 9_999_999
    cents = draw(st.integers(1, top * 10**decimals))
    value = Decimal(cents).scaleb(-decimals)
    plain = f"{value:.{decimals}f}"
    commas = f"{value:,.{decimals}f}"
    text = draw(st.sampled_from([plain, commas])) if value >= 1000 else plain
    return text, value, unit


@fuzz(800)
@given(
    formatted_number(),
    st.sampled_from(["全区共有", "其中", "合计", "比例为", "达到", "约有"]),
    st.sampled_from(["。", "，", "；", "（含分校）。", ""]),
)
def test_formatted_number_reads_back_as_itself(
    number: tuple[str, Decimal, str], before: str, after: str
) -> None:
    text, value, unit = number
    sentence = f"{before}{text}{unit}{after}"
    found = [
        q for q in find_quantities(sentence) if q.raw.replace(",", "") == text.replace(",", "")
    ]
    assert len(found) == 1, (sentence, find_quantities(sentence))
    assert found[0].value == value and found[0].unit == unit, (sentence, found[0])
    assert found[0].decimals == (len(text.split(".")[1]) if "." in text else 0)


@fuzz(250)
@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.html", "x.pdf", "x.docx", "x"]))
def test_audit_of_arbitrary_bytes_always_gets_a_status(data: bytes, name: str) -> None:
    result = audit_document(ingest_bytes(data, name))
    assert result["status"] in STATUSES
    assert result["status"] == "ok" or result["error"]


@fuzz(150)
@given(st.lists(report_like, min_size=1, max_size=8))
def test_audit_of_report_like_text_never_fails(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8")
    result = audit_document(ingest_bytes(data, "x.txt"))
    assert result["status"] in ("ok", "empty"), result["error"]


# --- mutated real documents ----------------------------------------------------------------

TEXTS = [p.read_text("utf-8") for p in CORPUS_FILES]
WINDOW = 1500  # characters of a real document per example: realistic and quick to audit


def _window(rng: random.Random, text: str) -> str:
    start = rng.randrange(0, max(1, len(text) - WINDOW))
    return text[start : start + WINDOW]


def mutate(rng: random.Random, data: bytes, how: str) -> bytes:
    if how == "truncate":
        return data[: rng.randrange(0, len(data) + 1)]
    if how == "insert":
        out = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            out[rng.randrange(0, len(out) + 1) : 0] = rng.randbytes(rng.randrange(1, 16))
        return bytes(out)
    if how == "flip":
        out = bytearray(data)
        for _ in range(rng.randrange(1, 50)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if how == "shuffle":
        blocks = data.split(b"\n")
        rng.shuffle(blocks)
        return b"\n".join(blocks)
    if how == "splice":  # half in one encoding, half in another
        cut = rng.randrange(0, len(data) + 1)
        return data[:cut] + data[cut:].decode("utf-8", "ignore").encode("gb18030", "replace")
    raise AssertionError(how)


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


MUTATIONS = ["truncate", "insert", "flip", "shuffle", "splice"]


@fuzz(80)
@given(
    st.integers(0, len(TEXTS) - 1),
    st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"]),
    st.sampled_from(MUTATIONS),
    st.sampled_from(["x.txt", "x.html"]),
    st.randoms(use_true_random=False),
)
def test_mutated_real_text_always_gets_a_status(
    index: int, encoding: str, how: str, name: str, rng: random.Random
) -> None:
    text = _window(rng, TEXTS[index])
    if name.endswith(".html"):
        text = "<html><body>" + "".join(f"<p>{ln}</p>\n" for ln in text.splitlines()) + "</body>"
    data = mutate(rng, encoded(text, encoding), how)
    result = audit_document(ingest_bytes(data, name))
    assert result["status"] in STATUSES
    assert result["status"] == "ok" or result["error"]


PDF = pdf_bytes(TEXTS[3][:2000])
DOCX = docx_bytes(TEXTS[4][:2000].splitlines())


@fuzz(80)
@given(
    st.sampled_from(["pdf", "docx"]),
    st.sampled_from(["truncate", "insert", "flip"]),
    st.randoms(use_true_random=False),
)
def test_mutated_pdf_and_docx_always_get_a_status(kind: str, how: str, rng: random.Random) -> None:
    data = mutate(rng, PDF if kind == "pdf" else DOCX, how)
    result = audit_document(ingest_bytes(data, f"x.{kind}"))
    assert result["status"] in STATUSES
    assert result["status"] == "ok" or result["error"]
    assert "Traceback" not in (result["error"] or "")
