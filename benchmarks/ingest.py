"""Ingestion throughput: documents/s and pages/s per core for TXT, HTML and PDF, and peak RSS.

Inputs are built from ../shared/corpus at run time (about 30 KB of text per document) so
the numbers are comparable across machines. Run: `make bench` or `python benchmarks/ingest.py`.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.files import ingest_bytes  # noqa: E402
from tests.variants import gov_html, pdf_bytes  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def seed_text(target_chars: int = 10_000) -> str:
    """About 30 KB of UTF-8 (10k CJK characters) of real report text."""
    texts = [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    text = "\n".join(texts)
    while len(text) < target_chars:
        text += "\n" + text
    return text[:target_chars]


def measure(name: str, data: bytes, filename: str, seconds: float) -> None:
    count = pages = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        doc = ingest_bytes(data, filename)
        assert doc.status == "ok", doc.error
        count += 1
        pages += doc.page_count or 0
    elapsed = time.perf_counter() - started
    line = f"{name:5s} {len(data) / 1024:7.1f} KB  {count / elapsed:8.1f} documents/s"
    if pages:
        line += f"  {pages / elapsed:8.1f} pages/s ({pages // count} pages/document)"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="time per format")
    args = parser.parse_args()
    text = seed_text()
    ingest_bytes(text.encode(), "warmup.txt")  # build the normaliser tables once
    print("single process, one core")
    measure("txt", text.encode("utf-8"), "bench.txt", args.seconds)
    measure("html", gov_html(text).encode("gb18030"), "bench.html", args.seconds)
    measure("pdf", pdf_bytes(text), "bench.pdf", args.seconds)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
