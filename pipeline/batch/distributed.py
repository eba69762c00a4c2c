"""Batch runs on a Dask cluster: the same per-document audit, submitted to `distributed` workers.

Only the per-document work leaves the client: discovery, the cache, the `finished` callback and
every output stay in `pipeline.batch.run`, so a distributed run writes what a local run writes.
Workers read each file from its path when they see the same files as the client (shared
storage, detected by asking every worker); otherwise the client sends the bytes.
`distributed` is an optional extra, imported only here and only when a run asks for a cluster.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.audit import audit_document
from pipeline.batch.cache import cache_version
from pipeline.batch.corpus import SourceFile
from pipeline.batch.workers import (
    DocumentTimeout,
    Worker,
    available_cores,
    process_file,
    warm_up,
)
from pipeline.ingest.files import Limits, ingest_bytes

if TYPE_CHECKING:
    from distributed import Client

LOCAL = "local"
INSTALL_HINT = "pip install 'edu-audit[dask]'"
# Tasks in flight per worker thread: enough to keep workers busy while results travel back,
# few enough that the client never holds a large corpus's bytes in memory at once.
IN_FLIGHT_PER_THREAD = 4
CONNECT_TIMEOUT = "20s"
WORKER_WAIT = 60.0  # seconds for a first worker to join (e.g. while nannies restart them)

Finished = Callable[[SourceFile, tuple[dict, str] | BaseException], None]


class ClusterError(Exception):
    """The cluster cannot be used (missing extra, unreachable scheduler, no or mismatched
    workers); the message is for the inspector and says what to do."""


def execute_distributed(
    scheduler: str,
    todo: list[SourceFile],
    workers: int | None,
    timeout: float | None,
    worker: Worker,
    finished: Finished,
) -> None:
    """Audit `todo` on the cluster at `scheduler` (or a LocalCluster of `workers` processes),
    calling `finished` on the client for each file as its result arrives."""
    with cluster_client(scheduler, workers) as client:
        _check_versions(client)
        client.run(warm_up)  # as the local pool's initializer: set-up outside any time limit
        remote = [s for s in todo if _worth_sending(s)]
        sent = set(remote)
        for src in (s for s in todo if s not in sent):  # fails at once, as in a local run
            finished(src, _call(worker, str(src.path), timeout))
        if not remote:
            return
        shared = sees_corpus(client, remote)
        if not shared and worker is not process_file:
            raise ValueError("a custom worker needs shared storage (workers read the paths)")
        _stream(client, remote, timeout, worker, finished, shared)


@contextlib.contextmanager
def cluster_client(scheduler: str, workers: int | None) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a LocalCluster for `local`."""
    distributed = _import_distributed()

    cluster = None
    try:
        if scheduler == LOCAL:
            cluster = distributed.LocalCluster(
                n_workers=workers or available_cores(),
                threads_per_worker=1,
                dashboard_address=None,
                preload=[__name__],  # dask_setup: restarted workers warm up too
            )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"无法连接 Dask 调度器 {scheduler}（{exc}）：请确认地址与端口") from exc
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(
            f"使用 --scheduler 需要安装 Dask 分布式组件：{INSTALL_HINT}（当前环境缺少 distributed）"
        ) from exc
    return distributed


