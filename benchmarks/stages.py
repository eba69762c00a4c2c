"""Per-document cost of each audit stage (ingest, extraction stages, engine, contract) and the
documents/s of the whole audit, on about 30 KB TXT and HTML reports built from ../shared/corpus.

The documents are different windows of the shared texts, so caches keyed on text do not make
the figures look better than a real corpus would. Times are this process's CPU time, so that
other work on a shared machine does not count. Run: `python benchmarks/stages.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import CORPUS  # noqa: E402
from pipeline.audit import audit_document  # noqa: E402
from pipeline.contract import indicator_dict  # noqa: E402
from pipeline.engine import check_document  # noqa: E402
from pipeline.extract import Extracted, read_indicators  # noqa: E402
from pipeline.extract.figures import extract_figures  # noqa: E402
from pipeline.extract.metadata import extract_metadata  # noqa: E402
from pipeline.extract.quantities import find_quantities  # noqa: E402
from pipeline.extract.sections import find_sections  # noqa: E402
from pipeline.ingest.files import ingest_bytes  # noqa: E402
from tests.variants import gov_html  # noqa: E402


def documents(count: int, chars: int = 10_000) -> list[str]:
    """`count` texts of `chars` characters, each starting at a different line of the corpus."""
    lines = "\n".join(p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))).splitlines()
    texts = []
    for i in range(count):
        start = (i * 37) % len(lines)
        text = "\n".join(lines[start:] + lines[:start])
        while len(text) < chars:
            text += "\n" + text
        texts.append(text[:chars])
    return texts


def staged(data: bytes, name: str, times: dict[str, list[float]]) -> None:
    """One audit, stage by stage, adding each stage's milliseconds to `times`."""
    clock = time.process_time()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.process_time()
        times[stage].append((now - clock) * 1000)
        clock = now

    doc = ingest_bytes(data, name)
    lap("ingest")
    meta = extract_metadata(doc)
    lap("metadata")
    sections = find_sections(doc)
    lap("sections")
    quantities = find_quantities(doc.text)
    lap("quantities")
    figures = extract_figures(doc, quantities, meta.get("kind"), meta.get("report_year"))
    lap("figures")
    indicators = read_indicators(doc, sections, figures)
    lap("indicators")
    findings = check_document(doc, Extracted(meta, sections, quantities, figures, indicators))
    lap("engine")
    [f.to_dict(doc) for f in figures]
    [indicator_dict(doc, item) for item in indicators]
    [f.to_dict(doc) for f in findings]
    lap("contract")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=40, help="documents per format")
    args = parser.parse_args()
    texts = documents(args.n)
    inputs = {
        "txt": [(t.encode("utf-8"), "bench.txt") for t in texts],
        "html": [(gov_html(t).encode("gb18030"), "bench.html") for t in texts],
    }
    audit_document(ingest_bytes(*inputs["txt"][-1]))  # warm-up: tables, dictionaries, catalog
    for fmt, items in inputs.items():
        times: dict[str, list[float]] = defaultdict(list)
        for data, name in items:
            staged(data, name, times)
        started = time.process_time()
        for data, name in items:
            audit_document(ingest_bytes(data, name))
        rate = len(items) / (time.process_time() - started)
        cells = "  ".join(f"{k} {statistics.median(v):.1f}" for k, v in times.items())
        total = sum(statistics.median(v) for v in times.values())
        print(
            f"{fmt:4s} median ms/doc: {cells}  | sum {total:.1f}  | audit {rate:.1f} docs/s per core"
        )


if __name__ == "__main__":
    main()
