"""One run per OUT_DIR: an exclusive lock, so two runs never interleave their outputs.

The lock is `flock` on `OUT_DIR/.lock`: the kernel releases it when the process ends however
it ends (even `kill -9`), so a crashed run never leaves a stale lock behind. The file records
who holds it, for the refusal message.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

try:
    import fcntl
except ImportError:  # Windows: no flock; runs are then not protected against each other
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"

P = ParamSpec("P")
R = TypeVar("R")


class RunError(Exception):
    """A run that cannot go on; the message (Chinese) says why and what to do."""


class OutDirLocked(RunError):
    """Another run holds OUT_DIR."""


class OutDirLock:
    """Exclusive, non-blocking lock on an output folder; a context manager."""

    def __init__(self, out_dir: str | Path) -> None:
        self.path = Path(out_dir) / LOCK_NAME
        self._fh = None

    def __enter__(self) -> OutDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+", encoding="utf-8")
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                holder = fh.read().strip() or "未知进程"
                fh.close()
                raise OutDirLocked(
                    f"输出目录 {self.path.parent} 正被另一次运行使用（{holder}）："
                    "请等待其结束，或换一个输出目录（-o）"
                ) from None
        fh.seek(0)
        fh.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        fh.write(f"进程 {os.getpid()}@{socket.gethostname()}，开始于 {started}\n")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.truncate(0)
            self._fh.close()  # closing releases the flock
            self._fh = None


def holding_out_dir_lock(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn(corpus_dir, out_dir, ...)` holding the lock of its `out_dir`."""

    @functools.wraps(fn)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        out_dir = kwargs["out_dir"] if "out_dir" in kwargs else args[1]
        with OutDirLock(out_dir):  # type: ignore[arg-type]
            return fn(*args, **kwargs)

    return locked
