"""Writing a batch's outputs: staged in a folder, each moved into place by rename.

The outputs are written by forked child processes, so the run's own process never holds a
table, a workbook or Arrow's buffers (its memory stays that of the results it holds):

- parts: the per-document outputs (tables, database, document pages) of contiguous runs of
  documents, each result restored with its figures from the cache and let go; with several
  workers there is one part per worker, written side by side;
- the summary, in two jobs: the workbook, and the report's index, district and rules pages,
  from the results as held (without figures); two jobs pack better beside the parts.

The parts are then joined in corpus order: CSV and JSONL byte for byte as one pass writes
them, Parquet row groups and database rows in the same order. Where fork is not available
everything is written in this process, one job after the other.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import multiprocessing
import os
import shutil
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from pipeline.batch.lock import RunError
from pipeline.review import Decision

STAGING_DIR = ".staging"
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
PART_MIN_DOCUMENTS = 64  # below this a part of its own costs more than it saves
ITEM_TABLES = ("indicators", "figures", "findings")  # database tables with a rowid of their own
# Side by side, the jobs beside the workbook run this much nicer: at 3,000 documents and two
# workers the outputs ended 26.6 s after they started at 0, 25.5 s at 3, 25.2 s at 6.
BESIDE_LEAD_NICENESS = 6
OUTCOME = "outcome.json"


def write_outputs(
    results: list[dict],
    texts: Mapping[str, str],
    out_dir: Path,
    version: str,
    warnings: list[str] | None = None,
    reviews: Iterable[Decision] = (),
    processes: int = 1,
) -> list[Path]:
    """Write every output into a staging folder, then move each into place by rename."""
    warnings = warnings if warnings is not None else []
    staging = out_dir / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    with disk_errors(out_dir, cleanup=staging):
        staging.mkdir(parents=True)
        reviews = list(reviews)
        parts = _split(results, processes)
        folders = [staging / f".part-{n}" for n in range(len(parts))]
        single = len(parts) == 1
        workbook = staging / ".workbook"
        jobs = [
            (functools.partial(_write_part, part, texts, version, reviews, single), f)
            for part, f in zip(parts, folders, strict=True)
        ]
        jobs.append((functools.partial(_write_workbook, results), workbook))
        jobs.append((functools.partial(_write_report_pages, results), staging / ".pages"))
        for outcome in _run_jobs(jobs, side_by_side=processes > 1, lead=workbook):
            warnings += [w for w in outcome["warnings"] if w not in warnings]
        _join(folders, staging, version, reviews, single)
        report_failed = any(w.startswith(REPORT_FAILED) for w in warnings)
        _join_report([*folders, staging / ".pages"], staging, report_failed)
        for folder in [*folders, workbook, staging / ".pages"]:
            shutil.rmtree(folder)
    written = [_move_into_place(item, out_dir) for item in sorted(staging.iterdir())]
    shutil.rmtree(staging, ignore_errors=True)
    return written


def _split(results: list[dict], processes: int) -> list[list[dict]]:
    """Contiguous parts of about equal size, one per process (one part when too few)."""
    count = max(1, min(processes, len(results) // PART_MIN_DOCUMENTS))
    size = -(-len(results) // count) if results else 0
    return [results[i : i + size] for i in range(0, len(results), size)] if count > 1 else [results]


def _write_part(
    results: Iterable[dict],
    texts: Mapping[str, str],
    version: str,
    reviews: Iterable[Decision],
    single: bool,
    folder: Path,
    warnings: list[str],
) -> None:
    """Tables, database and document pages of these documents into `folder`; the database
    is finished (reviews, run, indexes) only when it is the only part, else by the join."""
    from outputs.database import DatabaseWriter
    from outputs.tables import TableWriter, arrow_without_pandas

    if multiprocessing.parent_process() is not None:  # a writer child: it ends with this part
        arrow_without_pandas()
    restore = getattr(texts, "restore", lambda result: result)
    tables, database = TableWriter(folder), DatabaseWriter(folder / "audit.sqlite", version)
    report = _Report(folder, warnings)
    try:
        for held in results:
            result = restore(held)
            line = json.dumps(result, ensure_ascii=False)  # documents.jsonl and result_json
            tables.add(result, line)
            database.add(result, line)
            report.add(result, texts.get(result["doc_id"], ""))
        tables.close()
        database.close(reviews, finish=single)
    finally:
        tables.discard()
        database.discard()


def _write_workbook(results: list[dict], folder: Path, warnings: list[str]) -> None:
    """The workbook over all documents."""
    from outputs.workbook import write_workbook

    write_workbook(results, folder / "comparison.xlsx")


def _write_report_pages(results: list[dict], folder: Path, warnings: list[str]) -> None:
    """The report's pages over all documents (index, districts, rules)."""
    _Report(folder, warnings).close(results)


