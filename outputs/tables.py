"""Tabular outputs: documents.jsonl (the contract) and flat tables as CSV and Parquet.

One row per item, each carrying doc_id, district and path so a table can be read on its own.
Nested fields are flattened (`evidence.start` → `evidence_start`, `cv.primary` → `cv_primary`).
CSV is UTF-8 with BOM so that Excel shows Chinese; nothing here depends on the time of the run,
so an unchanged corpus gives byte-identical files.
"""

from __future__ import annotations

import csv
import json
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

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
# Column types of the data dictionary → how a value is written to CSV and typed in Parquet.
ARROW_TYPES = {"int": "int64", "number": "float64", "bool": "bool_"}
# json.dumps with options builds an encoder on every call; a cell's JSON is made hundreds of
# times per document
to_json = json.JSONEncoder(ensure_ascii=False).encode
to_sorted_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def csv_cell(value: object, kind: str) -> object:
    """A cell as the dictionary types it: numbers as they are (23, 23.5), empty for null, and
    text that Excel would run as a formula behind an apostrophe (OWASP). Parquet keeps the raw text.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def arrow_value(value: object, kind: str) -> object:
    """A value fitted to its column's Arrow type; what does not fit is null (never seen on the
    real passages, whose values all have the dictionary's types)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if kind == "int":
            return int(value) if float(value).is_integer() else None
        return float(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def csv_column(values: list, kind: str) -> list:
    """`csv_cell` over a column; the common cells (empty, plain text, numbers of the column's
    type) are taken as they are without a call."""
    if kind in ("int", "number"):
        fitting = (int,) if kind == "int" else (int, float)
        return [
            "" if v is None else v if v.__class__ in fitting and v == v else csv_cell(v, kind)
            for v in values
        ]
    return [
        ""
        if v is None
        else v
        if v.__class__ is str and not v.startswith(FORMULA_STARTS)
        else csv_cell(v, kind)
        for v in values
    ]


def arrow_column(values: list, kind: str) -> list:
    """`arrow_value` over a column, the values already of the column's type taken as they are."""
    fitting = {"int": int, "number": float, "bool": bool}.get(kind, str)
    if fitting is float:
        return [v if v.__class__ is float and v == v else arrow_value(v, kind) for v in values]
    return [v if v.__class__ is fitting or v is None else arrow_value(v, kind) for v in values]


class _PandasAbsent:
    """An import hook that finds no pandas (see `arrow_without_pandas`)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ImportError("pandas is not for pyarrow's shim in this process")


def arrow_without_pandas() -> None:
    """Keep pyarrow from importing pandas in a process that only writes Parquet.

    On its first conversion of Python values pyarrow imports pandas (about 54 MB and 0.3 s)
    only to ask whether the values are pandas objects, which the writers never pass. Told
    once that pandas is missing, its shim does not ask again; `to_pandas` still imports it.
    """
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    hook = _PandasAbsent()
    sys.meta_path.insert(0, hook)
    try:
        pa.array([], pa.int64())  # the shim's one check
    finally:
        sys.meta_path.remove(hook)


def write_tables(results: Iterable[dict], out_dir: Path) -> list[Path]:
    """documents.jsonl plus figures/indicators/findings as CSV and all four tables as Parquet,
    streamed: one pass over the results, never more than a batch of rows in memory."""
    writer = TableWriter(Path(out_dir))
    try:
        for result in results:
            writer.add(result)
        return writer.close()
    finally:
        writer.discard()


class TableWriter:
    """Takes the documents one at a time: each line of documents.jsonl and of the CSV files is
    written at once, Parquet gets a row group every ROWS_BATCH rows. Both are typed by the data
    dictionary, not by the values seen, so every run gives every table the same schema."""

    ROWS_BATCH = 10_000  # rows per Parquet row group

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.schemas = {"documents": data_dictionary()["documents"]} | {
            n: data_dictionary()[n] for n in TABLES
        }
        self.pending: dict[str, dict[str, list]] = {n: self._empty(n) for n in self.schemas}
        self.rows = dict.fromkeys(self.schemas, 0)
        self.parquet: dict = {}
        self.files = [(out_dir / "documents.jsonl").open("w", encoding="utf-8", newline="\n")]
        self.csv = {}
        for name in TABLES:
            fh = (out_dir / f"{name}.csv").open("w", encoding="utf-8-sig", newline="")
            self.files.append(fh)
            self.csv[name] = csv.writer(fh, lineterminator="\n")
            self.csv[name].writerow(columns(name))

    def add(self, result: dict, line: str | None = None) -> None:
        """One document's line and rows; `line` is its JSON when the caller already has it."""
        if line is None:
            line = json.dumps(result, ensure_ascii=False)
        self.files[0].write(line + "\n")
        self._append("documents", [document_row(result)])
        for name, (key, names) in TABLES.items():
            rows = item_rows([result], key)
            add_extra_json(rows, names)
            cells = self._append(name, rows)
            self.csv[name].writerows(zip(*cells, strict=True))

    def close(self) -> list[Path]:
        """Finish every file; returns them in the order `write_tables` always listed them."""
        for name in self.schemas:
            self._write_group(name)
            if name not in self.parquet:  # no rows: the empty table, typed all the same
                self._parquet_writer(name)
        self.discard()
        paths = [self.out_dir / "documents.jsonl"]
        paths += [self.out_dir / f"{name}.csv" for name in TABLES]
        return paths + [self.out_dir / f"{name}.parquet" for name in self.schemas]

    def discard(self) -> None:
        """Close every file (also after an error)."""
        for fh in self.files:
            fh.close()
        for writer in self.parquet.values():
            writer.close()
        self.files, self.parquet = [], {}

    def _empty(self, name: str) -> dict[str, list]:
        return {c: [] for c, _k, _d in self.schemas[name]}

    def _append(self, name: str, rows: list[dict]) -> list[list]:
        """Rows kept as typed columns until a row group is full (far smaller than dicts);
        returns the same columns as CSV cells."""
        cells = []
        for column, kind, _d in self.schemas[name]:
            values = [r.get(column) for r in rows]
            self.pending[name][column] += arrow_column(values, kind)
            cells.append(csv_column(values, kind))
        self.rows[name] += len(rows)
        if self.rows[name] >= self.ROWS_BATCH:
            self._write_group(name)
        return cells

    def _write_group(self, name: str) -> None:
        data, self.pending[name] = self.pending[name], self._empty(name)
        if not self.rows[name]:
            return
        import pyarrow as pa

        self.rows[name] = 0
        writer = self.parquet.get(name) or self._parquet_writer(name)
        writer.write_table(pa.Table.from_pydict(data, schema=writer.schema))
        pa.default_memory_pool().release_unused()  # else the pool keeps every group's pages

    def _parquet_writer(self, name: str):  # noqa: ANN202 - pyarrow is imported lazily
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema(
            [(c, getattr(pa, ARROW_TYPES.get(k, "string"))()) for c, k, _d in self.schemas[name]]
        )
        self.parquet[name] = pq.ParquetWriter(self.out_dir / f"{name}.parquet", schema)
        return self.parquet[name]


def write_jsonl(results: Iterable[dict], path: Path) -> Path:
    """One contract document per line, keys in the order the pipeline produced them."""
    with Path(path).open("w", encoding="utf-8", newline="\n") as fh:
        for result in results:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")
    return Path(path)


NESTED = frozenset({"evidence", "standard", "cv", "stated_standard"})
SCALARS = frozenset({str, int, float, bool})  # what a cell holds as it is


def flatten(item: dict, prefix: str = "") -> dict:
    """Nested dicts become prefixed columns; lists become JSON text (a cell holds one value).

    A null nested object (`"cv": null`) adds nothing: its `cv_*` columns stay empty.
    """
    flat: dict = {}
    for key, value in item.items():
        name = prefix + key if prefix else key
        if value is None:
            if key not in NESTED:
                flat[name] = value
        elif value.__class__ in SCALARS:
            flat[name] = value
        elif isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        elif isinstance(value, list | tuple):
            flat[name] = to_json(value)
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


def fixed_rows(rows: Iterable[dict], columns: list[str]) -> list[dict]:
    """Rows with only the dictionary's columns; any other key goes into `extra_json`."""
    rows = [dict(row) for row in rows]
    add_extra_json(rows, columns)
    known = set(columns)
    return [{k: v for k, v in row.items() if k in known} for row in rows]


def add_extra_json(rows: list[dict], columns: list[str]) -> None:
    """Set each row's `extra_json`: its keys that are not the dictionary's columns, as JSON
    (the writer reads only the columns, so the other keys can stay)."""
    known = set(columns)
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in known}
        row["extra_json"] = to_sorted_json(extra) if extra else None


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
