"""The streamed tables: typed by the data dictionary, the same whatever the batch size.

The reference below reads the flat rows straight from the results (`item_rows`, `fixed_rows`,
`document_row`), so the CSV and Parquet files must hold exactly those rows, in that order, with
the dictionary's column types.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from outputs.tables import (
    FORMULA_STARTS,
    TABLES,
    TableWriter,
    arrow_column,
    arrow_value,
    columns,
    csv_cell,
    csv_column,
    data_dictionary,
    document_row,
    fixed_rows,
    item_rows,
    write_tables,
)
from pipeline.batch.run import run_corpus
from pipeline.synth import generate

ARROW = {"int": pa.int64(), "number": pa.float64(), "bool": pa.bool_()}


def flat_rows(results: list[dict], name: str) -> list[dict]:
    if name == "documents":
        return [document_row(r) for r in results]
    key, names = TABLES[name]
    return fixed_rows(item_rows(results, key), names)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def assert_tables_hold(out: Path, results: list[dict]) -> None:
    lines = (out / "documents.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == results
    for name, spec in data_dictionary().items():
        table = pq.read_table(out / f"{name}.parquet")
        assert table.schema.names == [c for c, _k, _d in spec]
        assert [table.schema.field(c).type for c, _k, _d in spec] == [
            ARROW.get(k, pa.string()) for _c, k, _d in spec
        ]
        rows = flat_rows(results, name)
        assert table.num_rows == len(rows), name
        for column, kind, _d in spec:
            expected = [r.get(column) for r in rows]
            got = table.column(column).to_pylist()
            if kind == "number":
                expected = [None if v is None else float(v) for v in expected]
            assert got == expected, (name, column)
        if name == "documents":
            continue
        cells = read_csv(out / f"{name}.csv")
        assert cells[0] == columns(name) and len(cells) == len(rows) + 1
        for row, line in zip(rows, cells[1:], strict=True):
            for (column, kind, _d), cell in zip(spec, line, strict=True):
                value = row.get(column)
                if value is None:
                    assert cell == ""
                elif kind in ("int", "number"):
                    assert cell == str(value) and float(cell) == value
                elif isinstance(value, str) and value.startswith(FORMULA_STARTS):
                    assert cell == "'" + value  # never a formula in Excel
                else:
                    assert cell == str(value)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("demo")
    generate(12, root / "corpus", seed=0)
    run_corpus(root / "corpus", root / "out", workers=2, progress=False)
    lines = (root / "out" / "documents.jsonl").read_text("utf-8").splitlines()
    return root / "out", [json.loads(line) for line in lines]


def test_a_run_writes_the_rows_of_its_results(demo_run: tuple[Path, list[dict]]) -> None:
    out, results = demo_run
    assert sum(len(r["findings"]) for r in results) > 0
    assert_tables_hold(out, results)


@pytest.mark.parametrize("batch", [1, 7, 10_000])
def test_batch_sizes_change_no_byte(
    demo_run: tuple[Path, list[dict]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    out, results = demo_run
    monkeypatch.setattr(TableWriter, "ROWS_BATCH", batch)
    write_tables(iter(results), tmp_path)
    for name in TABLES:
        assert (tmp_path / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes()
    for name in data_dictionary():
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(
            pq.read_table(out / f"{name}.parquet")
        )


def test_empty_and_one_document(tmp_path: Path, demo_run: tuple[Path, list[dict]]) -> None:
    _, results = demo_run
    for n, subset in enumerate(([], results[:1], [r for r in results if not r["findings"]])):
        out = tmp_path / str(n)
        out.mkdir()
        write_tables(subset, out)
        assert_tables_hold(out, subset)


def test_types_come_from_the_dictionary_not_from_the_values(tmp_path: Path) -> None:
    """An int column with an empty cell stays 85 (a frame would write 85.0); a value of the
    wrong type is null in Parquet and kept as text in the CSV; formulas stay text."""
    figure = {"label": "=HYPERLINK(1)", "value": 85, "unit": "人", "year": None, "start": 0}
    other = {"label": "x", "value": "八十五", "unit": "人", "year": 2024, "start": 3}
    result = {"doc_id": "a" * 16, "path": "a.txt", "status": "ok", "meta": {}, "figures": []}
    result |= {"indicators": [], "findings": [], "figures": [figure, other]}
    write_tables([result], tmp_path)
    cells = read_csv(tmp_path / "figures.csv")
    head = cells[0]
    first, second = (dict(zip(head, line, strict=True)) for line in cells[1:])
    assert (first["label"], first["value"], first["year"]) == ("'=HYPERLINK(1)", "85", "")
    assert (second["value"], second["year"]) == ("八十五", "2024")
    table = pq.read_table(tmp_path / "figures.parquet")
    assert table.column("value").to_pylist() == [85.0, None]
    assert table.column("year").to_pylist() == [None, 2024]
    assert table.column("label").to_pylist() == ["=HYPERLINK(1)", "x"]


def database_rows(path: Path) -> dict[str, list[tuple]]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        tables = ("documents", "indicators", "figures", "findings", "reviews")
        rows = {t: con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
        rows["runs"] = con.execute("SELECT documents, findings FROM runs").fetchall()
        rows["schema"] = con.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
        return rows
    finally:
        con.close()


ODD_VALUES = [
    None,
    "",
    "text",
    "=SUM(A1)",
    "-3",
    "+1",
    "@x",
    "\tx",
    0,
    7,
    -2,
    3.0,
    2.5,
    float("nan"),
    float("inf"),
    True,
    False,
    [1, "a"],
    {"k": 1},
    ("t",),
]


@pytest.mark.parametrize("kind", ["text", "int", "number", "bool", "json", "date"])
def test_column_conversion_is_the_cell_conversion_over_a_column(kind: str) -> None:
    csv_cells = csv_column(ODD_VALUES, kind)
    arrow_values = arrow_column(ODD_VALUES, kind)
    for value, cell, arrow in zip(ODD_VALUES, csv_cells, arrow_values, strict=True):
        assert repr(cell) == repr(csv_cell(value, kind)), (kind, value)
        assert repr(arrow) == repr(arrow_value(value, kind)), (kind, value)


def test_parts_written_by_forked_processes_join_into_one_pass(
    demo_run: tuple[Path, list[dict]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.batch import outputs as batch_outputs

    _, results = demo_run
    texts = {r["doc_id"]: f"正文{n}" for n, r in enumerate(results)}
    monkeypatch.setattr(batch_outputs, "PART_MIN_DOCUMENTS", 2)
    assert len(batch_outputs._split(results, 3)) == 3
    one, parts = tmp_path / "one", tmp_path / "parts"
    batch_outputs.write_outputs(results, texts, one, "v", processes=1)
    batch_outputs.write_outputs(results, texts, parts, "v", processes=3)
    for name in ("documents.jsonl", *(f"{n}.csv" for n in TABLES)):
        assert (parts / name).read_bytes() == (one / name).read_bytes(), name
    for name in data_dictionary():
        a, b = pq.read_table(parts / f"{name}.parquet"), pq.read_table(one / f"{name}.parquet")
        assert a.equals(b), name
    assert database_rows(parts / "audit.sqlite") == database_rows(one / "audit.sqlite")
    pages = sorted(p.relative_to(one) for p in (one / "report").rglob("*") if p.is_file())
    assert pages == sorted(
        p.relative_to(parts) for p in (parts / "report").rglob("*") if p.is_file()
    )
    for page in pages:
        assert (parts / page).read_bytes() == (one / page).read_bytes(), page
    assert not list(parts.glob(".staging")) and not list(parts.rglob(".part-*"))


def test_a_part_whose_report_fails_keeps_the_other_outputs(
    demo_run: tuple[Path, list[dict]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outputs.report.build import ReportWriter
    from pipeline.batch import outputs as batch_outputs

    _, results = demo_run
    last = results[-1]["doc_id"]

    def add(self: ReportWriter, result: dict, text: str) -> None:
        if result["doc_id"] == last:
            raise ValueError("chart exploded")

    monkeypatch.setattr(batch_outputs, "PART_MIN_DOCUMENTS", 2)
    monkeypatch.setattr(ReportWriter, "add", add)
    warnings: list[str] = []
    batch_outputs.write_outputs(results, {}, tmp_path, "v", warnings, processes=2)
    assert len(warnings) == 1 and "chart exploded" in warnings[0]
    assert not (tmp_path / "report").exists() and (tmp_path / "comparison.xlsx").is_file()
    assert len((tmp_path / "documents.jsonl").read_text("utf-8").splitlines()) == len(results)


WRITE_IN_A_FRESH_PROCESS = """import json, sys
from pathlib import Path
from outputs.tables import arrow_without_pandas, write_tables
if sys.argv[3] == "hidden":
    arrow_without_pandas()
results = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
write_tables(results, Path(sys.argv[2]))
written_with_pandas = "pandas" in sys.modules
import pyarrow.parquet as pq
frame = pq.read_table(Path(sys.argv[2]) / "figures.parquet").to_pandas()
print(json.dumps([written_with_pandas, len(frame)]))
"""


@pytest.mark.parametrize("mode", ["hidden", "as is"])
def test_a_writer_child_writes_parquet_without_importing_pandas(
    demo_run: tuple[Path, list[dict]], tmp_path: Path, mode: str
) -> None:
    """pyarrow imports pandas (54 MB) on its first conversion unless told it is absent;
    told so, the tables are the same and `to_pandas` still works."""
    out, results = demo_run
    (tmp_path / "out").mkdir()
    args = [str(out / "documents.jsonl"), str(tmp_path / "out"), mode]
    proc = subprocess.run(
        [sys.executable, "-c", WRITE_IN_A_FRESH_PROCESS, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    with_pandas, rows = json.loads(proc.stdout)
    assert with_pandas is (mode == "as is")
    assert rows == sum(len(r["figures"]) for r in results)
    for name in data_dictionary():
        written = pq.read_table(tmp_path / "out" / f"{name}.parquet")
        assert written.equals(pq.read_table(out / f"{name}.parquet")), name


def _record_niceness(folder: Path, warnings: list[str]) -> None:
    (folder / "niceness").write_text(str(os.nice(0)))


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities")
def test_side_by_side_the_lead_job_keeps_its_priority(tmp_path: Path) -> None:
    """The workbook, one job that cannot be split, is not slowed by the parts beside it."""
    from pipeline.batch import outputs as batch_outputs

    base = os.nice(0)
    nicer = min(base + batch_outputs.BESIDE_LEAD_NICENESS, 19) - base
    for side_by_side, expected in (
        (True, {"a": nicer, "lead": 0, "b": nicer}),
        (False, {"a": 0, "lead": 0, "b": 0}),
    ):
        root = tmp_path / str(side_by_side)
        root.mkdir()
        names = ("a", "lead", "b")
        jobs = [(_record_niceness, root / name) for name in names]
        batch_outputs._run_jobs(jobs, side_by_side=side_by_side, lead=root / "lead")
        got = {name: int((root / name / "niceness").read_text()) - base for name in names}
        assert got == expected
