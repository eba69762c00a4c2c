"""Batch runs: audit every document of a corpus folder and write all outputs into one folder.

The run is incremental and crash-safe: results come from the cache (`pipeline.batch.cache`) or
the workers (`pipeline.batch.workers`), and the outputs are always rebuilt from the cache
entries of the files currently in the corpus, staged under temporary names and renamed.
Failures that come from the run itself (a worker exception, a timeout, a crashed worker) are
recorded as `failed` in the outputs but not cached, so the next run tries those files again.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from pipeline.batch.cache import HASH_INDEX, Cache, CachedTexts, cache_version, held
from pipeline.batch.corpus import SourceFile, discover, hash_sources, load_manifest, source_info
from pipeline.batch.lock import holding_out_dir_lock
from pipeline.batch.outputs import disk_errors, write_outputs
from pipeline.batch.uptodate import inputs_digest, record, summary_record, unchanged
from pipeline.batch.workers import (
    DEFAULT_TIMEOUT,
    Worker,
    execute,
    failed_result,
    process_file,
)
from pipeline.engine.corpus import CorpusIndex, comparable_statements
from pipeline.ingest.files import Limits
from pipeline.labels import SEVERITY_LABEL, STATUS_LABEL
from pipeline.review import apply_reviews, assign_ids, load_decisions


@dataclass
class RunSummary:
    """What a run did, for the closing message and for tests."""

    files: int = 0
    documents: int = 0
    processed: int = 0
    cached: int = 0
    duplicates: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_severity: Counter = field(default_factory=Counter)
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    version: str = ""
    warnings: list[str] = field(default_factory=list)

    def render(self) -> str:
        """The closing summary in Chinese, as printed by `edu-audit run`."""
        statuses = "，".join(
            f"{STATUS_LABEL.get(s, s)} {n}" for s, n in sorted(self.by_status.items())
        )
        severities = "，".join(
            f"{SEVERITY_LABEL[s]} {self.by_severity.get(s, 0)}" for s in SEVERITY_LABEL
        )
        lines = [
            f"文档 {self.documents} 份（本次处理 {self.processed}，缓存复用 {self.cached}"
            + (f"，内容重复的文件 {self.duplicates}" if self.duplicates else "")
            + "）",
            f"状态：{statuses or '无'}",
            f"问题：{severities}",
            f"用时 {self.seconds:.1f} 秒",
            "输出：",
        ]
        lines += [f"  {p}" for p in self.outputs]
        lines += [f"注意：{w}" for w in self.warnings]
        return "\n".join(lines)


@holding_out_dir_lock
def run_corpus(
    corpus_dir: str | Path,
    out_dir: str | Path,
    workers: int | None = None,
    progress: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
    worker: Worker = process_file,
    scheduler: str | None = None,
    districts: list[str] | None = None,
    limits: Limits | None = None,
) -> RunSummary:
    """Audit every supported file under `corpus_dir` and (re)write all outputs into `out_dir`
    (on the Dask cluster at `scheduler` when given, see `pipeline.batch.distributed`).

    With `districts`, the outputs hold only the documents of those districts (every file is
    still audited once, since a document's district is known only after reading it).

    Raises RunError (a Chinese message) when OUT_DIR is in use by another run or its disk is
    full; the previous outputs are then left as they were.
    """
    started = time.monotonic()
    if limits is not None and worker is process_file:
        worker = functools.partial(process_file, limits=limits)
    corpus_dir, out_dir = Path(corpus_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    version = cache_version()
    cache = Cache(out_dir, version)
    summary = RunSummary(version=version)

    sources = hash_sources(corpus_dir, discover(corpus_dir, out_dir), cache.root / HASH_INDEX)
    summary.files = len(sources)
    by_path, by_sha = load_manifest(corpus_dir)
    unique = _unique(sources)
    summary.duplicates = len(sources) - len(unique)
    if _skip_unchanged(cache, unique, by_path, by_sha, districts, out_dir, summary):
        summary.cached = len(unique)  # every entry as at the last complete write: none parsed
        summary.seconds = time.monotonic() - started
        return summary
    statements: dict[str, dict] = {}  # doc_id → what the corpus check compares
    done = _load_cached(cache, unique, statements)
    todo = [s for s in unique if s.sha256 not in done]
    summary.processed, summary.cached = len(todo), len(unique) - len(todo)

    transient: dict[str, tuple[dict, str]] = {}
    counts: Counter = Counter()
    bar = tqdm(
        total=len(todo),
        desc="审核文档",
        unit="份",
        file=sys.stderr,
        disable=not progress or not todo,
    )

    def finished(src: SourceFile, outcome: tuple[dict, str] | Cached | BaseException) -> None:
        if isinstance(outcome, BaseException):
            result, text = failed_result(src, str(src.path), outcome), ""
            transient[src.sha256] = (result, text)
        elif isinstance(outcome, Cached) or src.readable:
            if not isinstance(outcome, Cached):  # audited here, or a worker could not cache it
                result, text = outcome
                result["doc_id"] = src.doc_id  # one id per content
                with disk_errors(out_dir):
                    source = source_info(src, by_path, by_sha)
                    outcome = cache_result(cache, src, result, text, source)
            result = done[src.sha256] = outcome.held
            statements[result["doc_id"]] = outcome.statements
        else:  # unreadable: not cached, retried next run when it may have become readable
            result, text = outcome
            result["doc_id"] = src.doc_id
            transient[src.sha256] = (result, text)
        counts[result["status"]] += 1
        bar.set_postfix_str(_progress_text(counts), refresh=False)
        bar.update(1)

    def pool_job(src: SourceFile) -> Callable:
        if not src.readable:
            return worker
        return functools.partial(
            audit_and_cache, worker, cache, src, source_info(src, by_path, by_sha)
        )

    try:
        execute(todo, workers, timeout, worker, finished, scheduler, pool_job)
    finally:
        bar.close()

    results, texts = _assemble(unique, cache, done, transient, by_path, by_sha)
    if districts:
        results = select_districts(results, districts, summary.warnings)
    expected_warnings = len(summary.warnings)
    _add_corpus_findings(results, statements, summary.warnings)
    for result in results:
        assign_ids(result)
    reviews = apply_reviews(results, load_decisions(out_dir))
    digest = inputs_digest(cache, unique, by_path, by_sha, districts, out_dir)
    summary.outputs = write_outputs(
        results, texts, out_dir, version, summary.warnings, reviews, processes=workers or 1
    )
    cache.prune()
    summary.documents = len(results)
    summary.by_status = Counter(r["status"] for r in results)
    summary.by_severity = Counter(f["severity"] for r in results for f in r["findings"])
    if not transient and len(summary.warnings) == expected_warnings:  # a complete write
        with disk_errors(out_dir):
            record(cache, digest, out_dir, _summary_record(summary))
    summary.seconds = time.monotonic() - started
    return summary


def _skip_unchanged(
    cache: Cache,
    unique: list[SourceFile],
    by_path: Mapping,
    by_sha: Mapping,
    districts: list[str] | None,
    out_dir: Path,
    summary: RunSummary,
) -> bool:
    """Outputs already those of these inputs, written when every file had its cache entry
    (the digest holds each entry's size and mtime): nothing to audit, nothing to write."""
    digest = inputs_digest(cache, unique, by_path, by_sha, districts, out_dir)
    recorded = unchanged(cache, digest, out_dir)
    if recorded is None:
        return False
    summary.documents = recorded["documents"]
    summary.by_status = Counter(recorded["by_status"])
    summary.by_severity = Counter(recorded["by_severity"])
    summary.outputs = [Path(p) for p in recorded["outputs"]]
    summary.warnings += recorded["warnings"]
    return True


def _summary_record(summary: RunSummary) -> dict:
    return summary_record(
        summary.documents,
        summary.by_status,
        summary.by_severity,
        summary.outputs,
        summary.warnings,
    )


@dataclass
class Cached:
    """A document a pool worker audited and cached itself: its result as the batch holds it
    and what the corpus check compares. Only this crosses back to the run's process (not the
    figures), and the run's process does no JSON or file work per document."""

    held: dict
    statements: dict


def audit_and_cache(
    worker: Worker, cache: Cache, src: SourceFile, source: dict, path: str, timeout: float | None
) -> Cached | tuple[dict, str]:
    """Audit one file in a pool worker and write its cache entry there. When the entry cannot
    be written the result goes back whole, and the run's process writes it (and reports a
    full disk) as it does for a result of its own."""
    result, text = worker(path, timeout)
    result["doc_id"] = src.doc_id
    try:
        return cache_result(cache, src, result, text, source)
    except OSError:
        return result, text


def cache_result(cache: Cache, src: SourceFile, result: dict, text: str, source: dict) -> Cached:
    """Write the document's cache entry; what the batch keeps of it."""
    cache.store(src, result, text, source)
    return Cached(held(result), comparable_statements(result))


def _unique(sources: list[SourceFile]) -> list[SourceFile]:
    """One document per content: byte-identical copies share a doc_id, the first path names it."""
    seen: dict[str, SourceFile] = {}
    for src in sources:
        seen.setdefault(src.sha256, src)
    return list(seen.values())


def _progress_text(counts: Counter) -> str:
    main = f"正常 {counts['ok']} · 需OCR {counts['needs_ocr']} · 失败 {counts['failed']}"
    other = counts["empty"] + counts["unsupported"]
    return main + (f" · 空/不支持 {other}" if other else "")


def _load_cached(
    cache: Cache, unique: list[SourceFile], statements: dict[str, dict]
) -> dict[str, dict]:
    """sha256 → cached result (without its figures, their statements kept in `statements`)
    for every file with a valid entry; the others are to be done."""
    done = {}
    for src in unique:
        entry = cache.load(src.sha256)
        if entry is not None:
            result = entry["result"]
            statements[result["doc_id"]] = comparable_statements(result)
            done[src.sha256] = held(result)
    return done


def _assemble(
    unique: list[SourceFile],
    cache: Cache,
    done: dict[str, dict],
    transient: dict[str, tuple[dict, str]],
    by_path: Mapping,
    by_sha: Mapping,
) -> tuple[list[dict], CachedTexts]:
    """Results of the files now in the corpus, from the cache (or this run's failures)."""
    results: list[dict] = []
    sha_by_doc: dict[str, str] = {}
    extra_texts: dict[str, str] = {}
    for src in unique:
        if src.sha256 in done:
            result = done[src.sha256]
            sha_by_doc[result["doc_id"]] = src.sha256
        else:
            result, text = transient[src.sha256]
            extra_texts[result["doc_id"]] = text
        result = dict(result, path=str(src.path))
        result.pop("source_url", None)
        result.pop("fetched_at", None)
        result.update(source_info(src, by_path, by_sha))
        results.append(result)
    return results, CachedTexts(cache, sha_by_doc, extra_texts)


def select_districts(results: list[dict], wanted: list[str], warnings: list[str]) -> list[dict]:
    """The results of the named districts (渝北区 also matches 渝北); a warning when none match."""
    keys = {_district_key(w) for w in wanted}
    chosen = [r for r in results if _district_key((r.get("meta") or {}).get("district")) in keys]
    if not chosen:
        known = sorted({str((r.get("meta") or {}).get("district")) for r in results} - {"None"})
        warnings.append(
            f"没有区县为 {'、'.join(wanted)} 的文档；语料中的区县：{'、'.join(known) or '无'}"
        )
    return chosen


def _district_key(name: object) -> str:
    text = str(name or "").strip()
    return text[:-1] if len(text) > 2 and text[-1] in "区县市旗" else text


def _add_corpus_findings(
    results: list[dict], statements: Mapping[str, dict], warnings: list[str]
) -> None:
    """Append corpus-level findings (comparisons across documents), in corpus order."""
    try:
        index = CorpusIndex()
        for result in results:
            index.add(result, statements.get(result["doc_id"]))
        findings = index.findings()
    except Exception as exc:  # the per-document results are still worth writing
        warnings.append(f"跨文档检查出错，已跳过（{type(exc).__name__}: {exc}）")
        return
    by_doc = {r["doc_id"]: r for r in results}  # fresh copies from the cache: safe to extend
    for finding in sorted(findings, key=_finding_order):  # the same corpus, the same order
        target = by_doc.get(finding.get("doc_id"))
        if target is not None:
            target["findings"] = [*target["findings"], finding]


def _finding_order(finding: dict) -> tuple:
    """A total order independent of hashing (set order changes with PYTHONHASHSEED)."""
    start = (finding.get("evidence") or {}).get("start") or 0
    return start, json.dumps(finding, sort_keys=True, ensure_ascii=False, default=str)
