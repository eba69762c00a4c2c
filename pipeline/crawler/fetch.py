"""One polite GET: rate-limited, size-capped, retried with backoff, redirects checked hop by hop.

httpx does the HTTP; this module adds what a crawler of public-sector sites needs on top:
each redirect hop is re-checked against the host allow-list and robots.txt (httpx's own
redirect following would skip that), bodies are streamed so an oversized file is abandoned
early, and 429/5xx/timeouts are retried with exponential backoff honouring Retry-After.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from .politeness import HostRateLimiter, backoff_delay, parse_retry_after

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5

# Returns None when the URL may be fetched, else a message saying why not.
Permit = Callable[[str], Awaitable[str | None]]


@dataclass
class FetchSettings:
    """Knobs of a single fetch; defaults are the polite ones documented in docs/crawler.md."""

    user_agent: str
    max_bytes: int = 50 * 1024 * 1024
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 120.0
    total_timeout: float = 300.0


@dataclass
class FetchResult:
    """What came back, after redirects and retries."""

    url: str
    final_url: str | None = None
    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes | None = None
    error: str | None = None
    attempts: int = 0
    http_version: str = "HTTP/1.1"


class Fetcher:
    """GETs URLs through one shared httpx.AsyncClient, a host rate limiter and a global cap."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        limiter: HostRateLimiter,
        settings: FetchSettings,
        concurrency: int,
    ) -> None:
        self.client = client
        self.limiter = limiter
        self.settings = settings
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self.requests = 0

    async def get(self, url: str, permit: Permit) -> FetchResult:
        """Fetch `url`, following up to five redirects, each of them allowed by `permit`."""
        result = FetchResult(url=url)
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            refusal = await permit(current)
            if refusal:
                result.final_url, result.error = current, refusal
                return result
            await self._get_with_retries(current, result)
            result.final_url = current
            location = result.headers.get("location")
            if result.status in REDIRECT_STATUSES and location and result.error is None:
                current = urljoin(current, location.strip())
                if urlsplit(current).scheme not in ("http", "https"):
                    result.error = f"重定向到不支持的协议：{current}"
                    return result
                continue
            return result
        result.error = f"重定向超过 {MAX_REDIRECTS} 次"
        return result

    async def _get_with_retries(self, url: str, result: FetchResult) -> None:
        """One URL, retried on timeouts, transport errors, 429 and 5xx."""
        host = urlsplit(url).netloc
        s = self.settings
        for attempt in range(s.retries + 1):
            await self.limiter.wait(host)
            result.attempts += 1
            retry_after: float | None = None
            try:
                async with self._slots:
                    await self._once(url, result)
            except (httpx.TimeoutException, TimeoutError):
                result.status, result.error = None, "请求超时"
            except httpx.TransportError as exc:
                result.status, result.error = None, f"网络错误：{type(exc).__name__} {exc}".strip()
            else:
                if result.status not in RETRY_STATUSES:
                    return
                retry_after = parse_retry_after(
                    result.headers.get("retry-after"), s.max_retry_after
                )
                result.error = f"HTTP {result.status}"
            if attempt == s.retries:
                return
            delay = backoff_delay(attempt, s.backoff, s.max_backoff)
            if retry_after is not None:
                delay = max(delay, retry_after)
                self.limiter.pause(host, retry_after)
            await asyncio.sleep(delay)

    async def _once(self, url: str, result: FetchResult) -> None:
        """A single streamed GET that stops reading once the body exceeds max_bytes."""
        s = self.settings
        result.body, result.error = None, None
        self.requests += 1
        async with asyncio.timeout(s.total_timeout):
            async with self.client.stream("GET", url, headers={"User-Agent": s.user_agent}) as resp:
                result.status = resp.status_code
                result.headers = resp.headers
                result.http_version = resp.http_version
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > s.max_bytes:
                    result.error = _too_large(s.max_bytes, int(declared))
                    return
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > s.max_bytes:
                        result.error = _too_large(s.max_bytes, None)
                        return
                result.body = bytes(body)
                if not 200 <= resp.status_code < 400:
                    result.error = f"HTTP {resp.status_code}"


def _too_large(limit: int, declared: int | None) -> str:
    size = f"声明 {declared} 字节" if declared is not None else "读取中已超过上限"
    return f"文件过大（{size}，上限 {limit} 字节），已放弃下载"
