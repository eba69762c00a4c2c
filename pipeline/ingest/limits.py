"""What one document may cost (docs/limits.md says why each default is what it is).

A module of its own, importing no extractor, so that the CLI can show the defaults in
`--help` without loading the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.model import PdfLimits

# seconds one document may take in a batch worker (`edu-audit run --timeout`)
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Limits:
    """What one document may cost; docs/limits.md says why each default is what it is."""

    max_bytes: int = 30 * 1024 * 1024
    # extracted characters: a 400-page report has about 400,000; beyond, extraction is slow
    max_chars: int = 1_000_000
    # declared uncompressed size of a DOCX (a zip): more is a zip bomb, not a report
    max_unzipped_bytes: int = 200 * 1024 * 1024
    pdf: PdfLimits = PdfLimits()
