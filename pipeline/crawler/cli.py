"""`edu-audit crawl` arguments and entry point (the CLI module wires these in)."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .links import DEFAULT_KEYWORDS

if TYPE_CHECKING:  # the engine (httpx) is imported when a crawl runs, not for `--help`
    from .engine import CrawlSummary, Seed

VERSION = "0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the crawl options to an (sub)parser."""
    parser.add_argument(
        "--start", nargs="+", metavar="URL", default=[], help="start (column / list) URLs"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        metavar="FILE",
        help="CSV of start URLs (column url or column_url; district, city, province kept)",
    )
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        required=True,
        metavar="CORPUS_DIR",
        help="corpus folder (files + manifest.jsonl); re-running resumes",
    )
    parser.add_argument(
        "--allow-host",
        nargs="+",
        metavar="HOST",
        default=[],
        help="extra hosts to follow (host, host:port, or .example.gov.cn)",
    )
    parser.add_argument(
        "--max-pages", type=int, metavar="N", help="stop after N fetches in this run (resume later)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=1.0,
        metavar="R",
        help="requests per second per host (default 1)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=4,
        metavar="N",
        help="requests in flight overall (default 4)",
    )
    parser.add_argument(
        "--keywords",
        nargs="+",
        metavar="WORD",
        default=list(DEFAULT_KEYWORDS),
        help="report title keywords (default: %(default)s)",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=50 * 1024 * 1024,
        metavar="N",
        help="largest file to download (default 50 MiB)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="read timeout in seconds (default 30)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="connect timeout in seconds (default 10)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="retries on timeouts, 429 and 5xx (default 3)",
    )
    parser.add_argument(
        "--backoff",
        type=float,
        default=1.0,
        metavar="S",
        help="first retry delay, doubled each time (default 1)",
    )
    parser.add_argument(
        "--max-retry-after",
        type=float,
        default=120.0,
        metavar="S",
        help="cap on a server's Retry-After (default 120)",
    )
    parser.add_argument(
        "--contact",
        metavar="URL",
        help="contact URL put in the User-Agent so site operators can reach you",
    )
    parser.add_argument(
        "--user-agent", metavar="UA", help="full User-Agent (default: edu-audit/0.1 (+CONTACT))"
    )
    parser.add_argument(
        "--warc", action="store_true", help="also write a WARC archive under CORPUS_DIR/warc/"
    )
    parser.add_argument("--quiet", action="store_true", help="only print the summary")


def run(args: argparse.Namespace) -> int:
    """Run a crawl from parsed arguments; 0 when it ran, 2 for unusable input."""
    import asyncio

    from .engine import CrawlConfig, crawl

    try:
        seeds = _seeds(args)
    except (OSError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not seeds:
        print("错误：请用 --start 或 --sources 给出至少一个起始网址", file=sys.stderr)
        return 2
    if args.rate <= 0 or args.concurrency < 1:
        print("错误：--rate 须大于 0，--concurrency 须至少为 1", file=sys.stderr)
        return 2
    if not args.user_agent and not args.contact:
        print(
            "提示：建议用 --contact 提供联系网址，写入 User-Agent 便于网站管理员联系",
            file=sys.stderr,
        )
    config = CrawlConfig(
        seeds=seeds,
        out=args.out,
        user_agent=user_agent(args.user_agent, args.contact),
        allow_hosts=list(args.allow_host),
        max_pages=args.max_pages,
        rate=args.rate,
        concurrency=args.concurrency,
        keywords=tuple(args.keywords),
        connect_timeout=args.connect_timeout,
        read_timeout=args.timeout,
        max_bytes=args.max_bytes,
        retries=args.retries,
        backoff=args.backoff,
        max_retry_after=args.max_retry_after,
        warc=args.warc,
        verbose=not args.quiet,
    )
    try:
        summary = asyncio.run(crawl(config))
    except KeyboardInterrupt:
        print(
            "已中断。已保存的文件和 manifest.jsonl 保留，再次运行同一命令即可续抓。",
            file=sys.stderr,
        )
        return 130
    print(_summary_text(summary, args.out))
    return 0


def user_agent(explicit: str | None, contact: str | None) -> str:
    """A descriptive User-Agent: who we are and where to complain."""
    if explicit:
        return explicit
    if contact:
        return f"edu-audit/{VERSION} (+{contact})"
    return f"edu-audit/{VERSION} (education inspection research crawler)"


def _seeds(args: argparse.Namespace) -> list[Seed]:
    from .engine import Seed

    seeds = [Seed(url) for url in args.start]
    if args.sources:
        seeds.extend(read_sources(args.sources))
    unique: dict[str, Seed] = {}
    for seed in seeds:
        unique.setdefault(seed.url, seed)
    return list(unique.values())


def read_sources(path: Path) -> list[Seed]:
    """Start URLs from a CSV (column `column_url` or `url`); lines starting with # are notes."""
    from .engine import Seed

    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    rows = list(csv.DictReader(lines))
    if rows and not ({"column_url", "url"} & set(rows[0])):
        raise ValueError(f"{path} 缺少 column_url 或 url 列")
    seeds = []
    for row in rows:
        url = (row.get("column_url") or row.get("url") or "").strip()
        if url:
            seeds.append(
                Seed(url, _cell(row, "district"), _cell(row, "city"), _cell(row, "province"))
            )
    return seeds


def _cell(row: dict[str, str | None], key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return value or None


def _summary_text(s: CrawlSummary, out: Path) -> str:
    lines = [
        f"抓取完成：请求 {s.fetched} 个网址，新保存 {s.stored} 个文件，重复内容 {s.duplicates} 个，"
        f"已存在跳过 {s.skipped_stored} 个，失败 {s.failed} 个，"
        f"robots.txt 禁止 {s.robots_blocked} 个，站外链接 {s.off_host} 个。",
        f"语料目录：{out}（清单：{out / 'manifest.jsonl'}）",
    ]
    if s.budget_exhausted:
        lines.append("已达到 --max-pages 上限，再次运行同一命令可继续抓取。")
    return "\n".join(lines)
