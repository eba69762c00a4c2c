"""The audit of one document: ingest → extract → check → result, as one call.

Stages are added by later modules (metadata, figures, indicators, engine); each runs inside a
guard so a bug on one odd document becomes a `failed` status, not a stopped batch.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.document import META_KEYS, Document
from pipeline.ingest import Limits, ingest_path
from pipeline.sitemeta import iso_date

SCHEMA_VERSION = 1


def audit_path(path: str | Path, limits: Limits = Limits()) -> dict:
    """Audit one file and return the contract's document result."""
    return audit_document(ingest_path(path, limits))


def audit_document(doc: Document) -> dict:
    result = {
        "schema_version": SCHEMA_VERSION,
        "doc_id": doc.doc_id,
        "path": doc.path,
        "status": doc.status,
        "error": doc.error,
        "meta": basic_meta(doc),
        "indicators": [],
        "figures": [],
        "findings": [],
    }
    return result


def basic_meta(doc: Document) -> dict:
    """Metadata the page itself declares (title, dates, publisher)."""
    meta = dict.fromkeys(META_KEYS)
    site = doc.site_meta
    meta["title"] = site.get("title")
    meta["publisher"] = site.get("publisher") or site.get("source")
    meta["published"] = (
        iso_date(site.get("published"))
        or iso_date(site.get("date"))
        or iso_date(site.get("written"))
    )
    return meta
