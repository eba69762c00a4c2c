"""jieba's segmentation (accurate mode, HMM off) over its dictionary kept in an SQLite file.

Loading jieba's dictionary costs ~0.6 s per process (the 9 MB dict.txt, as jieba's own cache),
although a heading needs the frequencies of only its own pieces. The first use writes jieba's
word frequencies — with the user dictionary and catalog words `words.load_dictionary` adds —
to a file in the temporary folder, named by what they were built from; later processes look
up only the pieces of the text they segment. `segment` follows `jieba.Tokenizer.cut(text,
HMM=False)` step for step (blocks, DAG, route, runs of single letters and digits), so it gives
jieba's words; tests/test_heading_match.py compares the two on the shared documents.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path

from pipeline.catalog import load_catalog

# jieba's own patterns (jieba/__init__.py: re_han_default, re_skip_default, re_eng).
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_SKIP = re.compile(r"(\r\n|\s)", re.U)
_ENG = re.compile("[a-zA-Z0-9]", re.U)
_FORMAT = "1"  # bump when the table's layout changes

Lookup = Callable[[Iterable[str]], dict[str, int]]


def segment(text: str) -> list[str]:
    """jieba.lcut(text, HMM=False) with the domain words."""
    table = frequency_table()
    return list(_cut(text, table.lookup, table.total, table.longest))


def _cut(text: str, lookup: Lookup, total: int, longest: int) -> Iterator[str]:
    for block in _HAN.split(text):
        if not block:
            continue
        if _HAN.match(block):
            yield from _cut_block(block, lookup, total, longest)
        else:
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    yield piece
                else:
                    yield from piece


def _cut_block(sentence: str, lookup: Lookup, total: int, longest: int) -> Iterator[str]:
    n = len(sentence)
    freq = lookup(sentence[k : i + 1] for k in range(n) for i in range(k, min(n, k + longest)))
    dag = {}
    for k in range(n):  # jieba's get_DAG: every word starting at k, by its end
        ends = []
        i, frag = k, sentence[k]
        while i < n and frag in freq:
            if freq[frag]:
                ends.append(i)
            i += 1
            frag = sentence[k : i + 1]
        dag[k] = ends or [k]
    route: dict[int, tuple[float, int]] = {n: (0, 0)}
    logtotal = math.log(total)
    for idx in range(n - 1, -1, -1):  # jieba's calc: the most probable path from the right
        route[idx] = max(
            (math.log(freq.get(sentence[idx : x + 1]) or 1) - logtotal + route[x + 1][0], x)
            for x in dag[idx]
        )
    x, buf = 0, ""
    while x < n:  # jieba's __cut_DAG_NO_HMM: single letters and digits run together
        y = route[x][1] + 1
        word = sentence[x:y]
        if _ENG.match(word) and len(word) == 1:
            buf += word
        else:
            if buf:
                yield buf
                buf = ""
            yield word
        x = y
    if buf:
        yield buf


class FrequencyTable:
    """jieba's FREQ (words and their prefixes, a prefix's frequency 0) and total, on disk."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.total, self.longest = self._db.execute("SELECT total, longest FROM meta").fetchone()

    def lookup(self, pieces: Iterable[str]) -> dict[str, int]:
        """The pieces that are in jieba's dictionary, with their frequencies."""
        wanted = list(dict.fromkeys(pieces))
        found: dict[str, int] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = f"SELECT word, n FROM freq WHERE word IN ({','.join('?' * len(chunk))})"
                found.update(self._db.execute(query, chunk))
        return found


class LoadedFrequencies:
    """jieba's FREQ in memory: where the table cannot be written."""

    def __init__(self, freq: dict[str, int], total: int) -> None:
        self._freq, self.total, self.longest = freq, total, max(map(len, freq))

    def lookup(self, pieces: Iterable[str]) -> dict[str, int]:
        return {p: self._freq[p] for p in pieces if p in self._freq}


def frequency_table() -> FrequencyTable | LoadedFrequencies:
    """The table for this jieba, user dictionary and catalog; written on first use, opened
    once per process (a forked worker opens its own connection)."""
    return _open_table(os.getpid())


@cache
def _open_table(pid: int) -> FrequencyTable | LoadedFrequencies:
    try:
        path = Path(tempfile.gettempdir()) / f"edu-audit-jieba-{_table_key()}.sqlite"
        if not path.exists():
            _write_table(path)
        return FrequencyTable(path)
    except (OSError, sqlite3.Error):
        from pipeline.extract.words import load_dictionary

        tokenizer = load_dictionary().dt
        return LoadedFrequencies(tokenizer.FREQ, tokenizer.total)


def _table_key() -> str:
    """What the frequencies are built from: jieba's dict.txt, userdict.txt and the catalog."""
    spec = importlib.util.find_spec("jieba")
    folder = (spec.submodule_search_locations or [""])[0] if spec else ""
    dict_txt = Path(folder) / "dict.txt"
    stat = dict_txt.stat()
    userdict = files("pipeline.data").joinpath("userdict.txt").read_bytes()
    parts = [_FORMAT, str(dict_txt), str(stat.st_size), str(stat.st_mtime_ns)]
    parts += [hashlib.sha256(userdict).hexdigest(), load_catalog().version]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _write_table(path: Path) -> None:
    from pipeline.extract.words import load_dictionary

    tokenizer = load_dictionary().dt
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)  # left by a write that a time limit cut off
    try:
        db = sqlite3.connect(partial)
        try:
            db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
            db.executemany("INSERT INTO freq VALUES (?, ?)", tokenizer.FREQ.items())
            db.execute("CREATE TABLE meta (total INTEGER, longest INTEGER)")
            longest = max(map(len, tokenizer.FREQ))
            db.execute("INSERT INTO meta VALUES (?, ?)", (tokenizer.total, longest))
            db.commit()
        finally:
            db.close()
        os.replace(partial, path)  # whole or not at all, when several workers write it at once
    finally:
        partial.unlink(missing_ok=True)
