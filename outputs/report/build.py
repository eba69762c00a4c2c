"""The static HTML audit report: `report/index.html`, one page per document, one per district
(`report/district/<name>.html`) and the rules explained (`report/rules.html`).

Called by the batch runner after a run; pages are written atomically (temp file + rename) and
contain no timestamps, so an unchanged corpus gives byte-identical pages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from outputs.report.districtpage import district_page
from outputs.report.docpage import district_file, document_page, page_name
from outputs.report.indexpage import index_parts
from outputs.report.rulespage import rules_page
from outputs.rule_docs import RULES_PAGE

STALE_PAGE = re.compile(r"^(?:[0-9a-f]{16}|doc-[0-9a-f]{16})\.html$")


def _write(path: Path, content: str | Iterable[str]) -> None:
    """Write (a page, or its pieces as they are built) via a temp file and rename, so an
    interrupted run never leaves half a page."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.writelines([content] if isinstance(content, str) else content)
    os.replace(tmp, path)


def _remove_stale(report_dir: Path, keep: set[str]) -> None:
    """Drop pages of documents no longer in the corpus (only files named like our pages)."""
    for path in report_dir.glob("*.html"):
        if STALE_PAGE.match(path.name) and path.name not in keep:
            path.unlink()


def _write_districts(folder: Path, results: list[dict[str, Any]]) -> None:
    """One page per district; pages of districts no longer in the corpus are removed."""
    by_district: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        name = (result.get("meta") or {}).get("district")
        if name:
            by_district.setdefault(str(name), []).append(result)
    folder.mkdir(parents=True, exist_ok=True)
    names = set()
    for name, items in by_district.items():
        names.add(district_file(name))
        _write(folder / district_file(name), district_page(name, items))
    for path in folder.glob("*.html"):
        if path.name not in names:
            path.unlink()


def write_report(results: list[dict[str, Any]], texts: Mapping[str, str], out_dir: Path) -> Path:
    """Write `out_dir/report/index.html` and `<doc_id>.html` per document; return the index.

    `texts[doc_id]` is the normalised text every offset in the results indexes; a missing text
    (failed documents) gives a page with metadata and findings but no text.
    """
    report = ReportWriter(out_dir)
    for result in results:
        report.add(result, texts.get(result["doc_id"], ""))
    return report.close(results)


class ReportWriter:
    """Document pages written as the documents stream past (they need each one's figures and
    text); the index, district and rules pages at the end, from results without figures."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = Path(out_dir) / "report"
        self.dir.mkdir(parents=True, exist_ok=True)

    def add(self, result: dict[str, Any], text: str) -> None:
        _write(self.dir / page_name(result["doc_id"]), document_page(result, text))

    def close(self, results: list[dict[str, Any]]) -> Path:
        """The pages over all documents (those of documents gone are removed); the index."""
        _remove_stale(self.dir, {page_name(r["doc_id"]) for r in results})
        _write_districts(self.dir / "district", results)
        _write(self.dir / RULES_PAGE, rules_page(results))
        index = self.dir / "index.html"
        _write(index, index_parts(results))
        return index
