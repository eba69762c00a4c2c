"""jieba words for matching headings against catalog names, with the domain dictionary.

The catalog names' own words are stored in `pipeline/data/catalog_words.json`, segmented by
jieba from the catalog.toml and userdict.txt whose digests it records, so that most headings
are matched without segmenting anything (see `indicators._best_code`); a title that needs its
words is segmented over jieba's frequencies on disk (`jieba_table`). After editing the catalog
or the user dictionary, rewrite the stored words with
`python -c 'from pipeline.extract.words import write_name_words; write_name_words()'`
(tests/test_heading_match.py fails until they are rewritten).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from types import ModuleType

from pipeline.catalog import load_catalog
from pipeline.data import derived_from, read_data

NAME_WORDS = "catalog_words.json"


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[str, ...]:
    """jieba's words (HMM off) with the domain dictionary, for fuzzy name matching; looked up
    in jieba's frequencies on disk (`jieba_table`), so jieba itself loads only to write them.
    Imported here: most documents need no segmentation (nor sqlite3)."""
    from pipeline.extract.jieba_table import segment

    return tuple(w for w in segment(text) if w.strip())


@cache
def load_dictionary() -> ModuleType:
    """jieba with the domain words, imported only to write `jieba_table`'s frequencies (or
    where they cannot be written) and by tests/test_heading_match.py.

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


def name_words(name: str) -> tuple[str, ...]:
    """jieba's words of a catalog name: stored ones when they were segmented from the catalog
    and user dictionary in use, else segmented now."""
    stored = _stored_name_words()
    return stored[name] if name in stored else tokenize(name)


@derived_from("catalog.toml")
def _stored_name_words() -> dict[str, tuple[str, ...]]:
    stored = json.loads(read_data(NAME_WORDS))
    if stored["catalog"] != load_catalog().version or stored["userdict"] != _userdict_digest():
        return {}
    return {name: tuple(words) for name, words in stored["words"].items()}


def _userdict_digest() -> str:
    return hashlib.sha256(files("pipeline.data").joinpath("userdict.txt").read_bytes()).hexdigest()[
        :12
    ]


def segment_names() -> dict:
    """Every catalog name, short name and alias with its jieba words (catalog_words.json)."""
    catalog = load_catalog()
    names = sorted(
        {
            name
            for framework in catalog.frameworks.values()
            for indicator in framework.indicators.values()
            for name in (indicator.name, indicator.short, *indicator.aliases)
        }
    )
    return {
        "catalog": catalog.version,
        "userdict": _userdict_digest(),
        "words": {name: list(tokenize(name)) for name in names},
    }


def write_name_words() -> Path:
    """Rewrite catalog_words.json from the packaged catalog and user dictionary."""
    data = segment_names()
    lines = [
        f"{json.dumps(n, ensure_ascii=False)}: {json.dumps(w, ensure_ascii=False)}"
        for n, w in data["words"].items()
    ]
    head = f'{{"catalog": "{data["catalog"]}", "userdict": "{data["userdict"]}", "words": {{\n'
    target = Path(__file__).resolve().parents[1] / "data" / NAME_WORDS
    target.write_text(head + ",\n".join(lines) + "\n}}\n", "utf-8")
    return target
