"""Tabular outputs: documents.jsonl (the contract) and flat tables as CSV and Parquet.

One row per item, each carrying doc_id, district and path so a table can be read on its own.
Nested fields are flattened (`evidence.start` → `evidence_start`, `cv.primary` → `cv_primary`).
CSV is UTF-8 with BOM so that Excel shows Chinese; nothing here depends on the time of the run,
so an unchanged corpus gives byte-identical files.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline.document import META_KEYS

DOC_KEYS = ("doc_id", "district", "path")


@cache
def data_dictionary() -> dict[str, list[tuple[str, str, str]]]:
    """table → [(column, type, Chinese description)]: the one fixed schema of the flat tables."""
    text = resources.files("outputs").joinpath("data_dictionary.toml").read_text("utf-8")
    return {name: [tuple(c) for c in cols] for name, cols in tomllib.loads(text).items()}


def columns(table: str) -> list[str]:
    return [c[0] for c in data_dictionary()[table]]


DOCUMENT_COLUMNS = columns("documents")
FIGURE_COLUMNS = columns("figures")
INDICATOR_COLUMNS = columns("indicators")
FINDING_COLUMNS = columns("findings")
TABLES = {
    "figures": ("figures", FIGURE_COLUMNS),
    "indicators": ("indicators", INDICATOR_COLUMNS),
    "findings": ("findings", FINDING_COLUMNS),
}


# A cell that starts with one of these is read as a formula by Excel (CSV/DDE injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text from crawled pages must never become a formula when the CSV opens in Excel: such
    cells get a leading apostrophe (OWASP); numbers are untouched. Parquet keeps the raw text."""

    def guard(value):
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(guard)
    return safe


def write_tables(results: list[dict], out_dir: Path) -> list[Path]:
    """documents.jsonl plus figures/indicators/findings as CSV and all four tables as Parquet."""
    out_dir = Path(out_dir)
    written = [write_jsonl(results, out_dir / "documents.jsonl")]
    frames = {"documents": documents_frame(results)}
    for name, (key, columns) in TABLES.items():
        frames[name] = items_frame(results, key, columns)
        path = out_dir / f"{name}.csv"
        spreadsheet_safe(frames[name]).to_csv(
            path, index=False, encoding="utf-8-sig", lineterminator="\n"
        )
        written.append(path)
    for name, frame in frames.items():
        path = out_dir / f"{name}.parquet"
        arrow_safe(frame).to_parquet(path, index=False)
        written.append(path)
    return written


def write_jsonl(results: Iterable[dict], path: Path) -> Path:
    """One contract document per line, keys in the order the pipeline produced them."""
    with Path(path).open("w", encoding="utf-8", newline="\n") as fh:
        for result in results:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return Path(path)


NESTED = frozenset({"evidence", "standard", "cv", "stated_standard"})


def flatten(item: dict, prefix: str = "") -> dict:
    """Nested dicts become prefixed columns; lists become JSON text (a cell holds one value).

    A null nested object (`"cv": null`) adds nothing: its `cv_*` columns stay empty.
    """
    flat: dict = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if value is None and key in NESTED:
            continue
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        elif isinstance(value, list | tuple):
            flat[name] = json.dumps(value, ensure_ascii=False)
        else:
            flat[name] = value
    return flat


def item_rows(results: Iterable[dict], key: str) -> list[dict]:
    """Flattened items of one kind, each prefixed with its document's doc_id, district, path."""
    from outputs.rule_docs import rule_name

    rows = []
    for result in results:
        head = {
            "doc_id": result["doc_id"],
            "district": (result.get("meta") or {}).get("district"),
            "path": result.get("path"),
        }
        for item in result.get(key) or []:
            flat = flatten(item)
            flat.pop("doc_id", None)  # corpus-level findings name their document; head has it
            if key == "findings":
                flat["finding_id"] = flat.pop("id", None)
                flat["rule_name"] = rule_name(str(item.get("rule")))
            rows.append({**head, **flat})
    return rows


def items_frame(results: Iterable[dict], key: str, columns: list[str]) -> pd.DataFrame:
    """A table with exactly the dictionary's columns; any other key goes into `extra_json`."""
    known = set(columns)
    fixed = []
    for row in item_rows(results, key):
        extra = {k: v for k, v in row.items() if k not in known}
        row = {k: v for k, v in row.items() if k in known}
        row["extra_json"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
        fixed.append(row)
    return pd.DataFrame(fixed, columns=columns, dtype=object)


def document_row(result: dict) -> dict:
    """The flat summary of one document: status, metadata, provenance and counts."""
    meta = result.get("meta") or {}
    findings = result.get("findings") or []
    severities = [f.get("severity") for f in findings]
    reviews = [f.get("review") or "open" for f in findings]
    row = {
        "doc_id": result["doc_id"],
        "path": result.get("path"),
        "status": result.get("status"),
        "error": result.get("error"),
        **{k: meta.get(k) for k in META_KEYS},
        "inferred": ",".join(meta.get("inferred") or []) or None,
        "source_url": result.get("source_url"),
        "fetched_at": result.get("fetched_at"),
        "n_indicators": len(result.get("indicators") or []),
        "n_figures": len(result.get("figures") or []),
        "n_findings": len(findings),
        "n_errors": severities.count("error"),
        "n_warnings": severities.count("warning"),
        "n_info": severities.count("info"),
        "n_open": reviews.count("open"),
        "n_confirmed": reviews.count("confirmed"),
        "n_dismissed": reviews.count("dismissed"),
    }
    return row


def documents_frame(results: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame([document_row(r) for r in results], columns=DOCUMENT_COLUMNS, dtype=object)


def arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Give every object column one Arrow type: ints → Int64, numbers → float, mixed → text.

    Frames are built with dtype=object so the CSV writes 23 (not 23.0) and keeps None empty.
    """
    frame = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        values = column.dropna()
        kinds = {_kind(v) for v in values}
        if kinds == {"int"}:
            frame[name] = column.astype("Int64")
        elif kinds and kinds <= {"int", "number"}:
            frame[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        elif kinds == {"bool"}:
            frame[name] = column.astype("boolean")
        elif len(kinds) > 1 or kinds == {"other"}:
            frame[name] = column.map(lambda v: None if _missing(v) else str(v)).astype(object)
        elif not kinds:
            frame[name] = column.astype("string")
        elif kinds == {"str"}:
            frame[name] = column.map(lambda v: None if _missing(v) else v).astype(object)
    return frame


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "str"
    return "other"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
