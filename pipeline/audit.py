"""The audit of one document: ingest → extract → engine → the contract's document result.

Extraction and checks run inside a guard so that a bug met on one odd document becomes a
`failed` status with a message, never a stopped batch.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from pipeline.contract import basic_meta, empty_result, indicator_dict
from pipeline.document import META_KEYS, Document
from pipeline.engine import check_document
from pipeline.extract import extract
from pipeline.ingest.files import Limits, ingest_path


def audit_path(path: str | Path, limits: Limits = Limits()) -> dict:
    """Audit one file and return the contract's document result."""
    return audit_document(ingest_path(path, limits))


def audit_document(doc: Document) -> dict:
    result = empty_result(doc.doc_id, doc.path, doc.status, doc.error)
    result["meta"] = basic_meta(doc)
    if doc.status != "ok":
        return result
    try:
        extraction = extract(doc)
        findings = check_document(doc, extraction)
    except Exception as exc:  # a bug on one document must not stop a batch
        result["status"] = "failed"
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result["error"] = (
            f"分析出错（{type(exc).__name__}: {exc}，{Path(where.filename).name}:{where.lineno}），请报告此文件"
        )
        return result
    result["meta"] = {key: extraction.meta.get(key) for key in META_KEYS}
    if extraction.meta.get("inferred"):  # city/province from the gazetteer, not the text
        result["meta"]["inferred"] = list(extraction.meta["inferred"])
    result["figures"] = [f.to_dict(doc) for f in extraction.figures]
    result["indicators"] = [indicator_dict(doc, item) for item in extraction.indicators]
    result["findings"] = [f.to_dict(doc) for f in findings]
    return result
