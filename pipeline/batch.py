"""Batch runs: audit every document of a corpus folder and write all outputs into one folder.

The run is incremental and crash-safe. Each finished document is written at once to a cache
entry (`OUT_DIR/.cache/<version>/<sha256>.json`: result + source info, with the document text
beside it in `<sha256>.txt` so the HTML report can read texts one at a time; both written
atomically, text first), keyed by the file's bytes and by `cache_version()` (code + rules +
catalog), so unchanged files are never processed twice and an interrupted run is finished by
the next one. The outputs are always rebuilt from the cache
entries of the files currently in the corpus, staged under temporary names and renamed.

Failures that come from the run itself (a worker exception, a timeout, a crashed worker) are
recorded as `failed` in the outputs but not cached, so the next run tries those files again.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

import pipeline
from pipeline.audit import SCHEMA_VERSION, audit_document
from pipeline.document import META_KEYS
from pipeline.ingest import ingest_bytes, ingest_path
from pipeline.labels import SEVERITY_LABEL, STATUS_LABEL

SUFFIXES = frozenset({".txt", ".htm", ".html", ".shtml", ".pdf", ".docx", ".doc", ".wps"})
MANIFEST_NAME = "manifest.jsonl"
CACHE_DIR = ".cache"
STAGING_DIR = ".staging"
HASH_INDEX = "hashes.json"
DEFAULT_TIMEOUT = 300.0


# --------------------------------------------------------------------------- version key


def cache_version() -> str:
    """Hash of everything that can change a result: package version, data files, code.

    A new rule, catalog edit or extractor fix changes the key, so every file is re-audited.
    """
    root = Path(pipeline.__file__).resolve().parent
    digest = hashlib.sha256(f"edu-audit {pipeline.__version__} schema {SCHEMA_VERSION}".encode())
    sources = [
        p for p in (root / "data").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    sources += list(root.glob("*.py")) + list((root.parent / "extractors").glob("*.py"))
    for path in sorted(sources, key=lambda p: p.relative_to(root.parent).as_posix()):
        digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------- corpus


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
    index_path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(index_path, json.dumps({"written_ns": time.time_ns(), "files": files}))
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


# --------------------------------------------------------------------------- cache


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
        _atomic_write(self.text_path(src.sha256), text)
        entry = {
            "version": self.version,
            "sha256": src.sha256,
            "rel": src.rel,
            "source": source,
            "result": result,
        }
        _atomic_write(self.entry_path(src.sha256), json.dumps(entry, ensure_ascii=False))

    def prune(self) -> None:
        """Drop entries of older versions: they can never be used again."""
        if not self.root.is_dir():
            return
        for child in self.root.iterdir():
            if child != self.dir and child.name != HASH_INDEX:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()


class CachedTexts(Mapping):
    """doc_id → document text, read from the cache on demand so a large corpus fits in memory."""

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


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- workers


class DocumentTimeout(Exception):
    """Raised inside a worker when one document takes longer than the run allows."""


def process_file(path: str, timeout: float | None = None) -> tuple[dict, str]:
    """Audit one file (runs in a worker process): the contract's result and the document text."""
    with _time_limit(timeout):
        doc = ingest_path(path)
        return audit_document(doc), doc.text


WARM_UP_TEXT = (
    "全区共有小学69所、初中25所。发放问卷385份，有效问卷379份，满意337份，满意度为88.9%。"
)


def warm_up() -> None:
    """Audit a tiny document once per process, outside any time limit.

    Heavy set-up (language models, catalogs) happens on first use; done under a per-document
    timeout it could be cut off half-way through an import and poison the worker.
    """
    with contextlib.suppress(Exception):  # a real document reports any problem itself
        audit_document(ingest_bytes(WARM_UP_TEXT.encode("utf-8"), "warm-up.txt"))


