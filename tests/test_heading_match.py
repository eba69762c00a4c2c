"""Heading ↔ catalog matching settles most headings from the catalog's own words, and segments a
title only when those cannot decide, looking its pieces up in jieba's frequencies on disk. It
must give the code the jieba-only matcher gave (kept below as the reference) for every title it
sees on the shared documents and the real passages; the stored words of the catalog names and
the segmentation over the table must be jieba's own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.audit import audit_document
from pipeline.catalog import Catalog, Indicator, load_catalog
from pipeline.extract import indicators
from pipeline.extract.indicators import _CODE_REF, GENERIC_TOKENS, MIN_MATCH, match_code
from pipeline.extract.jieba_table import LoadedFrequencies, _cut, segment
from pipeline.extract.words import NAME_WORDS, load_dictionary, segment_names, tokenize
from pipeline.ingest.files import ingest_bytes
from tests.conftest import CORPUS_FILES, SHARED

REALDEV_FILES = sorted((SHARED / "realdev").glob("*.txt"))


def jieba_words(text: str) -> tuple[str, ...]:
    """jieba itself, with the domain words: what `tokenize` must give."""
    return tuple(w for w in load_dictionary().lcut(text, HMM=False) if w.strip())


def reference_code(title: str, catalog: Catalog, group: str | None) -> str | None:
    """The matcher as it was: every title and every name segmented by jieba."""
    known = catalog.frameworks["quality_balance"].indicators
    explicit = [c for c in _CODE_REF.findall(title) if c in known]
    if explicit:
        return explicit[0]
    title_tokens = set(jieba_words(title)) - GENERIC_TOKENS
    best, best_score = None, 0.0
    for indicator in known.values():
        if group and indicator.group != group:
            continue
        score = _reference_score(title, title_tokens, indicator)
        if score > best_score:
            best, best_score = indicator.code, score
    return best if best_score >= MIN_MATCH else None


def _reference_score(title: str, title_tokens: set[str], indicator: Indicator) -> float:
    names = [n for n in (indicator.name, indicator.short, *indicator.aliases) if len(n) >= 2]
    longest = max((len(n) for n in names if n in title), default=0)
    if longest:
        return 1.0 + longest / 100
    token_sets = [
        frozenset(t for t in jieba_words(n) if len(t) > 1) - GENERIC_TOKENS
        for n in (indicator.name, indicator.short, *indicator.aliases)
    ]
    return max((len(t & title_tokens) / len(t) for t in token_sets if t), default=0.0)


def _titles_matched(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> set[tuple]:
    """Every (title, group) the audit of these documents asks the matcher about."""
    seen: set[tuple] = set()

    def recording(title, catalog, group, tokenize):
        seen.add((title, group))
        return match_code(title, catalog, group, tokenize)

    monkeypatch.setattr(indicators, "match_code", recording)
    monkeypatch.setattr("pipeline.extract.cvtables.match_code", recording)
    for path in paths:
        text = path.read_text("utf-8")
        if path.parent.name == "realdev":
            text = text.split("\n", 2)[2]  # the scorer's passage: without the two header lines
        audit_document(ingest_bytes(text.encode("utf-8"), path.name))
    return seen


@pytest.mark.skipif(not REALDEV_FILES, reason="../shared/realdev not available")
def test_every_heading_matches_as_with_jieba_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = load_catalog()
    seen = _titles_matched(CORPUS_FILES + REALDEV_FILES, monkeypatch)
    assert len(seen) > 100
    differ = [
        (title, group)
        for title, group in sorted(seen, key=str)
        if indicators._best_code(title, catalog, group, tokenize)
        != reference_code(title, catalog, group)
    ]
    assert differ == []


def test_stored_name_words_are_jiebas() -> None:
    """catalog_words.json is jieba's segmentation of the catalog in use; rewrite it with
    pipeline.extract.words.write_name_words() after editing catalog.toml or userdict.txt."""
    stored = json.loads((Path(indicators.__file__).parents[1] / "data" / NAME_WORDS).read_text())
    assert stored == segment_names()


@pytest.mark.skipif(not REALDEV_FILES, reason="../shared/realdev not available")
def test_segmentation_over_the_table_is_jiebas() -> None:
    """Every line and clause of the shared documents and real passages, and every catalog
    name, segmented over the table as jieba segments it (HMM off)."""
    pieces: set[str] = set(segment_names()["words"])
    for path in CORPUS_FILES + REALDEV_FILES:
        text = path.read_text("utf-8")
        pieces.update(text.splitlines())
        pieces.update(re.split(r"[。；;，,\n]", text))
    pieces.update(["", " ", "a b\r\nc", "ABC123 def", "2024年9月1日", "x-1.5%", "Ⅳ类", "𠀀字"])
    jieba = load_dictionary()
    differ = [p for p in sorted(pieces) if segment(p) != jieba.lcut(p, HMM=False)]
    assert differ == []
    loaded = LoadedFrequencies(jieba.dt.FREQ, jieba.dt.total)  # where the table is not written
    differ = [
        p
        for p in sorted(pieces)
        if list(_cut(p, loaded.lookup, loaded.total, loaded.longest)) != jieba.lcut(p, HMM=False)
    ]
    assert differ == []
    assert len(pieces) > 2000
