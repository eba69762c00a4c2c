"""Workers of a batch run: one document per call, under a time limit, in a process pool."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from types import FrameType

from pipeline.audit import audit_document
from pipeline.batch.corpus import SourceFile
from pipeline.contract import empty_result
from pipeline.ingest.files import ingest_bytes, ingest_path
from pipeline.ingest.limits import DEFAULT_TIMEOUT, Limits  # noqa: F401 (run imports it here)
from pipeline.signals import in_finaliser

Worker = Callable[[str, float | None], tuple[dict, str]]


class DocumentTimeout(Exception):
    """Raised inside a worker when one document takes longer than the run allows."""


def process_file(
    path: str, timeout: float | None = None, limits: Limits = Limits()
) -> tuple[dict, str]:
    """Audit one file (runs in a worker process): the contract's result and the document text."""
    with _time_limit(timeout):
        doc = ingest_path(path, limits)
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

    def _expired(self, signum: int, frame: FrameType | None) -> None:
        if in_finaliser(frame):  # raised there, it would be swallowed: ring again shortly
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
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
    return empty_result(src.doc_id, path, "failed", message)


def available_cores() -> int:
    """Cores this process may use (CPU affinity, e.g. a container's cpuset), not the host's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def execute(
    todo: list[SourceFile],
    workers: int | None,
    timeout: float | None,
    worker: Worker,
    finished: Callable[[SourceFile, object], None],
    scheduler: str | None = None,
    pool_job: Callable[[SourceFile], Callable] | None = None,
) -> None:
    """Run `worker` over the files: in-process for one worker, else in a reused process pool,
    or on the Dask cluster at `scheduler` (`local` for a LocalCluster). In the pool a file
    is given to `pool_job(src)` when set (a worker that also does the run's work on its
    result, so the run's process is not the bottleneck); `finished` gets what it returns."""
    if not todo:
        return
    if scheduler:
        from pipeline.batch.distributed import execute_distributed

        return execute_distributed(scheduler, todo, workers, timeout, worker, finished)
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
    job = pool_job or (lambda src: worker)
    crashed = _run_pool(todo, workers, timeout, job, finished)
    for src in crashed:  # a crashed worker breaks the pool: retry each alone to find the culprit
        _run_pool([src], 1, timeout, job, finished, last_chance=True)


def _run_pool(
    todo: list[SourceFile],
    workers: int,
    timeout: float | None,
    job: Callable[[SourceFile], Callable],
    finished: Callable,
    last_chance: bool = False,
) -> list[SourceFile]:
    """Submit everything to one pool; return the files lost to a broken pool (to retry)."""
    crashed: list[SourceFile] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=warm_up) as pool:
        pending: dict[Future, SourceFile] = {
            pool.submit(job(src), str(src.path), timeout): src for src in todo
        }
        try:
            # as_completed waits on every future once; wait() in a loop registered a waiter
            # on each pending future per call: quadratic, 2 ms a result at 3,000 files
            for future in as_completed(pending):
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
