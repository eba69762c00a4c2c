"""Crawler: collect self-assessment reports from district government sites into a corpus.

CLI wiring: `from pipeline.crawler import add_arguments, run`.
Library: `asyncio.run(crawl(CrawlConfig(...)))`.

Names are resolved on first use (PEP 562), so `edu-audit --help` does not import httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import add_arguments, read_sources, run
    from .engine import CrawlConfig, CrawlSummary, Seed, crawl

_HOME = {
    "add_arguments": "cli",
    "read_sources": "cli",
    "run": "cli",
    "CrawlConfig": "engine",
    "CrawlSummary": "engine",
    "Seed": "engine",
    "crawl": "engine",
}
__all__ = ["CrawlConfig", "CrawlSummary", "Seed", "add_arguments", "crawl", "read_sources", "run"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
