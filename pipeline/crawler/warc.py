"""Optional WARC archive (warcio) of every response, so a crawl can be replayed and cited.

One gzipped WARC file per run (appending gzip members to an old file works, but one file per
run keeps each archive a closed, citable unit). Bodies are stored as received after
content decoding, so Content-Encoding/Transfer-Encoding headers are dropped and
Content-Length is set to the stored size.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_DROP = {"content-encoding", "transfer-encoding", "content-length"}


class WarcArchive:
    """Writes response records into CORPUS_DIR/warc/crawl-<UTC time>.warc.gz."""

    def __init__(self, corpus_dir: Path) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = corpus_dir / "warc"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"crawl-{stamp}.warc.gz"
        self._fh = self.path.open("ab")
        self._writer = WARCWriter(self._fh, gzip=True)

    def write_response(
        self, url: str, status: int, headers: httpx.Headers, body: bytes, http_version: str
    ) -> None:
        """Record one HTTP response with its headers and (decoded) body."""
        pairs = [(k, v) for k, v in headers.multi_items() if k.lower() not in _DROP]
        pairs.append(("Content-Length", str(len(body))))
        reason = httpx.codes.get_reason_phrase(status) or "Unknown"
        http_headers = StatusAndHeaders(
            f"{status} {reason}", pairs, protocol=http_version or "HTTP/1.1"
        )
        record = self._writer.create_warc_record(
            url, "response", payload=BytesIO(body), http_headers=http_headers
        )
        self._writer.write_record(record)
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
