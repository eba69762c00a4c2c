"""Structure checks for tests/gold/*.json (the hand-read reference); no extractor involved."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from pipeline.catalog import CONCLUSIONS, load_catalog
from pipeline.document import KINDS, META_KEYS

GOLD = Path(__file__).parent / "gold"
ROOT = Path(__file__).resolve().parents[1]
GOLD_FILES = sorted(GOLD.glob("*.json"))

INDICATOR_KEYS = {
    "code",
    "level",
    "value",
    "unit",
    "schools_total",
    "schools_meeting",
    "cv",
    "self_conclusion",
    "snippet",
}
INDICATOR_OPTIONAL = {
    "note",
    "conclusion_agrees",
    "schools_not_meeting",
    "compare_value",
    "value_qualifier",
    "year",
    "subjects",
}
RELATION_KEYS = {"type", "snippet", "numbers", "recomputed", "consistent", "severity_if_not"}
RELATION_TYPES = {
    "sum",
    "percent",
    "shares",
    "growth",
    "difference",
    "product",
    "duplicate",
    "count",
    "comparison",
}
TRAP_KINDS = {"lost_characters", "name", "range", "threshold", "gross_rate"}
LEVELS = {"primary", "junior", "all"}


def corpus_dir() -> Path | None:
    """Where the source texts are: $EDU_AUDIT_CORPUS, ./corpus, or ../shared/corpus."""
    candidates = [
        os.environ.get("EDU_AUDIT_CORPUS"),
        ROOT / "corpus",
        ROOT.parent / "shared" / "corpus",
    ]
    for c in candidates:
        if c and any(Path(c).glob("*.txt")):
            return Path(c)
    return None


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def test_gold_files_exist():
    assert len(GOLD_FILES) >= 5


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_top_level_and_meta(path):
    doc = load(path)
    assert set(doc) >= {"file", "meta", "indicators", "relations"}
    assert set(doc) <= {"file", "meta", "indicators", "relations", "traps", "notes"}
    assert Path(doc["file"]).stem == path.stem
    meta = doc["meta"]
    assert set(meta) == set(META_KEYS)
    assert meta["kind"] in KINDS
    assert isinstance(meta["title"], str) and meta["title"]
    assert isinstance(meta["district"], str) and meta["district"]
    if meta["published"] is not None:
        assert dt.date.fromisoformat(meta["published"]).isoformat() == meta["published"]
    assert meta["report_year"] is None or 2000 <= meta["report_year"] <= 2100


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_indicators(path):
    catalog = load_catalog()
    codes = set(catalog.codes())
    seen = set()
    for item in load(path)["indicators"]:
        assert set(item) >= INDICATOR_KEYS, item
        assert set(item) <= INDICATOR_KEYS | INDICATOR_OPTIONAL, item
        code, level = item["code"], item["level"]
        assert code == "cv" or code in codes, code
        if code != "cv":
            assert catalog.indicator(code).numeric, code
        assert level in LEVELS
        assert (code, level) not in seen, (code, level)
        seen.add((code, level))
        for key in ("value", "cv"):
            assert item[key] is None or is_number(item[key]), item
        for key in ("schools_total", "schools_meeting", "schools_not_meeting"):
            v = item.get(key)
            assert v is None or (isinstance(v, int) and v >= 0), item
        if item["schools_total"] is not None and item["schools_meeting"] is not None:
            assert item["schools_meeting"] <= item["schools_total"]
        assert item["self_conclusion"] is None or item["self_conclusion"] in CONCLUSIONS
        assert item.get("conclusion_agrees", None) in (True, False, None)
        assert isinstance(item["unit"], str)
        assert 0 < len(item["snippet"]) <= 40


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_relations(path):
    for rel in load(path)["relations"]:
        assert set(rel) >= RELATION_KEYS, rel
        assert set(rel) <= RELATION_KEYS | {"note"}, rel
        assert rel["type"] in RELATION_TYPES
        assert rel["consistent"] in (True, False)
        assert rel["severity_if_not"] in ("error", "warning", None)
        if rel["consistent"] is False:
            assert rel["severity_if_not"] in ("error", "warning"), rel
        assert rel["numbers"] and rel["recomputed"]
        assert 0 < len(rel["snippet"]) <= 40


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_traps_and_notes(path):
    doc = load(path)
    for trap in doc.get("traps", []):
        assert set(trap) == {"snippet", "reading", "kind"}
        assert trap["kind"] in TRAP_KINDS
        assert 0 < len(trap["snippet"]) <= 40
    assert all(isinstance(n, str) and n for n in doc.get("notes", []))


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_snippets_are_verbatim(path):
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("corpus texts not available")
    doc = load(path)
    source = corpus / doc["file"]
    if not source.exists():
        pytest.skip(f"{doc['file']} not in {corpus}")
    text = source.read_text(encoding="utf-8")
    for item in doc["indicators"] + doc["relations"] + doc.get("traps", []):
        assert item["snippet"] in text, item["snippet"]


def test_every_corpus_document_has_gold():
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("corpus texts not available")
    stems = {p.stem for p in GOLD_FILES}
    missing = [p.name for p in sorted(corpus.glob("*.txt")) if p.stem not in stems]
    assert not missing