def _check_versions(client: Client) -> None:
    """Every worker must run the rules this client caches under, or the cache would lie."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError as exc:
        raise ClusterError(
            f"Dask 集群在 {WORKER_WAIT:g} 秒内没有可用的工作节点：请先启动 dask worker"
        ) from exc
    mine = cache_version()
    theirs = client.run(_worker_version)
    other = sorted(addr for addr, version in theirs.items() if version != mine)
    if other:
        raise ClusterError(
            f"工作节点 {', '.join(other)} 上的 edu-audit 代码或规则与本机不同，"
            "结果不能写入同一缓存：请在所有节点安装同一版本后重试"
        )


@functools.cache
def _worker_version() -> str:
    return cache_version()


def sees_corpus(client: Client, remote: list[SourceFile]) -> bool:
    """True when every worker sees a few sample files at the same absolute path and size."""
    picks = {0, len(remote) // 2, len(remote) - 1}
    samples = [(str(remote[i].path.resolve()), remote[i].path.stat().st_size) for i in picks]
    answers = client.run(_sees_files, samples)
    return bool(answers) and all(answers.values())


def _sees_files(samples: list[tuple[str, int]]) -> bool:
    try:
        return all(os.stat(path).st_size == size for path, size in samples)
    except OSError:
        return False


def _stream(
    client: Client,
    remote: list[SourceFile],
    timeout: float | None,
    worker: Worker,
    finished: Finished,
    shared: bool,
) -> None:
    """Keep a bounded number of tasks in flight; hand each result to `finished` as it lands."""
    from distributed import as_completed

    window = max(2, IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
    queue = iter(remote)
    pending: dict[Any, SourceFile] = {}
    stream = as_completed()

    def submit_next() -> None:
        src = next(queue, None)
        if src is None:
            return
        key = f"edu-audit-{src.doc_id}-{uuid.uuid4().hex[:8]}"
        if shared:
            path = str(src.path.resolve())
            future = client.submit(audit_path_task, worker, path, timeout, key=key)
        else:
            data = src.path.read_bytes()
            future = client.submit(audit_bytes_task, data, str(src.path), timeout, key=key)
        pending[future] = src
        stream.add(future)

    for _ in range(window):
        submit_next()
    for future in stream:
        src = pending.pop(future)
        finished(src, _outcome(future))
        future.release()
        submit_next()


def _outcome(future: Any) -> tuple[dict, str] | BaseException:
    """The task's result, or the exception `finished` records as a `failed` document."""
    from distributed import KilledWorker

    if future.status == "finished":
        return future.result()
    if future.status == "error":
        exc = future.exception()
        if isinstance(exc, KilledWorker):  # same message as a crashed local pool worker
            return BrokenProcessPool(str(exc))
        return exc
    return ConnectionError(f"与 Dask 集群的连接中断（任务状态 {future.status}）")


def _worth_sending(src: SourceFile) -> bool:
    """Unreadable and oversized files are not sent: the client records them as locally."""
    try:
        return src.readable and src.path.stat().st_size <= Limits().max_bytes
    except OSError:
        return False


def _call(worker: Worker, path: str, timeout: float | None) -> tuple[dict, str] | BaseException:
    try:
        return worker(path, timeout)
    except Exception as exc:
        return exc


# --------------------------------------------------------------------------- on the workers


def dask_setup(worker: object) -> None:
    """`dask worker … --preload pipeline.batch.distributed`: load the language models and
    catalogs when a worker (or its restart by the nanny) starts, not on its first document."""
    warm_up()


def audit_path_task(worker: Worker, path: str, timeout: float | None) -> tuple[dict, str]:
    """Audit a file from shared storage; a file this worker cannot see raises (not cached)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"工作节点 {os.uname().nodename} 上找不到 {path}：共享存储未挂载？")
    with _thread_time_limit(timeout):
        return worker(path, timeout)


def audit_bytes_task(data: bytes, name: str, timeout: float | None) -> tuple[dict, str]:
    """Audit bytes sent by the client, named as the original file (same result as from disk)."""
    with _thread_time_limit(timeout):
        doc = ingest_bytes(data, name)
        return audit_document(doc), doc.text


class _Expired(BaseException):
    """Raised asynchronously in a task thread; a BaseException so no `except Exception` in the
    audit swallows it, turned into a `DocumentTimeout` at the task's edge."""


class _thread_time_limit:
    """The per-document limit for tasks in Dask worker threads, where SIGALRM cannot reach.

    Like the local SIGALRM limit it interrupts Python code only: a C extension that never
    returns holds its thread until the worker is restarted.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running = False

    def __enter__(self) -> None:
        if not self.seconds:
            return
        self.thread = threading.get_ident()
        self.running = True
        self.timer = threading.Timer(self.seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def __exit__(self, kind: type | None, *exc: object) -> None:
        if not self.seconds:
            return
        try:
            with self.lock:
                self.running = False
                self.timer.cancel()
        except _Expired:  # raised just as the document finished: it still overran
            kind = _Expired
        if kind is _Expired:
            raise DocumentTimeout(f"处理超时（超过 {self.seconds:g} 秒），已跳过") from None

    def _expire(self) -> None:
        with self.lock:
            if self.running:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self.thread), ctypes.py_object(_Expired)
                )
