"""A real Dask cluster on loopback for tests and benchmarks, and a worker that dies on demand.

`dask scheduler` and `dask worker` run as subprocesses (each in its own process group, so a
worker's nanny and its child go together); everything here is importable by those workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline.batch.workers import process_file

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
WAIT = 60.0  # seconds, for every wait on the cluster
ENV = dict(
    os.environ,
    PYTHONPATH=str(ROOT),  # workers unpickle tests.dask_cluster.die_on
    DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1",  # a poison document fails after 2 deaths
)


@contextlib.contextmanager
def loopback_cluster(folder: Path, workers: int = 2) -> Iterator[str]:
    """Start a scheduler and `workers` one-thread workers on 127.0.0.1; yield its address."""
    scheduler_file = folder / "scheduler.json"
    procs: list[subprocess.Popen] = []
    try:
        scheduler = ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        procs.append(_start([*scheduler, "--scheduler-file", str(scheduler_file)], folder))
        address = _wait_for_address(scheduler_file, procs[0])
        for i in range(workers):
            worker = ["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]
            worker += ["--preload", "pipeline.batch.distributed"]
            procs.append(_start([*worker, "--local-directory", str(folder / f"w{i}")], folder))
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)


def wait_for_workers(address: str, workers: int = 2) -> None:
    """All workers up (again, after one was killed: its nanny restarts it)."""
    from distributed import Client

    with Client(address, timeout=WAIT) as client:
        client.wait_for_workers(workers, timeout=WAIT)


def _start(args: list[str], folder: Path) -> subprocess.Popen:
    with (folder / f"{args[0]}-{len(list(folder.glob('*.log')))}.log").open("wb") as log:
        return subprocess.Popen(
            [str(DASK), *args],
            env=ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL if it lingers."""
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
        if proc.poll() is not None:
            raise RuntimeError("dask scheduler exited at start-up")
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise RuntimeError("dask scheduler did not start")


def die_on(victim: str, marker_dir: str | None, path: str, timeout: float | None):
    """Kill this worker process (SIGKILL, as the OOM killer would) when auditing `victim`:
    once when `marker_dir` is given (the first attempt claims it), on every attempt if not."""
    if Path(path).name == victim and (marker_dir is None or _claim(Path(marker_dir))):
        os.kill(os.getpid(), signal.SIGKILL)
    return process_file(path, timeout)


def _claim(marker_dir: Path) -> bool:
    try:
        os.close(os.open(marker_dir / "died", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True
