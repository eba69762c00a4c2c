"""Shared test fixtures: where the shared corpus and the real-world fixtures live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
REAL = SHARED / "fixtures" / "real"
CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    assert CORPUS_FILES, f"shared corpus missing at {CORPUS}"
    return CORPUS_FILES
