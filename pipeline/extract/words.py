"""jieba words for matching headings against catalog names, with the domain dictionary."""

from __future__ import annotations

import logging
import sys
from functools import cache, lru_cache
from importlib.resources import files
from types import ModuleType

from pipeline.catalog import load_catalog


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[str, ...]:
    """jieba words with the domain dictionary loaded (used for fuzzy name matching); cached,
    since catalog names are tokenized for every heading of every document."""
    jieba = load_dictionary()
    return tuple(w for w in jieba.lcut(text, HMM=False) if w.strip())


@cache
def load_dictionary() -> ModuleType:
    """jieba with the domain words, imported on first use (not by `edu-audit --help`).

    jieba imports pkg_resources (about 0.15 s) only to open its bundled files and reads them
    from its own folder when that import fails, so it is imported with pkg_resources hidden.
    """
    hidden = "pkg_resources" not in sys.modules
    if hidden:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hidden:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    jieba.load_userdict(str(files("pipeline.data").joinpath("userdict.txt")))
    catalog = load_catalog()
    for framework in catalog.frameworks.values():
        for indicator in framework.indicators.values():
            for word in (indicator.short, *indicator.keywords):
                if 2 <= len(word) <= 12:
                    jieba.add_word(word, freq=1000)
    return jieba
