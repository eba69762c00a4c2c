"""Batch runs: discovery, provenance, incremental cache, failures that never stop a run."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
import time
import types
from pathlib import Path

import pytest

import pipeline
from pipeline import batch
from pipeline.batch.run import cache_version, discover, process_file, run_corpus
from pipeline.cli import main
from pipeline.document import META_KEYS
from pipeline.ingest.files import ingest_path
from tests.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("documents.jsonl", "figures.csv", "indicators.csv", "findings.csv")
# the quickest shared documents first (003 has indicators and findings); 000 is the largest
CHEAPEST = ["003_6e22daf73f145ac2.txt", "004_1cc2d6bef82747ef.txt", "001_633e38bd4a50d56c.txt",
            "002_d168e1aeefe87baf.txt", "000_a2b9f6637f91ecf5.txt"]  # fmt: skip


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the version key: the engine's code may be edited while these tests run."""
    monkeypatch.setattr(batch.run, "cache_version", lambda: "0123456789abcdef" * 4)


def ingest_only(path: str, timeout: float | None = None) -> tuple[dict, str]:
    """A fast worker for the batch mechanics: ingestion's status and text, no extraction."""
    with batch._time_limit(timeout):
        doc = ingest_path(path)
    result = {
        "schema_version": 1,
        "doc_id": doc.doc_id,
        "path": doc.path,
        "status": doc.status,
        "error": doc.error,
        "meta": dict.fromkeys(META_KEYS),
        "indicators": [],
        "figures": [],
        "findings": [],
    }
    return result, doc.text


def small_corpus(root: Path, n: int = 3) -> Path:
    """A quick corpus: shared documents plus one HTML page in a subfolder."""
    root.mkdir(parents=True, exist_ok=True)
    for name in CHEAPEST[:n]:
        shutil.copy(CORPUS / name, root / name)
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "page.htm").write_text(
        "<html><body><div id='zoom'><p>全区小学69所，初中25所。</p></div></body></html>",
        encoding="utf-8",
    )
    return root


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


def documents(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "documents.jsonl").read_text("utf-8").splitlines()]


def check_statuses(out: Path, culprit: str | None = None, message: str = "") -> None:
    """The culprit failed with `message`; every other document has its ordinary status."""
    for doc in documents(out):
        if Path(doc["path"]).name == culprit:
            assert doc["status"] == "failed" and message in doc["error"]
        else:
            assert doc["status"] == ingest_path(doc["path"]).status, doc["error"]


class Spy:
    """A worker that records which files it was given (in-process runs only)."""

    def __init__(self, worker: batch.Worker = ingest_only) -> None:
        self.paths: list[str] = []
        self.worker = worker

    def __call__(self, path: str, timeout: float | None = None) -> tuple[dict, str]:
        self.paths.append(path)
        return self.worker(path, timeout)


