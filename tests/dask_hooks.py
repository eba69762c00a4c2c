"""Worker functions for the Dask tests: `process_file` plus a worker that dies on one document.

They live in an importable module so that Dask workers started as subprocesses unpickle them.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from pipeline.batch.workers import process_file


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