class _time_limit:
    """SIGALRM-based limit; a no-op where signals are unavailable (Windows, non-main thread).

    SIGALRM only interrupts Python code. In a pool worker a second, CPU-time limit (twice the
    timeout, SIGPROF with its default action) ends the process when a C extension loops
    without returning; the pool then retries that file alone and records it as failed.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.active = bool(
            seconds
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        )
        self.hard = self.active and multiprocessing.parent_process() is not None

    def __enter__(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        if self.hard:
            signal.signal(signal.SIGPROF, signal.SIG_DFL)
            signal.setitimer(signal.ITIMER_PROF, 2 * self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.hard:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    def _expired(self, signum: int, frame: object) -> None:
        raise DocumentTimeout(f"处理超时（超过 {self.seconds:g} 秒），已跳过")


def failed_result(src: SourceFile, path: str, exc: BaseException) -> dict:
    """A `failed` document result for a file whose processing raised or timed out."""
    if isinstance(exc, DocumentTimeout):
        message = str(exc)
    elif isinstance(exc, BrokenProcessPool):
        message = (
            "处理该文件时工作进程意外退出（可能内存不足、解析器崩溃或长时间无响应），下次运行会重试"
        )
    else:
        message = f"处理时出错（{type(exc).__name__}: {exc}），下次运行会重试；如仍失败请报告此文件"
    return {
        "schema_version": SCHEMA_VERSION,
        "doc_id": src.doc_id,
        "path": path,
        "status": "failed",
        "error": message,
        "meta": dict.fromkeys(META_KEYS),
        "indicators": [],
        "figures": [],
        "findings": [],
    }


# --------------------------------------------------------------------------- run


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


Worker = Callable[[str, float | None], tuple[dict, str]]


def run_corpus(
    corpus_dir: str | Path,
    out_dir: str | Path,
    workers: int | None = None,
    progress: bool = True,
    timeout: float | None = DEFAULT_TIMEOUT,
    worker: Worker = process_file,
) -> RunSummary:
    """Audit every supported file under `corpus_dir` and (re)write all outputs into `out_dir`."""
    started = time.monotonic()
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
    done = _load_cached(cache, unique)
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

    def finished(src: SourceFile, outcome: tuple[dict, str] | BaseException) -> None:
        if isinstance(outcome, BaseException):
            result, text = failed_result(src, str(src.path), outcome), ""
            transient[src.sha256] = (result, text)
        else:
            result, text = outcome
            result["doc_id"] = src.doc_id  # one id per content, even for unreadable files
            if src.readable:
                cache.store(src, result, text, source_info(src, by_path, by_sha))
                done[src.sha256] = result
            else:  # not cached: retried next run, when it may have become readable
                transient[src.sha256] = (result, text)
        counts[result["status"]] += 1
        bar.set_postfix_str(_progress_text(counts), refresh=False)
        bar.update(1)

    try:
        _execute(todo, workers, timeout, worker, finished)
    finally:
        bar.close()

    results, texts = _assemble(unique, cache, done, transient, by_path, by_sha)
    _add_corpus_findings(results, summary.warnings)
    summary.outputs = write_outputs(results, texts, out_dir, version, summary.warnings)
    cache.prune()
    summary.documents = len(results)
    summary.by_status = Counter(r["status"] for r in results)
    summary.by_severity = Counter(f["severity"] for r in results for f in r["findings"])
    summary.seconds = time.monotonic() - started
    return summary


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


def available_cores() -> int:
    """Cores this process may use (CPU affinity, e.g. a container's cpuset), not the host's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _execute(
    todo: list[SourceFile],
    workers: int | None,
    timeout: float | None,
    worker: Worker,
    finished: Callable[[SourceFile, tuple[dict, str] | BaseException], None],
) -> None:
    """Run `worker` over the files: in-process for one worker, else in a reused process pool."""
    if not todo:
        return
    workers = max(1, min(workers or available_cores(), len(todo)))
    if workers == 1:
        warm_up()
        for src in todo:
            try:
                outcome: tuple[dict, str] | BaseException = worker(str(src.path), timeout)
            except Exception as exc:
                outcome = exc
            finished(src, outcome)
        return
    crashed = _run_pool(todo, workers, timeout, worker, finished)
    for src in crashed:  # a crashed worker breaks the pool: retry each alone to find the culprit
        _run_pool([src], 1, timeout, worker, finished, last_chance=True)


def _run_pool(
    todo: list[SourceFile],
    workers: int,
    timeout: float | None,
    worker: Worker,
    finished: Callable,
    last_chance: bool = False,
) -> list[SourceFile]:
    """Submit everything to one pool; return the files lost to a broken pool (to retry)."""
    crashed: list[SourceFile] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=warm_up) as pool:
        pending: dict[Future, SourceFile] = {
            pool.submit(worker, str(src.path), timeout): src for src in todo
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    src = pending.pop(future)
                    exc = future.exception()
                    if isinstance(exc, BrokenProcessPool) and not last_chance:
                        crashed.append(src)
                    else:
                        finished(src, exc if exc is not None else future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return crashed


def _load_cached(cache: Cache, unique: list[SourceFile]) -> dict[str, dict]:
    """sha256 → cached result for every file with a valid entry; the others are to be done."""
    done = {}
    for src in unique:
        entry = cache.load(src.sha256)
        if entry is not None:
            done[src.sha256] = entry["result"]
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


def _optional(module: str, name: str) -> Callable | None:
    """A function from a module another part of the project may not have written yet.

    Only the module's own absence is tolerated; an import error inside it is a real bug.
    """
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name in (module, module.rpartition(".")[0]):
            return None
        raise


def _add_corpus_findings(results: list[dict], warnings: list[str]) -> None:
    """Append corpus-level findings (comparisons across documents) when that module exists."""
    check_corpus = _optional("pipeline.corpus_checks", "check_corpus")
    if check_corpus is None:
        return
    try:
        findings = check_corpus(results) or []
    except Exception as exc:  # the per-document results are still worth writing
        warnings.append(f"跨文档检查出错，已跳过（{type(exc).__name__}: {exc}）")
        return
    by_doc = {r["doc_id"]: r for r in results}  # fresh copies from the cache: safe to extend
    for finding in findings:
        target = by_doc.get(finding.get("doc_id"))
        if target is not None:
            target["findings"] = [*target["findings"], finding]


# --------------------------------------------------------------------------- outputs


def write_outputs(
    results: list[dict],
    texts: Mapping[str, str],
    out_dir: Path,
    version: str,
    warnings: list[str] | None = None,
) -> list[Path]:
    """Write every output into a staging folder, then move each into place by rename."""
    from outputs.database import write_database
    from outputs.tables import write_tables
    from outputs.workbook import write_workbook

    staging = out_dir / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    write_tables(results, staging)
    write_workbook(results, staging / "comparison.xlsx")
    write_database(results, staging / "audit.sqlite", version)
    _write_report(results, texts, staging, warnings if warnings is not None else [])
    written = [_move_into_place(item, out_dir) for item in sorted(staging.iterdir())]
    shutil.rmtree(staging, ignore_errors=True)
    return written


def _write_report(
    results: list[dict], texts: Mapping[str, str], staging: Path, warnings: list[str]
) -> None:
    """The HTML report, when that module exists; its failure keeps the previous report."""
    write_report = _optional("outputs.report", "write_report")
    if write_report is None:
        return
    try:
        write_report(results, texts, staging)
    except Exception as exc:
        shutil.rmtree(staging / "report", ignore_errors=True)
        warnings.append(f"HTML报告生成失败，保留上次的报告（{type(exc).__name__}: {exc}）")


def _move_into_place(item: Path, out_dir: Path) -> Path:
    """Rename a staged file over its old version; swap a staged folder with the old one."""
    target = out_dir / item.name
    if item.is_dir():
        old = out_dir / f".{item.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(item, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(item, target)
    return target