def test_discover_skips_hidden_manifest_unsupported_and_out_dir(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "c", n=1)
    (corpus / ".hidden.txt").write_text("x", encoding="utf-8")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "a.txt").write_text("x", encoding="utf-8")
    (corpus / "manifest.jsonl").write_text("{}\n", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    (corpus / "Report.PDF").write_bytes(b"%PDF-1.4")
    out = corpus / "out"
    out.mkdir()
    (out / "documents.txt").write_text("x", encoding="utf-8")
    names = [p.relative_to(corpus).as_posix() for p in discover(corpus, out)]
    assert names == ["003_6e22daf73f145ac2.txt", "Report.PDF", "sub/page.htm"]


def test_out_dir_equal_to_or_around_the_corpus(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "c", n=1)
    run_corpus(corpus, corpus, workers=1, progress=False, worker=ingest_only)
    (corpus / "report").mkdir(exist_ok=True)
    (corpus / "report" / "index.html").write_text("<html></html>", encoding="utf-8")
    assert len(discover(corpus, corpus)) == 2  # our own report pages are not audited
    inner = small_corpus(tmp_path / "out" / "corpus", n=1)
    assert len(discover(inner, tmp_path / "out")) == 2  # a corpus inside OUT_DIR is read
    assert len(documents(corpus)) == 2


def test_manifest_adds_source_url_and_fetch_time(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "c", n=2)
    first, second = sorted(corpus.glob("*.txt"))
    moved = corpus / "renamed.txt"
    second.rename(moved)  # matched by sha256 when the path no longer agrees
    records = [
        {"url": "http://a.gov.cn/1", "final_url": "https://a.gov.cn/1", "path": first.name,
         "fetched_at": "2025-04-02T08:00:00.000+00:00", "sha256": "0" * 64, "status": 200},
        {"url": "http://b.gov.cn/2", "final_url": None, "path": "gone.txt",
         "sha256": batch.file_sha256(moved), "fetched_at": "2025-05-01T00:00:00+00:00"},
    ]  # fmt: skip
    lines = [json.dumps(r) for r in records] + ['{"url": "truncated']
    (corpus / "manifest.jsonl").write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    by_name = {Path(d["path"]).name: d for d in documents(out)}
    assert by_name[first.name]["source_url"] == "https://a.gov.cn/1"
    assert by_name[first.name]["fetched_at"].startswith("2025-04-02")
    assert by_name["renamed.txt"]["source_url"] == "http://b.gov.cn/2"
    assert "source_url" not in by_name["page.htm"]


def test_second_run_processes_nothing_and_writes_identical_outputs(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c"), tmp_path / "out"
    first = run_corpus(corpus, out, workers=1, progress=False)  # the real engine
    assert (first.processed, first.cached, first.documents) == (4, 0, 4)
    before = snapshot(out)
    spy = Spy(process_file)
    second = run_corpus(corpus, out, workers=1, progress=False, worker=spy)
    assert (second.processed, second.cached, spy.paths) == (0, 4, [])
    assert "本次处理 0" in second.render()
    assert snapshot(out) == before


def test_changed_file_is_the_only_one_reprocessed(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c"), tmp_path / "out"
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    page = corpus / "sub" / "page.htm"
    page.write_text(page.read_text("utf-8").replace("69所", "70所"), encoding="utf-8")
    (corpus / CHEAPEST[0]).unlink()  # a removed file leaves the outputs
    spy = Spy()
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=spy)
    assert [Path(p).name for p in spy.paths] == ["page.htm"]
    assert (summary.processed, summary.cached, summary.documents) == (1, 2, 3)
    assert len(documents(out)) == 3


def test_worker_exception_fails_one_document_and_next_run_finishes(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c"), tmp_path / "out"

    def flaky(path: str, timeout: float | None = None) -> tuple[dict, str]:
        if path.endswith("page.htm"):
            raise RuntimeError("parser exploded")
        return ingest_only(path, timeout)

    first = run_corpus(corpus, out, workers=1, progress=False, worker=flaky)
    assert first.documents == 4
    check_statuses(out, culprit="page.htm", message="parser exploded")
    failed = [d for d in documents(out) if "parser exploded" in (d["error"] or "")]
    assert failed[0]["doc_id"] == batch.file_sha256(corpus / "sub" / "page.htm")[:16]
    spy = Spy()
    second = run_corpus(corpus, out, workers=1, progress=False, worker=spy)
    assert [Path(p).name for p in spy.paths] == ["page.htm"]
    assert second.documents == 4
    check_statuses(out)


def test_interrupted_run_is_finished_by_the_next(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c"), tmp_path / "out"
    calls = []

    def interrupted(path: str, timeout: float | None = None) -> tuple[dict, str]:
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the inspector pressed Ctrl-C mid-run
        calls.append(path)
        return ingest_only(path, timeout)

    with pytest.raises(KeyboardInterrupt):
        run_corpus(corpus, out, workers=1, progress=False, worker=interrupted)
    assert len(list(out.glob(".cache/*/*.json"))) == 2  # finished documents were kept
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    assert (summary.processed, summary.cached) == (2, 2)
    check_statuses(out)


def test_timeout_becomes_failed_result(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=1), tmp_path / "out"

    def slow(path: str, timeout: float | None = None) -> tuple[dict, str]:
        if path.endswith("page.htm"):
            with batch._time_limit(timeout):
                time.sleep(5)
        return ingest_only(path)

    summary = run_corpus(corpus, out, workers=1, progress=False, timeout=0.2, worker=slow)
    assert summary.by_status["failed"] >= 1
    check_statuses(out, culprit="page.htm", message="超时")


def test_two_workers_give_the_same_outputs(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path / "c", n=3)
    (corpus / "empty.txt").write_bytes(b"")
    serial = run_corpus(corpus, tmp_path / "one", workers=1, progress=False)
    parallel = run_corpus(corpus, tmp_path / "two", workers=2, progress=False)
    assert parallel.processed == serial.processed == 5
    assert parallel.by_status == serial.by_status and serial.by_status["empty"] == 1
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_cache_version_follows_code_and_data(monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache_version()  # the real function (the module attribute is pinned by a fixture)
    assert len(key) == 64 and key == cache_version()
    monkeypatch.setattr(pipeline, "__version__", "9.9.9")
    assert cache_version() != key


def test_new_version_reprocesses_and_prunes_old_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=1), tmp_path / "out"
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    monkeypatch.setattr(batch.run, "cache_version", lambda: "f" * 64)
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    assert summary.processed == 2
    assert [p.name for p in (out / ".cache").iterdir() if p.is_dir()] == ["f" * 16]


def test_warm_run_trusts_size_and_mtime_instead_of_rehashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"
    an_hour_ago = time.time() - 3600
    for path in discover(corpus):
        os.utime(path, (an_hour_ago, an_hour_ago))
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(batch.corpus, "file_sha256", no_hashing)
    assert run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only).processed == 0


def file_stats(out: Path) -> dict[str, tuple[int, int]]:
    """Every file of OUT_DIR (the lock aside) with its size and mtime."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file() and p.name != ".lock"
    }


def test_unchanged_corpus_rewrites_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"
    an_hour_ago = time.time() - 3600
    for path in discover(corpus):
        os.utime(path, (an_hour_ago, an_hour_ago))
    first = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    before = file_stats(out)

    def no_writing(*args: object, **kwargs: object) -> None:
        raise AssertionError("outputs were rebuilt")

    monkeypatch.setattr(batch.run, "write_outputs", no_writing)
    again = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    assert file_stats(out) == before
    assert (again.documents, again.by_status, again.by_severity, again.outputs) == (
        first.documents,
        first.by_status,
        first.by_severity,
        first.outputs,
    )
    assert again.processed == 0 and again.cached == first.processed


@pytest.mark.parametrize(
    "change", ["delete_output", "edit_output", "review", "district", "writer_code"]
)
def test_any_change_since_the_last_write_rebuilds_the_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    tables, stats_before = snapshot(out), file_stats(out)
    if change == "delete_output":
        (out / "findings.csv").unlink()
    elif change == "edit_output":
        (out / "report" / "index.html").write_text("edited", encoding="utf-8")
    elif change == "review":
        (out / "reviews.jsonl").write_text("", encoding="utf-8")
    elif change == "writer_code":  # a new version of the workbook or report code
        monkeypatch.setattr(batch.uptodate, "code_digest", lambda: "new writers")
    summary = run_corpus(
        corpus,
        out,
        workers=1,
        progress=False,
        worker=ingest_only,
        districts=["綦江区"] if change == "district" else None,
    )
    assert summary.processed == 0
    assert file_stats(out)["documents.jsonl"] != stats_before["documents.jsonl"]  # rewritten
    if change == "district":
        assert summary.warnings and (out / "documents.jsonl").read_text(encoding="utf-8") == ""
    else:
        assert snapshot(out) == tables
        assert (out / "report" / "index.html").read_text(encoding="utf-8") != "edited"


def test_corpus_checks_and_report_hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"

    class FakeIndex:
        def __init__(self) -> None:
            self.first = None

        def add(self, result: dict, statements: dict | None = None) -> None:
            self.first = self.first or result["doc_id"]

        def findings(self) -> list[dict]:
            return [{"doc_id": self.first, "rule": "duplicate_report", "severity": "info",
                     "message": "与其他区县报告重复", "formula": None, "reported": None,
                     "expected": None, "evidence": {"start": 0, "end": 1, "text": "x"}}]  # fmt: skip

    class FakeReport:
        def __init__(self, out_dir: Path) -> None:
            self.dir = out_dir / "report"
            self.dir.mkdir(exist_ok=True)

        def add(self, result: dict, text: str) -> None:  # written by a child: seen as files
            (self.dir / f"{result['doc_id']}.txt").write_text(text, encoding="utf-8")

        def close(self, results: list[dict]) -> None:
            (self.dir / "index.html").write_text("<html></html>", encoding="utf-8")

    monkeypatch.setattr(batch.run, "CorpusIndex", FakeIndex)
    monkeypatch.setitem(
        sys.modules, "outputs.report.build", types.SimpleNamespace(ReportWriter=FakeReport)
    )
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    docs = documents(out)
    assert [f["rule"] for f in docs[0]["findings"]][-1] == "duplicate_report"
    assert summary.by_severity["info"] >= 1
    assert (out / "report" / "index.html").is_file()
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (out / "report").glob("*.txt")}
    assert len(texts) == 3 and "綦江" in texts[docs[0]["doc_id"]]
    run_corpus(
        corpus, out, workers=1, progress=False, worker=ingest_only
    )  # cached: the finding is not doubled
    assert [f["rule"] for f in documents(out)[0]["findings"]].count("duplicate_report") == 1


def test_cli_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = small_corpus(tmp_path / "c", n=1)
    code = main(
        ["run", str(corpus), "-o", str(tmp_path / "out"), "--workers", "1", "--no-progress"]
    )
    assert code == 0 and "文档 2 份" in capsys.readouterr().out
    assert (tmp_path / "out" / "comparison.xlsx").is_file()
    assert main(["run", str(tmp_path / "missing"), "-o", str(tmp_path / "o2")]) == 2
    assert "找不到语料目录" in capsys.readouterr().err


def crash_on_page(path: str, timeout: float | None = None) -> tuple[dict, str]:
    """Kills its worker process on one file, as a segfaulting parser would."""
    if path.endswith("page.htm"):
        os._exit(1)
    return ingest_only(path, timeout)


def test_crashed_worker_fails_only_its_document(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=3), tmp_path / "out"
    summary = run_corpus(corpus, out, workers=2, progress=False, worker=crash_on_page)
    assert summary.documents == 4
    check_statuses(out, culprit="page.htm", message="工作进程意外退出")


def hang_in_c_on_page(path: str, timeout: float | None = None) -> tuple[dict, str]:
    """A C loop that never checks for signals, as a stuck parser extension would."""
    if path.endswith("page.htm"):
        with batch._time_limit(timeout):
            sum(itertools.repeat(1, 10**12))
    return ingest_only(path)


def test_worker_stuck_in_c_code_is_stopped(tmp_path: Path) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"
    summary = run_corpus(
        corpus, out, workers=2, progress=False, timeout=0.3, worker=hang_in_c_on_page
    )
    assert summary.documents == 3
    check_statuses(out, culprit="page.htm", message="工作进程意外退出")


def test_failing_report_keeps_the_other_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=1), tmp_path / "out"

    class BrokenReport:
        def __init__(self, out_dir: Path) -> None:
            (out_dir / "report").mkdir(exist_ok=True)

        def add(self, result: dict, text: str) -> None:
            raise ValueError("chart exploded")

    monkeypatch.setitem(
        sys.modules, "outputs.report.build", types.SimpleNamespace(ReportWriter=BrokenReport)
    )
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    assert "HTML报告生成失败" in summary.render() and "chart exploded" in summary.render()
    assert (out / "comparison.xlsx").is_file() and not (out / "report").exists()


def test_unreadable_files_are_failed_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=1), tmp_path / "out"
    for name in ("a.txt", "b.txt"):
        (corpus / name).write_text("小学69所", encoding="utf-8")
        (corpus / name).chmod(0)
    real_hash = batch.file_sha256

    def denied(path: Path) -> str:  # root ignores file modes, so deny reading here
        if path.name in ("a.txt", "b.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_hash(path)

    def worker(path: str, timeout: float | None = None) -> tuple[dict, str]:
        if path.endswith(("a.txt", "b.txt")):
            return ingest_only(str(tmp_path / "missing.txt"), timeout)
        return ingest_only(path, timeout)

    monkeypatch.setattr(batch.corpus, "file_sha256", denied)
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=worker)
    assert summary.by_status["failed"] == 2 and summary.documents == 4
    ids = [d["doc_id"] for d in documents(out)]
    assert len(set(ids)) == 4  # two unreadable files do not collide in the database
    assert len(list(out.glob(".cache/*/*.json"))) == 2  # and are retried next time


class SlowFinaliser:
    """A finaliser running Python code for 0.3 s, where a signal's exception would be lost."""

    def __del__(self) -> None:
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            pass


def test_a_time_limit_that_expires_in_a_finaliser_still_stops_the_document() -> None:
    started = time.monotonic()
    with pytest.raises(batch.DocumentTimeout), batch._time_limit(0.1):
        SlowFinaliser()  # dropped at once: its __del__ runs when the limit expires
        time.sleep(2)
    assert time.monotonic() - started < 1
