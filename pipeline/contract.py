"""The contract's document result (DESIGN.md §3): the JSON every output and tool reads.

Turns the extraction's objects into plain dicts; the schema is fixed, so every field is
written here and nowhere else.
"""

from __future__ import annotations

from extractors.sitemeta import iso_date
from pipeline.catalog import load_catalog
from pipeline.document import META_KEYS, Document
from pipeline.engine.findings import to_number
from pipeline.engine.standards import meets_standard
from pipeline.extract.indicators import IndicatorValue

SCHEMA_VERSION = 1


def empty_result(doc_id: str, path: str, status: str, error: str | None) -> dict:
    """A result with no content: the shape every document result starts from."""
    return {
        "schema_version": SCHEMA_VERSION,
        "doc_id": doc_id,
        "path": path,
        "status": status,
        "error": error,
        "meta": dict.fromkeys(META_KEYS),
        "indicators": [],
        "figures": [],
        "findings": [],
    }


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
