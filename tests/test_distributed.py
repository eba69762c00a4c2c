"""Distributed runs on a real Dask cluster: a scheduler and two workers on loopback, started as
subprocesses, against the same corpus audited locally."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.batch import distributed as dist
from pipeline.batch.run import run_corpus
from pipeline.batch.workers import DocumentTimeout
from pipeline.cli import main
from pipeline.synth import generate

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
COMPARED = ("documents.jsonl", "findings.csv", "figures.csv")
WORKERS = 2
WAIT = 60  # seconds, for every wait on the cluster or on a run
ENV = dict(
    os.environ,
    PYTHONPATH=str(ROOT),  # workers unpickle tests.dask_hooks
    DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1",  # a poison document fails after 2 deaths
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker`s on 127.0.0.1; always torn down."""
    tmp = tmp_path_factory.mktemp("cluster")
    scheduler_file = tmp / "scheduler.json"
    procs: list[subprocess.Popen] = []
    try:
        procs.append(
            _start(
                ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
                + ["--scheduler-file", str(scheduler_file)],
                tmp / "scheduler.log",
            )
        )
        address = _wait_for_address(scheduler_file, procs[0])
        for i in range(WORKERS):
            procs.append(
                _start(
                    ["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]
                    + ["--local-directory", str(tmp / f"worker{i}")],
                    tmp / f"worker{i}.log",
                )
            )
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _start(args: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as fh:
        return subprocess.Popen(
            [str(DASK), *args], env=ENV, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group (a worker's nanny and its worker), SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _wait_for_address(scheduler_file: Path, proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert proc.poll() is None, "dask scheduler exited at start-up"
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise AssertionError("dask scheduler did not start")


def _wait_for_workers(address: str) -> None:
    """Both workers up (again, after a test killed one: the nanny restarts it)."""
    from distributed import Client

    with Client(address, timeout=WAIT) as client:
        client.wait_for_workers(WORKERS, timeout=WAIT)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """PDF, DOCX, HTML and text documents of fictional districts."""
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


def _cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline.cli", "run", *args, "--no-progress"]
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=WAIT)
    assert done.returncode == 0, done.stderr
    return done


def _run_with_worker(corpus: Path, out: Path, address: str, worker: str) -> None:
    """run_corpus in a subprocess (killed after WAIT seconds) with a worker from dask_hooks."""
    code = (
        "from tests.dask_hooks import die_on\n"
        "from pipeline.batch.run import run_corpus\n"
        "import functools\n"
        f"run_corpus({str(corpus)!r}, {str(out)!r}, progress=False, scheduler={address!r},"
        f" worker={worker})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=WAIT
    )
    assert done.returncode == 0, done.stderr


def test_cluster_run_writes_what_a_local_run_writes(cluster, corpus, reference, tmp_path):
    _wait_for_workers(cluster)
    done = _cli(str(corpus), "-o", str(tmp_path), "--scheduler", cluster)
    assert "本次处理 4，缓存复用 0" in done.stdout
    assert _outputs(tmp_path) == reference
    # Warm re-run: everything comes from the cache, so the (dead) scheduler is never contacted.
    done = _cli(str(corpus), "-o", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9")
    assert "本次处理 0，缓存复用 4" in done.stdout
    assert _outputs(tmp_path) == reference


def test_bytes_sent_when_workers_do_not_see_the_corpus(cluster, corpus, reference, tmp_path):
    _wait_for_workers(cluster)
    code = (
        "from pipeline.batch import distributed\n"
        "from pipeline.batch.run import run_corpus\n"
        "distributed.sees_corpus = lambda client, remote: False\n"
        "distributed.audit_path_task = None  # a path task now could not be submitted\n"
        f"s = run_corpus({str(corpus)!r}, {str(tmp_path)!r}, progress=False,"
        f" scheduler={cluster!r})\n"
        "assert s.processed == 4, s\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=WAIT
    )
    assert done.returncode == 0, done.stderr
    assert _outputs(tmp_path) == reference


def test_worker_killed_mid_run_loses_nothing_and_duplicates_nothing(
    cluster, corpus, reference, tmp_path
):
    _wait_for_workers(cluster)
    victim = sorted(p.name for p in corpus.iterdir() if p.suffix != ".md")[1]
    hook = f"functools.partial(die_on, {victim!r}, {str(tmp_path)!r})"
    _run_with_worker(corpus, tmp_path / "out", cluster, hook)
    assert (tmp_path / "died").exists()  # the worker auditing the victim was SIGKILLed
    assert _outputs(tmp_path / "out") == reference  # resubmitted elsewhere, each document once


def test_document_killing_every_worker_is_failed_then_retried(
    cluster, corpus, reference, tmp_path
):
    _wait_for_workers(cluster)
    victim = sorted(p.name for p in corpus.iterdir() if p.suffix != ".md")[0]
    _run_with_worker(corpus, tmp_path, cluster, f"functools.partial(die_on, {victim!r}, None)")
    records = _records(tmp_path)
    assert len({r["doc_id"] for r in records}) == len(records) == 4
    (lost,) = [r for r in records if Path(r["path"]).name == victim]
    assert lost["status"] == "failed" and "工作进程意外退出" in lost["error"]
    # Not cached: the next run (with the ordinary worker) audits it again.
    _wait_for_workers(cluster)
    done = _cli(str(corpus), "-o", str(tmp_path), "--scheduler", cluster)
    redone = sum(r["status"] != "ok" for r in records)
    assert f"本次处理 {redone}，" in done.stdout
    assert _outputs(tmp_path) == reference


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
