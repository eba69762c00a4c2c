"""Whether the outputs of OUT_DIR are already those of the corpus: a warm run then writes nothing.

After a complete write the run records a digest of everything the outputs are built from (the
version key, each file's name and hash, its cache entry as on disk, the crawl manifest's source
info, the district filter, the review journal, the code of the writers) and the size and
mtime of every output file.
A later run whose inputs give the same digest and whose outputs are untouched has nothing to
redo; any difference (a changed file, a new review, an output deleted or edited by hand) and
the outputs are rebuilt as usual.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import pipeline
from pipeline.batch.cache import Cache, atomic_write
from pipeline.batch.corpus import SourceFile, source_info
from pipeline.review import journal_path

MANIFEST = "outputs.json"
CODE_SUFFIXES = frozenset({".py", ".toml", ".txt", ".css", ".js", ".html"})
INTERNAL = frozenset({".cache", ".staging", ".lock"})


def inputs_digest(
    cache: Cache,
    sources: Iterable[SourceFile],
    by_path: Mapping,
    by_sha: Mapping,
    districts: list[str] | None,
    out_dir: Path,
) -> str:
    """One hash over what the outputs depend on; a stat per cache file, no entry is parsed."""
    digest = hashlib.sha256(cache.version.encode() + b"\0" + code_digest().encode())
    digest.update(json.dumps(sorted(districts or []), ensure_ascii=False).encode() + b"\0")
    for src in sources:
        info = source_info(src, by_path, by_sha)
        digest.update(json.dumps([src.rel, src.sha256, src.readable, info]).encode())
        digest.update(
            repr((_stat(cache.entry_path(src.sha256)), _stat(cache.text_path(src.sha256)))).encode()
        )
    journal = journal_path(out_dir)
    digest.update(journal.read_bytes() if journal.is_file() else b"no journal")
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """Hash of the code and data that shape the outputs but not the cached results (the
    writers, the report, the corpus checks, reviews): a new version rebuilds the outputs."""
    root = Path(pipeline.__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in ("pipeline", "outputs"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def output_stats(out_dir: Path) -> dict[str, list[int]]:
    """relative path → [size, mtime_ns] of every output file (the run's own state excluded)."""
    stats = {}
    for path in sorted(Path(out_dir).rglob("*")):
        rel = path.relative_to(out_dir)
        if rel.parts[0] in INTERNAL or rel.name == journal_path(out_dir).name:
            continue
        if path.is_file():
            stat = path.stat()
            stats[rel.as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return stats


def record(cache: Cache, digest: str, out_dir: Path, summary: dict) -> None:
    """Remember a complete write: the inputs' digest, the outputs as written, the summary."""
    manifest = {"digest": digest, "outputs": output_stats(out_dir), "summary": summary}
    atomic_write(cache.dir / MANIFEST, json.dumps(manifest, ensure_ascii=False))


def unchanged(cache: Cache, digest: str, out_dir: Path) -> dict | None:
    """The recorded summary when the outputs are those of `digest` and untouched, else None."""
    try:
        manifest = json.loads((cache.dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("digest") != digest:
        return None
    if manifest.get("outputs") != output_stats(out_dir):
        return None
    return manifest.get("summary")


def summary_record(
    documents: int,
    by_status: Counter,
    by_severity: Counter,
    outputs: list[Path],
    warnings: list[str],
) -> dict:
    """The figures a skipped run prints, as JSON."""
    return {
        "documents": documents,
        "by_status": dict(by_status),
        "by_severity": dict(by_severity),
        "outputs": [str(p) for p in outputs],
        "warnings": list(warnings),
    }


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns
