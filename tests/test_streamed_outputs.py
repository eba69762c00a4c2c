"""A streamed run writes the same tables as the writer that built whole-corpus frames.

The reference below is that writer as it was (documents.jsonl in one go, one pandas frame per
table, `to_csv` and `to_parquet`): on the demo corpus the CSV and JSONL files are byte-identical
and every Parquet table reads back as the same frame with the same types.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from outputs.tables import (
    TABLES,
    TableWriter,
    arrow_safe,
    documents_frame,
    items_frame,
    spreadsheet_safe,
    write_jsonl,
    write_tables,
)
from pipeline.batch.run import run_corpus
from pipeline.synth import generate


def reference_tables(results: list[dict], out_dir: Path) -> None:
    """The tables as the frame-based writer wrote them."""
    write_jsonl(results, out_dir / "documents.jsonl")
    frames = {"documents": documents_frame(results)}
    for name, (key, columns) in TABLES.items():
        frames[name] = items_frame(results, key, columns)
        spreadsheet_safe(frames[name]).to_csv(
            out_dir / f"{name}.csv", index=False, encoding="utf-8-sig", lineterminator="\n"
        )
    for name, frame in frames.items():
        arrow_safe(frame).to_parquet(out_dir / f"{name}.parquet", index=False)


def assert_same_tables(ours: Path, reference: Path) -> None:
    for name in ("documents.jsonl", *(f"{n}.csv" for n in TABLES)):
        assert (ours / name).read_bytes() == (reference / name).read_bytes(), name
    for name in ("documents", *TABLES):
        a = pd.read_parquet(ours / f"{name}.parquet")
        b = pd.read_parquet(reference / f"{name}.parquet")
        assert list(a.dtypes) == list(b.dtypes), name
        pd.testing.assert_frame_equal(a, b)
    assert not list(ours.glob(".*.rows.pickle"))  # the spilled rows are gone


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("demo")
    generate(12, root / "corpus", seed=0)
    run_corpus(root / "corpus", root / "out", workers=2, progress=False)
    lines = (root / "out" / "documents.jsonl").read_text("utf-8").splitlines()
    return root / "out", [json.loads(line) for line in lines]


def test_streamed_run_writes_what_the_frame_writer_wrote(
    demo_run: tuple[Path, list[dict]], tmp_path: Path
) -> None:
    out, results = demo_run
    assert sum(len(r["findings"]) for r in results) > 0
    reference_tables(results, tmp_path)
    assert_same_tables(out, tmp_path)


@pytest.mark.parametrize("csv_batch, parquet_batch", [(1, 1), (2, 7), (64, 50_000)])
def test_batch_sizes_change_no_byte(
    demo_run: tuple[Path, list[dict]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    csv_batch: int,
    parquet_batch: int,
) -> None:
    _, results = demo_run
    monkeypatch.setattr(TableWriter, "SPILL_BATCH", csv_batch)
    monkeypatch.setattr(TableWriter, "ROWS_BATCH", parquet_batch)
    (tmp_path / "ours").mkdir()
    (tmp_path / "ref").mkdir()
    write_tables(iter(results), tmp_path / "ours")
    reference_tables(results, tmp_path / "ref")
    assert_same_tables(tmp_path / "ours", tmp_path / "ref")


def test_empty_and_one_document(tmp_path: Path, demo_run: tuple[Path, list[dict]]) -> None:
    _, results = demo_run
    for n, subset in enumerate(([], results[:1], [r for r in results if not r["findings"]])):
        ours, ref = tmp_path / f"o{n}", tmp_path / f"r{n}"
        ours.mkdir(), ref.mkdir()
        write_tables(subset, ours)
        reference_tables(subset, ref)
        assert_same_tables(ours, ref)
