"""Extraction against the hand-read gold files: metadata for all five documents, indicators
of the two quality-balance reports. Prints precision and recall."""

from __future__ import annotations

import pytest

from pipeline.audit import audit_path
from tests.conftest import CORPUS
from tests.gold_compare import META_FIELDS, Score, load_gold, score_indicators

GOLD = load_gold()


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {stem: audit_path(CORPUS / gold["file"]) for stem, gold in GOLD.items()}


@pytest.mark.parametrize("stem", sorted(GOLD))
def test_metadata_matches_gold(results, stem):
    gold, meta = GOLD[stem]["meta"], results[stem]["meta"]
    wrong = {k: (meta[k], gold[k]) for k in META_FIELDS if meta[k] != gold[k]}
    assert not {
        k: v for k, v in wrong.items() if k in ("district", "kind", "published", "city", "province")
    }, wrong


def test_indicator_values_precision_and_recall(results):
    score = Score()
    for stem, gold in GOLD.items():
        score_indicators(gold, results[stem], score)
    print(
        f"\nindicator facts: precision {score.precision:.3f}, recall {score.recall:.3f} "
        f"(tp {score.true_positive}, fp {score.false_positive}, fn {score.false_negative})"
    )
    for miss in score.misses:
        print("  ", miss)
    assert score.precision >= 0.95 and score.recall >= 0.9, score.misses