# --------------------------------------------------------------------------- jobs


Job = tuple[Callable[[Path, list[str]], None], Path]


def _run_jobs(jobs: list[Job], side_by_side: bool, lead: Path | None = None) -> list[dict]:
    """Run each job (it writes into its folder and may add warnings) in a forked process, all
    at once when `side_by_side`, else one after the other; a job's error is raised here.

    Side by side, the job writing into `lead` (the longest, which cannot be split) keeps its
    priority and the others run nicer, so that it gets the larger share of the cores: with
    equal shares it ran on alone at the end while a core stood idle."""
    for _job, folder in jobs:
        folder.mkdir()
    if "fork" not in multiprocessing.get_all_start_methods():
        outcomes = []
        for job, folder in jobs:
            outcomes.append({"warnings": []})
            job(folder, outcomes[-1]["warnings"])
        return outcomes
    context = multiprocessing.get_context("fork")
    started = []
    for job, folder in jobs:
        nicer = BESIDE_LEAD_NICENESS if side_by_side and lead not in (None, folder) else 0
        process = context.Process(target=_job_main, args=(job, folder, nicer), daemon=True)
        process.start()  # the child inherits the results: nothing is pickled
        started.append((process, folder))
        if not side_by_side:
            process.join()
    return [_outcome(process, folder) for process, folder in started]


def _job_main(job: Callable[[Path, list[str]], None], folder: Path, nicer: int = 0) -> None:
    if nicer and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(nicer)
    outcome: dict = {"warnings": []}
    try:
        job(folder, outcome["warnings"])
    except BaseException as exc:  # reported to the parent, which raises it there
        outcome |= {"error": f"{type(exc).__name__}: {exc}", "errno": getattr(exc, "errno", None)}
        outcome["trace"] = traceback.format_exc()
    (folder / OUTCOME).write_text(json.dumps(outcome, ensure_ascii=False), "utf-8")


def _outcome(process: multiprocessing.Process, folder: Path) -> dict:
    process.join()
    try:
        outcome = json.loads((folder / OUTCOME).read_text("utf-8"))
    except (OSError, ValueError):
        outcome = {"error": f"输出子进程意外退出（退出码 {process.exitcode}）"}
    if "error" in outcome:
        if outcome.get("errno") in DISK_FULL:
            raise OSError(outcome["errno"], outcome["error"])
        raise RuntimeError(f"{outcome['error']}\n{outcome.get('trace', '')}")
    return outcome


# --------------------------------------------------------------------------- joining


def _join(
    folders: list[Path], staging: Path, version: str, reviews: list[Decision], single: bool
) -> None:
    """The parts' files, joined in part order, into `staging`; the workbook too."""
    from outputs.tables import TABLES, data_dictionary

    os.replace(staging / ".workbook" / "comparison.xlsx", staging / "comparison.xlsx")
    names = ["documents.jsonl", "audit.sqlite"]
    names += [f"{n}.csv" for n in TABLES] + [f"{n}.parquet" for n in data_dictionary()]
    if single:
        for name in names:
            os.replace(folders[0] / name, staging / name)
        return
    _concatenate(folders, staging / "documents.jsonl", header=False)
    for name in TABLES:
        _concatenate(folders, staging / f"{name}.csv", header=True)
    jobs = [
        (functools.partial(_join_parquet, folders), staging / ".parquet"),
        (functools.partial(_join_databases, folders, version, reviews), staging / ".database"),
    ]
    _run_jobs(jobs, side_by_side=True)  # two files of their own: Arrow never enters the parent
    for name in data_dictionary():
        os.replace(staging / ".parquet" / f"{name}.parquet", staging / f"{name}.parquet")
    os.replace(staging / ".database" / "audit.sqlite", staging / "audit.sqlite")
    shutil.rmtree(staging / ".parquet")
    shutil.rmtree(staging / ".database")


