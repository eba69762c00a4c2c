"""The corpus of a batch run: which files, their content hashes, and the crawl manifest."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.batch.cache import atomic_write

SUFFIXES = frozenset({".txt", ".htm", ".html", ".shtml", ".pdf", ".docx", ".doc", ".wps"})
MANIFEST_NAME = "manifest.jsonl"


@dataclass(frozen=True)
class SourceFile:
    """One file of the corpus: where it is, its corpus-relative name and its content hash."""

    path: Path
    rel: str
    sha256: str
    readable: bool = True

    @property
    def doc_id(self) -> str:
        return self.sha256[:16]


def discover(corpus_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Supported files under the corpus, sorted; hidden files, the manifest and OUT_DIR skipped."""
    corpus_dir = Path(corpus_dir)
    excluded = _excluded_dir(corpus_dir, out_dir)
    found = []
    for path in corpus_dir.rglob("*"):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts) or rel.name == MANIFEST_NAME:
            continue
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            continue
        if excluded is not None and excluded in path.resolve().parents:
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(corpus_dir).as_posix())


def _excluded_dir(corpus_dir: Path, out_dir: Path | None) -> Path | None:
    """The folder of our own outputs inside the corpus, if any.

    OUT_DIR inside the corpus is skipped whole; OUT_DIR = CORPUS_DIR only loses its `report/`
    (our HTML pages); a corpus inside OUT_DIR is read normally.
    """
    if out_dir is None:
        return None
    corpus_abs, out_abs = Path(corpus_dir).resolve(), Path(out_dir).resolve()
    if out_abs == corpus_abs:
        return out_abs / "report"
    return out_abs if corpus_abs in out_abs.parents else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_sources(corpus_dir: Path, paths: list[Path], index_path: Path) -> list[SourceFile]:
    """Hash every file, reusing the last run's hash when size and mtime are unchanged.

    A warm run over a large corpus then costs one stat per file instead of reading every byte.
    As in git's "racy" check, a file modified within 2 s before the index was written is
    hashed again, since a second edit in the same clock tick would leave its mtime unchanged.
    """
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        known_files, written_ns = dict(index["files"]), int(index["written_ns"])
    except (OSError, ValueError, KeyError, TypeError):
        known_files, written_ns = {}, 0
    sources, files = [], {}
    for path in paths:
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            stat = path.stat()
            known = known_files.get(rel)
            settled = stat.st_mtime_ns < written_ns - 2_000_000_000
            same = isinstance(known, list) and known[:2] == [stat.st_size, stat.st_mtime_ns]
            sha = known[2] if settled and same else file_sha256(path)
            files[rel] = [stat.st_size, stat.st_mtime_ns, sha]
        except OSError:  # unreadable or just deleted: ingestion will say so as `failed`
            sha = hashlib.sha256(f"unreadable:{rel}".encode()).hexdigest()
            sources.append(SourceFile(path, rel, sha, readable=False))
            continue
        sources.append(SourceFile(path, rel, sha))
    if (
        files == known_files
    ):  # nothing changed: the index stays as it is (a warm run writes nothing)
        return sources
    index_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(index_path, json.dumps({"written_ns": time.time_ns(), "files": files}))
    return sources


def load_manifest(corpus_dir: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    """The crawl manifest indexed by stored path and by sha256 (latest line wins).

    A truncated or malformed line (a killed crawl) is skipped, not fatal.
    """
    by_path: dict[str, dict] = {}
    by_sha: dict[str, dict] = {}
    manifest = Path(corpus_dir) / MANIFEST_NAME
    if not manifest.is_file():
        return by_path, by_sha
    with manifest.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(record, dict) or not record.get("path"):
                continue
            by_path[Path(record["path"]).as_posix()] = record
            if record.get("sha256"):
                by_sha[record["sha256"]] = record
    return by_path, by_sha


def source_info(src: SourceFile, by_path: Mapping, by_sha: Mapping) -> dict:
    """`source_url` / `fetched_at` for a file from the manifest, when the crawler fetched it."""
    record = by_path.get(src.rel) or by_sha.get(src.sha256)
    if not record:
        return {}
    info = {
        "source_url": record.get("final_url") or record.get("url"),
        "fetched_at": record.get("fetched_at"),
    }
    return {k: v for k, v in info.items() if v}
