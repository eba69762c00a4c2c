"""manifest.jsonl: one line per fetch, the provenance an inspector cites.

The batch runner maps a stored `path` back to its `url` and `fetched_at`; those names are a
contract. Lines are appended and flushed one by one, so a killed crawl leaves a valid
manifest (at worst a truncated last line, which `load` skips) and a re-run can resume.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MANIFEST_NAME = "manifest.jsonl"


def utc_now() -> str:
    """UTC timestamp in ISO 8601 with an explicit offset, e.g. 2025-04-01T08:00:00.123+00:00."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class FetchRecord:
    """One fetch attempt's outcome (after retries)."""

    url: str
    final_url: str | None = None
    referrer: str | None = None
    fetched_at: str = field(default_factory=utc_now)
    status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    bytes: int | None = None
    sha256: str | None = None
    path: str | None = None
    title: str | None = None
    error: str | None = None
    note: str | None = None  # what was left out of a page that was fetched fine (Chinese)
    kind: str = "report"  # "list" | "report" | "attachment"
    attempts: int = 0
    district: str | None = None
    city: str | None = None
    province: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class Manifest:
    """Append-only JSON Lines log with a view of the latest record per URL."""

    def __init__(self, corpus_dir: Path) -> None:
        self.path = corpus_dir / MANIFEST_NAME
        self.latest: dict[str, FetchRecord] = {}
        self.by_sha: dict[str, str] = {}
        self._load()
        self._fh = None

    def _load(self) -> None:
        if not self.path.is_file():
            return
        names = set(FetchRecord.__dataclass_fields__)
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a killed crawl
                if not isinstance(data, dict) or "url" not in data:
                    continue
                record = FetchRecord(**{k: v for k, v in data.items() if k in names})
                self._remember(record)

    def _remember(self, record: FetchRecord) -> None:
        self.latest[record.url] = record
        if record.sha256 and record.path:
            self.by_sha.setdefault(record.sha256, record.path)

    def stored(self, url: str, corpus_dir: Path) -> FetchRecord | None:
        """The record of a document already stored from `url` (file still present), else None."""
        record = self.latest.get(url)
        if record and record.ok and record.path and (corpus_dir / record.path).is_file():
            return record
        return None

    def append(self, record: FetchRecord) -> None:
        """Write one line and flush it at once so an interruption loses nothing recorded."""
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
            if self.path.stat().st_size and not self.path.read_bytes().endswith(b"\n"):
                self._fh.write("\n")  # end a line a killed crawl left unfinished
        self._fh.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        self._fh.flush()
        self._remember(record)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