def _concatenate(folders: list[Path], path: Path, header: bool) -> None:
    """The first part's file, moved into place, with the others' appended (never copied
    twice: the first part is most of the bytes when there are two)."""
    os.replace(folders[0] / path.name, path)
    with path.open("ab") as out:
        for folder in folders[1:]:
            with (folder / path.name).open("rb") as part:
                if header:
                    part.readline()  # the BOM and the header come once, from the first part
                shutil.copyfileobj(part, out)


def _join_parquet(folders: list[Path], folder: Path, warnings: list[str]) -> None:
    """Every part's row groups, in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from outputs.tables import data_dictionary

    pool = pa.default_memory_pool()
    for name in data_dictionary():
        first = pq.ParquetFile(folders[0] / f"{name}.parquet")
        with pq.ParquetWriter(folder / f"{name}.parquet", first.schema_arrow) as writer:
            for part_folder in folders:
                part = pq.ParquetFile(part_folder / f"{name}.parquet")
                for group in range(part.num_row_groups):
                    writer.write_table(part.read_row_group(group))
                    pool.release_unused()  # else the pool keeps every group's pages


def _join_databases(
    folders: list[Path], version: str, reviews: list[Decision], folder: Path, warnings: list[str]
) -> None:
    """The first part's database, resumed, with the other parts' rows after its own in part
    order (item rowids numbered on), then reviews, the run and the indexes."""
    from outputs.database import DatabaseWriter

    path = folder / "audit.sqlite"
    os.replace(folders[0] / "audit.sqlite", path)
    database = DatabaseWriter(path, version, resume=True)
    try:
        con = database.con
        for n, part in enumerate(folders[1:]):
            con.execute(f"ATTACH DATABASE ? AS part{n}", (str(part / "audit.sqlite"),))
        for table in ("documents", *ITEM_TABLES):
            names = [row[1] for row in con.execute(f"PRAGMA table_info({table})")]
            wanted = ",".join(names if table == "documents" else names[1:])  # not the rowid
            for n in range(len(folders) - 1):
                con.execute(f"INSERT INTO {table} ({wanted}) SELECT {wanted} FROM part{n}.{table}")
        database.close(reviews)
    finally:
        database.discard()


def _join_report(folders: list[Path], staging: Path, failed: bool) -> None:
    """Every folder's report pages into staging/report; none when a part of it failed."""
    if failed:
        return
    (staging / "report").mkdir()
    for folder in folders:
        for page in (folder / "report").rglob("*"):
            target = staging / "report" / page.relative_to(folder / "report")
            if page.is_dir():
                target.mkdir(exist_ok=True)
            else:
                os.replace(page, target)


# --------------------------------------------------------------------------- report


REPORT_FAILED = "HTML报告生成失败，保留上次的报告"


class _Report:
    """The HTML report, fed as the documents pass; its failure keeps the previous report
    (a warning) and never stops the other outputs."""

    def __init__(self, staging: Path, warnings: list[str]) -> None:
        from outputs.report.build import ReportWriter

        self.staging, self.warnings = staging, warnings
        self.writer: ReportWriter | None = None
        self._guard(lambda: setattr(self, "writer", ReportWriter(staging)))

    def add(self, result: dict, text: str) -> None:
        if self.writer is not None:
            self._guard(lambda: self.writer.add(result, text))

    def close(self, results: list[dict]) -> None:
        if self.writer is not None:
            self._guard(lambda: self.writer.close(results))

    def _guard(self, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as exc:
            if isinstance(exc, OSError) and exc.errno in DISK_FULL:
                raise  # a full disk stops the whole write, not just the report
            self.writer = None
            shutil.rmtree(self.staging / "report", ignore_errors=True)
            self.warnings.append(f"{REPORT_FAILED}（{type(exc).__name__}: {exc}）")


# --------------------------------------------------------------------------- placing


@contextlib.contextmanager
def disk_errors(out_dir: Path, cleanup: Path | None = None) -> Iterator[None]:
    """A full disk (or quota) while writing becomes a RunError; staged files are removed."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in DISK_FULL:
            raise
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise RunError(
            f"输出目录 {out_dir} 所在磁盘空间不足（{exc.strerror or exc}），本次输出未写入，"
            "上次的输出保持不变；已完成的文档已缓存，腾出空间后重新运行即可继续"
        ) from exc


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
