"""Batch runs over a corpus folder: discovery (`corpus`), the result cache (`cache`), the
worker pool (`workers`) and the run that ties them together and writes the outputs (`run`)."""

from pipeline.batch.cache import Cache, cache_version
from pipeline.batch.corpus import SourceFile, discover, file_sha256
from pipeline.batch.run import RunSummary, run_corpus, write_outputs
from pipeline.batch.workers import DocumentTimeout, Worker, _time_limit, process_file

__all__ = [
    "Cache",
    "DocumentTimeout",
    "RunSummary",
    "SourceFile",
    "Worker",
    "_time_limit",
    "cache_version",
    "discover",
    "file_sha256",
    "process_file",
    "run_corpus",
    "write_outputs",
]
