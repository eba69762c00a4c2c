"""Tabular outputs: documents.jsonl (the contract) and flat tables as CSV and Parquet.

One row per item, each carrying doc_id, district and path so a table can be read on its own.
Nested fields are flattened (`evidence.start` → `evidence_start`, `cv.primary` → `cv_primary`).
CSV is UTF-8 with BOM so that Excel shows Chinese; nothing here depends on the time of the run,
so an unchanged corpus gives byte-identical files.
"""

from __future__ import annotations

import json
import pickle
import tomllib
from collections.abc import Iterable, Iterator
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


def spreadsheet_safe(frame: pd.DataFrame, dtypes: dict | None = None) -> pd.DataFrame:
    """Text from crawled pages must never become a formula when the CSV opens in Excel: such
    cells get a leading apostrophe (OWASP); numbers are untouched. Parquet keeps the raw text.

    `dtypes` (column → the dtype of the whole column) types a batch of rows as the whole table.
    """

    def guard(value):
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype != object:
            continue
        if dtypes is None:
            safe[column] = safe[column].map(guard)
        else:
            guarded = pd.Series([guard(v) for v in safe[column]], index=safe.index, dtype=object)
            safe[column] = guarded.astype(dtypes[column])
    return safe


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
    """Takes the documents one at a time: each line of documents.jsonl is written at once, the
    table rows are spilled to disk in small batches and written out as CSV and Parquet at the
    end, a batch at a time. Both formats type a column by every value it holds (a column of
    ints with one empty cell is written 85.0 in the CSV, as float in Parquet), so the types are
    gathered while spilling and imposed on each batch: the files equal those of one frame."""

    SPILL_BATCH = 64  # documents per spilled batch
    ROWS_BATCH = 50_000  # rows per CSV write and Parquet row group

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.schemas = {"documents": DOCUMENT_COLUMNS} | {n: c for n, (_k, c) in TABLES.items()}
        self.seen: dict[str, dict[str, dict]] = {
            n: {c: {} for c in cs} for n, cs in self.schemas.items()
        }
        self.pending: dict[str, list[dict]] = {n: [] for n in self.schemas}
        self.documents = 0
        self.jsonl = (out_dir / "documents.jsonl").open("w", encoding="utf-8", newline="\n")
        self.spill = {n: self._spill_path(n).open("wb") for n in self.schemas}

    def add(self, result: dict) -> None:
        self.jsonl.write(json.dumps(result, ensure_ascii=False) + "\n")
        self.pending["documents"].append(document_row(result))
        for name, (key, columns) in TABLES.items():
            self.pending[name] += fixed_rows(item_rows([result], key), columns)
        self.documents += 1
        if self.documents % self.SPILL_BATCH == 0:
            self._flush()

    def close(self) -> list[Path]:
        """Finish every file; returns them in the order `write_tables` always listed them."""
        self._flush()
        for fh in (self.jsonl, *self.spill.values()):
            fh.close()
        paths = [self.out_dir / "documents.jsonl"]
        for name in TABLES:
            paths.append(self._write_csv(name))
        return paths + [self._write_parquet(name) for name in self.schemas]

    def discard(self) -> None:
        """Close everything and remove the spilled rows (also after an error)."""
        for fh in (self.jsonl, *self.spill.values()):
            fh.close()
        for name in self.schemas:
            self._spill_path(name).unlink(missing_ok=True)

    def _spill_path(self, name: str) -> Path:
        return self.out_dir / f".{name}.rows.pickle"

    def _flush(self) -> None:
        for name, rows in self.pending.items():
            if not rows:
                continue
            for column, seen in self.seen[name].items():
                for row in rows:
                    value = row.get(column, MISSING)
                    seen.setdefault(_value_class(value), value)
            pickle.dump(rows, self.spill[name], protocol=pickle.HIGHEST_PROTOCOL)
            self.pending[name] = []

    def _batches(self, name: str) -> Iterator[pd.DataFrame]:
        """The spilled rows as frames of the table's columns (at least one, maybe empty)."""
        columns, rows = (
            self.schemas[name],
            _batches(_spilled(self._spill_path(name)), self.ROWS_BATCH),
        )
        yield pd.DataFrame(next(rows, []), columns=columns, dtype=object)
        for batch in rows:
            yield pd.DataFrame(batch, columns=columns, dtype=object)

    def _write_csv(self, name: str) -> Path:
        path = self.out_dir / f"{name}.csv"
        dtypes = {c: _csv_dtype(seen) for c, seen in self.seen[name].items()}
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            for n, frame in enumerate(self._batches(name)):
                frame = spreadsheet_safe(frame, dtypes)
                frame.to_csv(fh, index=False, header=n == 0, lineterminator="\n")
        return path

    def _write_parquet(self, name: str) -> Path:
        """Row groups of the spilled rows, every batch with the column types of the whole."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.out_dir / f"{name}.parquet"
        kinds = {c: {_KIND[k] for k in seen if k in _KIND} for c, seen in self.seen[name].items()}
        schema = pa.schema([(c, _arrow_type(k)) for c, k in kinds.items()])
        writer = None
        try:
            for frame in self._batches(name):
                if not len(frame):
                    continue
                frame = arrow_safe(frame, kinds)
                table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
                if writer is None:  # the first batch's schema carries pandas' metadata
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        if writer is None:  # no rows: the empty table, typed as before
            arrow_safe(next(self._batches(name))).to_parquet(path, index=False)
        return path


MISSING = float("nan")  # what pandas puts in a column a row's dict lacks
_KIND = {bool: "bool", int: "int", float: "number", str: "str"}


def _value_class(value: object) -> object:
    """What pandas' type inference tells apart: the type, with NaN and None on their own."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return "nan"
    return type(value) if type(value) in _KIND else "other"


def _csv_dtype(seen: dict) -> object:
    """The dtype `Series.map` infers for a whole column holding one value of each class seen."""
    sample = pd.Series(list(seen.values()), dtype=object)
    return spreadsheet_safe(pd.DataFrame({"c": sample})).dtypes["c"]


def _spilled(path: Path) -> Iterator[dict]:
    with path.open("rb") as fh:
        while True:
            try:
                yield from pickle.load(fh)
            except EOFError:
                return


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _arrow_type(kinds: set[str]):  # noqa: ANN202 - pyarrow is imported lazily
    """The Arrow type `arrow_safe` gives a column whose values are of these kinds."""
    import pyarrow as pa

    if kinds == {"int"}:
        return pa.int64()
    if kinds and kinds <= {"int", "number"}:
        return pa.float64()
    if kinds == {"bool"}:
        return pa.bool_()
    return pa.string()


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
    return pd.DataFrame(fixed_rows(item_rows(results, key), columns), columns=columns, dtype=object)


def fixed_rows(rows: Iterable[dict], columns: list[str]) -> list[dict]:
    """Rows with only the dictionary's columns; any other key goes into `extra_json`."""
    known = set(columns)
    fixed = []
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in known}
        row = {k: v for k, v in row.items() if k in known}
        row["extra_json"] = json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None
        fixed.append(row)
    return fixed


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


def arrow_safe(frame: pd.DataFrame, kinds_of: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """Give every object column one Arrow type: ints → Int64, numbers → float, mixed → text.

    Frames are built with dtype=object so the CSV writes 23 (not 23.0) and keeps None empty.
    `kinds_of` (column → kinds of its values) types a batch of rows as the whole table.
    """
    frame = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        if kinds_of is None:
            kinds = {_kind(v) for v in column.dropna()}
        else:
            kinds = kinds_of.get(name, set())
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
