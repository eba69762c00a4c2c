"""A regression guard on the real passages of ../shared/realdev (not a tuning target): the
scorer's figures must not fall below the level reached. Raise the floors when accuracy rises.

Runs `benchmarks/accuracy.py`'s scoring (the shared scorer over this checkout's `edu-audit`).
"""

from __future__ import annotations

import pytest

from benchmarks.accuracy import REALDEV, SCORER, score_realdev

# Reached on 2026-12-02: district 15/15, kind 40/40, figures 193/208, recall 33/42,
# precision 16/17.
FLOORS = {"district": 1.0, "kind": 1.0, "figure": 0.96, "recall": 0.9, "precision": 0.95}

pytestmark = pytest.mark.skipif(
    not (REALDEV.is_dir() and SCORER.is_file()), reason="../shared/realdev not available"
)


def test_realdev_accuracy_does_not_drop() -> None:
    _, ratios = score_realdev()
    low = {k: round(v, 3) for k, v in ratios.items() if v < FLOORS[k]}
    assert not low, f"below the floors {FLOORS}: {low}"
