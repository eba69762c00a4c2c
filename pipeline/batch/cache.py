"""The result cache of batch runs, keyed by a file's bytes and by the version of the rules.

Each finished document is written at once (`OUT_DIR/.cache/<version>/<sha256>.json`: result +
source info, with the document text beside it in `<sha256>.txt`; text first, both atomically),
so unchanged files are never processed twice and an interrupted run is finished by the next.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pipeline
from pipeline.contract import SCHEMA_VERSION

if TYPE_CHECKING:
    from pipeline.batch.corpus import SourceFile

CACHE_DIR = ".cache"
HASH_INDEX = "hashes.json"
# What does not change a result: the CLI, the demo generator, the crawler and batch plumbing.
NOT_RESULTS_SET = frozenset(
    {"cli.py", "textreport.py", "review.py", "synth", "crawler", "batch", "synth_templates.toml"}
)


def cache_version() -> str:
    """Hash of everything that can change a result: package version, data files, code.

    A new rule, catalog edit or extractor fix changes the key, so every file is re-audited;
    an edit of the CLI, the demo generator or the batch plumbing does not.
    """
    root = Path(pipeline.__file__).resolve().parent
    digest = hashlib.sha256(f"edu-audit {pipeline.__version__} schema {SCHEMA_VERSION}".encode())
    sources = [
        p
        for folder in (root, root.parent / "extractors")
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".py", ".toml", ".txt"} and "__pycache__" not in p.parts
    ]
    sources = [p for p in sources if not NOT_RESULTS_SET & {*p.relative_to(root.parent).parts}]
    for path in sorted(sources, key=lambda p: p.relative_to(root.parent).as_posix()):
        digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


class Cache:
    """One JSON entry (result + source info) and one text file per document and version."""

    def __init__(self, out_dir: Path, version: str) -> None:
        self.root = Path(out_dir) / CACHE_DIR
        self.dir = self.root / version[:16]
        self.version = version

    def entry_path(self, sha256: str) -> Path:
        return self.dir / f"{sha256}.json"

    def text_path(self, sha256: str) -> Path:
        return self.dir / f"{sha256}.txt"

    def load(self, sha256: str) -> dict | None:
        """The cached entry, or None when missing or unreadable (then the file is redone)."""
        try:
            entry = json.loads(self.entry_path(sha256).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if entry.get("version") != self.version or not self.text_path(sha256).is_file():
            return None
        return entry

    def text(self, sha256: str) -> str:
        try:
            return self.text_path(sha256).read_text(encoding="utf-8")
        except OSError:
            return ""

    def store(self, src: SourceFile, result: dict, text: str, source: dict) -> None:
        """Text first, entry last: an entry on disk always has its text beside it."""
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.text_path(src.sha256), text)
        entry = {
            "version": self.version,
            "sha256": src.sha256,
            "rel": src.rel,
            "source": source,
            "result": result,
        }
        atomic_write(self.entry_path(src.sha256), json.dumps(entry, ensure_ascii=False))

    def prune(self) -> None:
        """Drop entries of older versions: they can never be used again."""
        if not self.root.is_dir():
            return
        for child in self.root.iterdir():
            if child != self.dir and child.name != HASH_INDEX:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()


class UnloadedFigures(Sequence):
    """A document's figures while the batch holds its result: their count, not them.

    Figures are most of a result's size; the outputs read them back from the cache one
    document at a time (`CachedTexts.restore`). Anything that reads them without restoring
    fails loudly instead of seeing none.
    """

    def __init__(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> dict:
        raise LookupError("figures not loaded: restore the result from the cache first")


class PackedItems(Sequence):
    """A held document's indicators as compressed JSON (a few KB instead of about 55 KB of
    dicts), decoded when read. The last lists decoded are kept, since a writer reads one
    document's indicators many times in a row; they are read-only."""

    RECENT = 32
    _recent: OrderedDict[int, tuple[PackedItems, list]] = OrderedDict()

    def __init__(self, items: list) -> None:
        self._data = zlib.compress(json.dumps(items, ensure_ascii=False).encode(), 1)
        self._count = len(items)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - a Sequence's index or slice
        return self._items()[index]

    def __iter__(self) -> Iterator:
        return iter(self._items())

    def _items(self) -> list:
        recent = PackedItems._recent
        key = id(self)
        if key in recent:
            recent.move_to_end(key)
            return recent[key][1]
        items = json.loads(zlib.decompress(self._data))
        recent[key] = (self, items)  # the held reference keeps the id from being reused
        if len(recent) > self.RECENT:
            recent.popitem(last=False)
        return items


def held(result: dict) -> dict:
    """The result as the batch holds it (a shallow copy): figures counted but not kept,
    indicators packed. The outputs restore both from the cache (`CachedTexts.restore`)."""
    figures, indicators = result.get("figures"), result.get("indicators")
    copy = dict(result)
    if figures:
        copy["figures"] = UnloadedFigures(len(figures))
    if indicators:
        copy["indicators"] = PackedItems(indicators)
    return copy


class CachedTexts(Mapping):
    """doc_id → document text, read from the cache on demand so a large corpus fits in memory;
    `restore` gives a held result its figures back the same way."""

    def __init__(self, cache: Cache, sha_by_doc: dict[str, str], extra: dict[str, str]) -> None:
        self._cache, self._sha, self._extra = cache, sha_by_doc, extra

    def __getitem__(self, doc_id: str) -> str:
        if doc_id in self._extra:
            return self._extra[doc_id]
        return self._cache.text(self._sha[doc_id])

    def __iter__(self) -> Iterator[str]:
        yield from self._sha
        yield from (k for k in self._extra if k not in self._sha)

    def __len__(self) -> int:
        return len(self._sha.keys() | self._extra.keys())

    def restore(self, result: dict) -> dict:
        """The held result with its figures and indicators read back from its cache entry."""
        packed = (UnloadedFigures, PackedItems)
        keys = [k for k in ("figures", "indicators") if isinstance(result.get(k), packed)]
        if not keys:
            return result
        cached = (self._cache.load(self._sha[result["doc_id"]]) or {}).get("result", {})
        return {k: (cached.get(k) or []) if k in keys else v for k, v in result.items()}


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave half-written files behind
        raise
