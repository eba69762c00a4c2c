"""The crawl itself: list pages → report pages → attachments, recorded in manifest.jsonl.

Three kinds of work: a *list* page (column or one of its pages) is fetched and read for
report links and more pages but not stored; a *report* page is stored and read for
attachments; an *attachment* is stored. A re-run skips every stored report and attachment
(reading a stored report again from disk for its attachments) and fetches list pages again,
since that is where new reports appear.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from extractors.encoding import UndecodableError, decode_bytes

from .fetch import Fetcher, FetchResult, FetchSettings
from .links import DEFAULT_KEYWORDS, Link, looks_like_list, matches_keywords, parse_page
from .manifest import FetchRecord, Manifest
from .politeness import HostRateLimiter, RobotsRules
from .store import Store, derive_name
from .warc import WarcArchive

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


@dataclass(frozen=True)
class Seed:
    """A start (column) URL and, when known, whose site it is."""

    url: str
    district: str | None = None
    city: str | None = None
    province: str | None = None


@dataclass
class CrawlConfig:
    """Everything a crawl needs; the CLI builds it from its arguments."""

    seeds: list[Seed]
    out: Path
    user_agent: str
    allow_hosts: list[str] = field(default_factory=list)
    max_pages: int | None = None
    rate: float = 1.0
    concurrency: int = 4
    keywords: tuple[str, ...] = DEFAULT_KEYWORDS
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 120.0
    total_timeout: float = 300.0  # one response, however slowly it trickles in
    warc: bool = False
    trust_env: bool = True
    verbose: bool = True


@dataclass
class CrawlSummary:
    """Counts reported to the user at the end of a run."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped_stored: int = 0
    failed: int = 0
    robots_blocked: int = 0
    off_host: int = 0
    budget_exhausted: bool = False


@dataclass(frozen=True)
class Task:
    url: str
    kind: str  # "list" | "report" | "attachment"
    referrer: str | None
    link_text: str | None
    seed: Seed


