"""Politeness: a per-host request rate, robots.txt, and how long to wait before a retry.

Government sites are small servers shared with citizens; a crawl for an inspection must
never be the reason one of them slows down. Every request, retries and robots.txt
included, goes through the host's rate limiter.
"""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from urllib.robotparser import RobotFileParser


class HostRateLimiter:
    """At most `rate` request starts per second for each host (scheme://host:port)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._slower: dict[str, float] = {}

    def slow_down(self, host: str, interval: float) -> None:
        """Use a longer interval for one host (robots.txt Crawl-delay); never a shorter one."""
        self._slower[host] = max(interval, self._slower.get(host, 0.0))

    async def wait(self, host: str) -> None:
        """Sleep until this host may receive its next request, then reserve that slot."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            start = self._next.get(host, now)
            if start > now:
                await asyncio.sleep(start - now)
            # from the moment we woke, not the moment we asked for: a busy event loop
            # oversleeps, and counting from the planned start would let the next request
            # follow this one by less than the interval
            self._next[host] = time.monotonic() + max(self.interval, self._slower.get(host, 0.0))

    def pause(self, host: str, seconds: float) -> None:
        """A server asked us to back off (Retry-After): delay every request to that host."""
        until = time.monotonic() + seconds
        self._next[host] = max(self._next.get(host, 0.0), until)


def parse_retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    delta = when.timestamp() - time.time()
    return min(max(delta, 0.0), cap)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff: base, 2·base, 4·base … never above cap."""
    return min(base * (2**attempt), cap)


class RobotsRules:
    """robots.txt of one host, read with the standard library's parser (RFC 9309 defaults)."""

    def __init__(
        self, parser: RobotFileParser | None, allow_all: bool, unreachable: bool = False
    ) -> None:
        self._parser = parser
        self._allow_all = allow_all
        self.unreachable = unreachable

    @classmethod
    def from_response(cls, status: int | None, text: str) -> RobotsRules:
        """4xx means no rules; 5xx or no answer means 'assume everything is disallowed'."""
        if status is not None and 200 <= status < 300:
            parser = RobotFileParser()
            parser.parse(text.splitlines())
            return cls(parser, allow_all=False)
        if status is not None and 400 <= status < 500:
            return cls(None, allow_all=True)
        return cls(None, allow_all=False, unreachable=True)

    def allows(self, user_agent: str, url: str) -> bool:
        """Whether robots.txt lets `user_agent` fetch `url`."""
        if self._parser is None:
            return self._allow_all
        return self._parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        """A Crawl-delay the site asks for, if any (we honour it when slower than --rate)."""
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None
