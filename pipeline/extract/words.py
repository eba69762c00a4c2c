"""jieba words for matching headings against catalog names, with the domain dictionary."""

from __future__ import annotations

import logging
from functools import cache, lru_cache
from importlib.resources import files

import jieba

from pipeline.catalog import load_catalog


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[str, ...]:
    """jieba words with the domain dictionary loaded (used for fuzzy name matching); cached,
    since catalog names are tokenized for every heading of every document."""
    load_dictionary()
    return tuple(w for w in jieba.lcut(text, HMM=False) if w.strip())


@cache
def load_dictionary() -> None:
    jieba.setLogLevel(logging.WARNING)
    jieba.load_userdict(str(files("pipeline.data").joinpath("userdict.txt")))
    catalog = load_catalog()
    for framework in catalog.frameworks.values():
        for indicator in framework.indicators.values():
            for word in (indicator.short, *indicator.keywords):
                if 2 <= len(word) <= 12:
                    jieba.add_word(word, freq=1000)
