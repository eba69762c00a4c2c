"""Distributed runs on a real Dask cluster: a scheduler and two workers on loopback, started as
subprocesses, against the same corpus audited locally."""

from __future__ import annotations

import json
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from pipeline.batch import distributed as dist
from pipeline.batch.run import RunSummary, run_corpus
from pipeline.batch.workers import DocumentTimeout
from pipeline.cli import main
from pipeline.synth import generate
from tests.dask_cluster import WAIT, die_on, loopback_cluster, wait_for_workers

COMPARED = ("documents.jsonl", "findings.csv", "figures.csv")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with loopback_cluster(tmp_path_factory.mktemp("cluster")) as address:
        yield address


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """PDF, HTML and text documents of fictional districts."""
    folder = tmp_path_factory.mktemp("corpus")
    generate(4, folder, seed=3)
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("local")
    summary = run_corpus(corpus, out, workers=1, progress=False)
    assert summary.by_status == {"ok": summary.documents}, summary.by_status
    return _outputs(out)


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in COMPARED}


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "documents.jsonl").read_text("utf-8").splitlines()]


def _run(corpus: Path, out: Path, address: str, **options) -> RunSummary:
    """run_corpus on the cluster, given up (test failed) after WAIT seconds."""
    outcome: list = []

    def target() -> None:
        try:
            outcome.append(run_corpus(corpus, out, progress=False, scheduler=address, **options))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=WAIT)
    assert outcome, f"the distributed run did not finish within {WAIT} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def test_cluster_run_writes_what_a_local_run_writes(cluster, corpus, reference, tmp_path):
    wait_for_workers(cluster)
    summary = _run(corpus, tmp_path, cluster)
    assert (summary.processed, summary.cached) == (4, 0)
    assert _outputs(tmp_path) == reference
    # Warm re-run: everything comes from the cache, so the (dead) scheduler is never contacted.
    summary = _run(corpus, tmp_path, "tcp://127.0.0.1:9")
    assert (summary.processed, summary.cached) == (0, 4)
    assert _outputs(tmp_path) == reference


def test_bytes_sent_when_workers_do_not_see_the_corpus(
    cluster, corpus, reference, tmp_path, monkeypatch
):
    wait_for_workers(cluster)
    monkeypatch.setattr(dist, "sees_corpus", lambda client, remote: False)
    monkeypatch.setattr(dist, "audit_path_task", None)  # a path task now could not be submitted
    summary = _run(corpus, tmp_path, cluster)
    assert summary.processed == 4
    assert _outputs(tmp_path) == reference


def test_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(
    cluster, corpus, reference, tmp_path
):
    wait_for_workers(cluster)
    victim = _documents(corpus)[1].name
    _run(corpus, tmp_path / "out", cluster, worker=partial(die_on, victim, str(tmp_path)))
    assert (tmp_path / "died").exists()  # the worker auditing the victim was SIGKILLed
    assert _outputs(tmp_path / "out") == reference  # resubmitted elsewhere, each document once


def test_document_killing_every_worker_is_failed_then_retried(cluster, corpus, tmp_path):
    wait_for_workers(cluster)
    poison = tmp_path / "corpus"
    poison.mkdir()
    victim = _documents(corpus)[0]
    (poison / victim.name).write_bytes(victim.read_bytes())
    _run(poison, tmp_path / "out", cluster, worker=partial(die_on, victim.name, None))
    (record,) = _records(tmp_path / "out")
    assert record["status"] == "failed" and "工作进程意外退出" in record["error"]
    # Not cached: the next run (with the ordinary worker, once a nanny restarted one) redoes it.
    summary = _run(poison, tmp_path / "out", cluster)
    assert (summary.processed, summary.by_status["ok"]) == (1, 1)


def _documents(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.suffix not in {".md", ".json"})


def test_missing_extra_says_what_to_install(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    code = main(["run", str(corpus), "-o", str(tmp_path), "--scheduler", "local", "--no-progress"])
    assert code == 2
    assert "pip install 'edu-audit[dask]'" in capsys.readouterr().err


def test_time_limit_interrupts_a_task_thread():
    outcome: list[BaseException] = []

    def task() -> None:
        try:
            with dist._thread_time_limit(0.2):
                while True:
                    sum(range(1000))
        except DocumentTimeout as exc:
            outcome.append(exc)

    thread = threading.Thread(target=task, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert outcome and "超过 0.2 秒" in str(outcome[0])
    with dist._thread_time_limit(5):  # a quick task is untouched, and the timer is cancelled
        assert sum(range(10)) == 45