class Crawler:
    """Runs one crawl over a corpus folder; safe to run again on the same folder."""

    def __init__(self, config: CrawlConfig, client: httpx.AsyncClient) -> None:
        self.cfg = config
        self.root = config.out
        self.manifest = Manifest(self.root)
        self.store = Store(self.root, self.manifest.by_sha)
        self.limiter = HostRateLimiter(config.rate)
        settings = FetchSettings(
            user_agent=config.user_agent,
            max_bytes=config.max_bytes,
            retries=config.retries,
            backoff=config.backoff,
            max_retry_after=config.max_retry_after,
            total_timeout=config.total_timeout,
        )
        self.fetcher = Fetcher(client, self.limiter, settings, config.concurrency)
        self.summary = CrawlSummary()
        self.warc = WarcArchive(self.root) if config.warc else None
        self._allowed = {h.lower() for h in config.allow_hosts}
        self._allowed |= {(urlsplit(s.url).hostname or "").lower() for s in config.seeds}
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._queue: asyncio.Queue[Task] = asyncio.Queue()
        self._seen: set[str] = set()
        self._budget_used = 0

    async def run(self) -> CrawlSummary:
        """Crawl from every seed until nothing is left (or --max-pages is reached)."""
        for seed in self.cfg.seeds:
            self._enqueue(Task(seed.url, "list", None, None, seed))
        workers = [asyncio.create_task(self._worker()) for _ in range(self.cfg.concurrency)]
        try:
            await self._queue.join()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self.manifest.close()
            if self.warc:
                self.warc.close()
        return self.summary

    # -- queue -------------------------------------------------------------------------

    def _enqueue(self, task: Task) -> None:
        if task.url in self._seen:
            return
        self._seen.add(task.url)
        if not self.host_allowed(task.url):
            self.summary.off_host += 1
            self._say(f"跳过（站外链接）：{task.url}")
            return
        self._queue.put_nowait(task)

    async def _worker(self) -> None:
        while True:
            task = await self._queue.get()
            try:
                await self._handle(task)
            except Exception as exc:  # one bad page must not end the crawl
                self.summary.failed += 1
                self._record(
                    FetchRecord(
                        url=task.url,
                        referrer=task.referrer,
                        kind=task.kind,
                        error=f"内部错误：{type(exc).__name__}: {exc}",
                    ),
                    task,
                )
                print(f"内部错误（{task.url}）：{type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                self._queue.task_done()

    # -- one task ----------------------------------------------------------------------

    async def _handle(self, task: Task) -> None:
        if task.kind != "list" and (done := self.manifest.stored(task.url, self.root)):
            self.summary.skipped_stored += 1
            if task.kind == "report":
                self._follow_stored_report(task, done)
            return
        refusal = await self.permit(task.url)
        if refusal:
            self.summary.robots_blocked += 1
            self._say(f"跳过（{refusal}）：{task.url}")
            self._record(
                FetchRecord(url=task.url, referrer=task.referrer, kind=task.kind, error=refusal),
                task,
            )
            return
        if self.cfg.max_pages is not None and self._budget_used >= self.cfg.max_pages:
            self.summary.budget_exhausted = True
            return
        self._budget_used += 1
        result = await self.fetcher.get(task.url, self.permit)
        self.summary.fetched += 1
        self._process(task, result)

    def _process(self, task: Task, result: FetchResult) -> None:
        """Turn a fetch result into a manifest record, a stored file and new tasks."""
        record = FetchRecord(
            url=task.url,
            final_url=result.final_url,
            referrer=task.referrer,
            status=result.status,
            content_type=result.headers.get("content-type"),
            error=result.error,
            kind=task.kind,
            attempts=result.attempts,
            title=task.link_text,
        )
        body = result.body
        if body is not None and result.status is not None:
            record.bytes = len(body)
            record.sha256 = hashlib.sha256(body).hexdigest()
            if self.warc:
                self.warc.write_response(
                    result.final_url or task.url,
                    result.status,
                    result.headers,
                    body,
                    result.http_version,
                )
        if not record.ok or body is None:
            self.summary.failed += 1
            self._say(f"失败（{record.error}）：{task.url}")
            self._record(record, task)
            return
        base = result.final_url or task.url
        is_html = _is_html(record.content_type, body)
        if is_html:
            text = self._decode(body, record)
            if text is not None:
                page = parse_page(text, base, self.cfg.keywords)
                record.title = page.title or task.link_text
                record.note = page.note()
                self._follow(task, page.reports, page.attachments, page.pages, base)
        if task.kind != "list" or not is_html:  # a start URL may be a document itself
            self._save(record, body, base, result.headers.get("content-disposition"))
        self._say(
            f"{result.status} {task.kind} {task.url}" + (f" → {record.path}" if record.path else "")
        )
        self._record(record, task)

    def _follow(
        self,
        task: Task,
        reports: list[Link],
        attachments: list[Link],
        pages: list[Link],
        referrer: str,
    ) -> None:
        """List pages yield reports, keyword-titled attachments and more pages; reports yield
        every attachment (they are often titled just 附件1)."""
        seed = task.seed
        if task.kind == "list":
            for link in pages:
                self._enqueue(Task(link.url, "list", referrer, link.text, seed))
            for link in reports:  # a keyword-titled sub-column (…/督导评估/index.html) is a list
                kind = "list" if looks_like_list(link.url) else "report"
                self._enqueue(Task(link.url, kind, referrer, link.text, seed))
            for link in attachments:
                if matches_keywords(link.text, self.cfg.keywords):
                    self._enqueue(Task(link.url, "attachment", referrer, link.text, seed))
        elif task.kind == "report":
            for link in attachments:
                self._enqueue(Task(link.url, "attachment", referrer, link.text, seed))

    def _follow_stored_report(self, task: Task, done: FetchRecord) -> None:
        """On resume, read a stored report page from disk to queue its attachments."""
        data = self.store.read(done.path or "")
        if data is None or not _is_html(done.content_type, data):
            return
        try:
            text, _ = decode_bytes(data, done.encoding)
        except UndecodableError:
            return
        base = done.final_url or task.url
        page = parse_page(text, base, self.cfg.keywords)
        self._follow(task, [], page.attachments, [], base)

    def _decode(self, body: bytes, record: FetchRecord) -> str | None:
        """Decode by evidence; the declared charset (header, then meta) is only a hint."""
        declared = _header_charset(record.content_type) or _meta_charset(body)
        try:
            text, record.encoding = decode_bytes(body, declared)
        except UndecodableError as exc:
            record.error = str(exc)
            return None
        return text

    def _save(self, record: FetchRecord, body: bytes, url: str, disposition: str | None) -> None:
        assert record.sha256 is not None
        is_dup = record.sha256 in self.store.by_sha
        relpath = derive_name(url, record.sha256, record.content_type, disposition)
        record.path = self.store.save(body, record.sha256, relpath)
        if is_dup:
            self.summary.duplicates += 1
        else:
            self.summary.stored += 1

    def _record(self, record: FetchRecord, task: Task) -> None:
        record.district = task.seed.district
        record.city = task.seed.city
        record.province = task.seed.province
        self.manifest.append(record)

    # -- permissions -------------------------------------------------------------------

    def host_allowed(self, url: str) -> bool:
        """Start hosts and --allow-host entries (host, host:port, or .suffix for subdomains)."""
        parts = urlsplit(url)
        host, netloc = (parts.hostname or "").lower(), parts.netloc.lower()
        for entry in self._allowed:
            if entry.startswith("."):
                if host.endswith(entry) or host == entry[1:]:
                    return True
            elif host == entry or netloc == entry:
                return True
        return False

    async def permit(self, url: str) -> str | None:
        """None when `url` may be fetched; otherwise the reason (in Chinese) it may not."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"不支持的协议 {parts.scheme}"
        if not self.host_allowed(url):
            return "站外链接，未在 --allow-host 中"
        rules = await self._robots_for(f"{parts.scheme}://{parts.netloc}")
        if not rules.allows(self.cfg.user_agent, url):
            if rules.unreachable:
                return "robots.txt 无法获取（服务器错误或无响应），按 RFC 9309 视为全部禁止"
            return "robots.txt 不允许抓取"
        return None

    async def _robots_for(self, origin: str) -> RobotsRules:
        """robots.txt, fetched once per origin through the same rate limiter."""
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._robots:
                result = await self.fetcher.get(f"{origin}/robots.txt", _any_http)
                text = (result.body or b"").decode("utf-8", errors="replace")
                rules = RobotsRules.from_response(result.status, text)
                delay = rules.crawl_delay(self.cfg.user_agent)
                if delay:
                    self.limiter.slow_down(urlsplit(origin).netloc, delay)
                self._robots[origin] = rules
            return self._robots[origin]

    def _say(self, message: str) -> None:
        if self.cfg.verbose:
            print(message, file=sys.stderr)


async def _any_http(url: str) -> str | None:
    """robots.txt may redirect anywhere (RFC 9309 follows up to five hops)."""
    return None if urlsplit(url).scheme in ("http", "https") else "不支持的协议"


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        mime = content_type.split(";")[0].strip().lower()
        if mime in ("text/html", "application/xhtml+xml"):
            return True
        if mime not in ("", "application/octet-stream", "text/plain"):
            return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _header_charset(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type or "", re.I)
    return match.group(1) if match else None


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", errors="ignore") if match else None


async def crawl(config: CrawlConfig) -> CrawlSummary:
    """Library entry point: crawl with one shared httpx client (HTTP/1.1, pooled)."""
    config.out.mkdir(parents=True, exist_ok=True)
    timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
    limits = httpx.Limits(max_connections=config.concurrency * 2)
    async with httpx.AsyncClient(
        timeout=timeout, limits=limits, follow_redirects=False, trust_env=config.trust_env
    ) as client:
        return await Crawler(config, client).run()
