"""Crawler: collect self-assessment reports from district government sites into a corpus.

CLI wiring: `from pipeline.crawler import add_arguments, run`.
Library: `asyncio.run(crawl(CrawlConfig(...)))`.
"""

from .cli import add_arguments, read_sources, run
from .engine import CrawlConfig, CrawlSummary, Seed, crawl

__all__ = ["CrawlConfig", "CrawlSummary", "Seed", "add_arguments", "crawl", "read_sources", "run"]
