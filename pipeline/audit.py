"""The audit of one document: ingest → extract → check → the contract's document result.

Extraction and checks run inside a guard so that a bug met on one odd document becomes a
`failed` status with a message, never a stopped batch.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from pipeline.catalog import load_catalog
from pipeline.document import META_KEYS, Document
from pipeline.findings import Finding, to_number
from pipeline.indicators import IndicatorValue
from pipeline.ingest import Limits, ingest_path
from pipeline.sitemeta import iso_date
from pipeline.standards_check import check_standards, meets_standard

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
    if doc.status != "ok":
        return result
    try:
        _extract_and_check(doc, result)
    except Exception as exc:  # a bug on one document must not stop a batch
        result["status"] = "failed"
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result["error"] = (
            f"分析出错（{type(exc).__name__}: {exc}，{Path(where.filename).name}:{where.lineno}），请报告此文件"
        )
    return result


def _extract_and_check(doc: Document, result: dict) -> None:
    from pipeline.nlp import analyse

    analysed = analyse(doc)
    meta = analysed._.meta
    result["meta"] = {key: meta.get(key) for key in META_KEYS}
    figures = analysed._.figures
    indicators = analysed._.indicators
    result["figures"] = [f.to_dict(doc) for f in figures]
    result["indicators"] = [indicator_dict(doc, item) for item in indicators]
    findings: list[Finding] = check_standards(doc, indicators, meta)
    findings += _arithmetic(doc, analysed._.quantities, figures)
    findings.sort(key=lambda f: (f.start, f.rule))
    result["findings"] = [f.to_dict(doc) for f in findings]


def _arithmetic(doc: Document, quantities, figures) -> list[Finding]:
    try:
        from pipeline.checks import check_document
    except ImportError:  # the engine module is optional while it is being built
        return []
    return check_document(doc, quantities, figures)


def indicator_dict(doc: Document, item: IndicatorValue) -> dict:
    """The contract's indicator entry, with the report's own standard and counts beside it."""
    indicator = load_catalog().indicator(item.code)
    standard = indicator.standard_for(item.level)
    value = item.value.quantity if item.value else None
    evidence_fig = (
        item.value
        or item.school_ratio
        or item.stated_standard
        or next(iter(item.cv.values()), None)
    )
    if evidence_fig is not None:
        evidence = doc.evidence(evidence_fig.start, evidence_fig.end)
    else:
        span = item.conclusion_span or (item.start, min(item.end, item.start + 1))
        evidence = doc.evidence(*span)
    result = {
        "code": item.code,
        "name": indicator.name,
        "level": item.level,
        "value": to_number(value.value) if value else None,
        "unit": value.unit if value else indicator.unit,
        "standard": _standard_dict(standard),
        "meets_standard": meets_standard(item, standard),
        "schools_total": item.schools_total,
        "schools_meeting": item.schools_meeting,
        "cv": {lv: to_number(f.quantity.value) for lv, f in item.cv.items()} or None,
        "self_conclusion": item.self_conclusion,
        "evidence": evidence,
    }
    if value and value.qualifier:
        result["value_qualifier"] = value.qualifier
    if item.stated_standard is not None:
        q = item.stated_standard.quantity
        result["stated_standard"] = {
            "value": to_number(q.value),
            "unit": q.unit,
            "qualifier": q.qualifier,
        }
    if item.schools_basic:
        result["schools_basic"] = item.schools_basic
    if item.cv_combined:
        result["cv_combined"] = True
    return result


def _standard_dict(standard) -> dict | None:
    if standard is None or standard.value is None:
        return None
    return {"op": standard.op, "value": to_number(standard.value), "unit": standard.unit}


def basic_meta(doc: Document) -> dict:
    """Metadata the page itself declares (title, dates, publisher), before any analysis."""
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
