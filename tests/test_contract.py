"""`edu-audit check --format json` on the shared corpus prints the contract of DESIGN.md §3."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.document import KINDS, META_KEYS
from tests.conftest import CORPUS_FILES

NUMBER = (int, float)


@pytest.fixture(scope="module")
def results() -> list[dict]:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "check",
            "--format",
            "json",
            *map(str, CORPUS_FILES),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_every_document_ok_with_the_contract_fields(results):
    assert len(results) == len(CORPUS_FILES)
    for doc in results:
        assert doc["schema_version"] == 1 and doc["status"] == "ok" and doc["error"] is None
        assert len(doc["doc_id"]) == 16 and int(doc["doc_id"], 16) >= 0
        assert set(doc["meta"]) - {"inferred"} == set(META_KEYS) and doc["meta"]["kind"] in KINDS
        assert set(doc["meta"].get("inferred") or []) <= {"city", "province"}
        assert {"indicators", "figures", "findings"} <= set(doc)


def test_items_carry_values_and_evidence(results):
    for doc in results:
        for ind in doc["indicators"]:
            assert ind["level"] in ("all", "primary", "junior") and ind["code"].isdigit()
            assert ind["value"] is None or isinstance(ind["value"], NUMBER)
            assert ind["meets_standard"] in (True, False, None)
            assert ind["evidence"]["text"] and ind["evidence"]["start"] <= ind["evidence"]["end"]
        for fig in doc["figures"]:
            assert isinstance(fig["value"], NUMBER) and fig["start"] < fig["end"] and fig["text"]
            assert isinstance(fig["is_target"], bool)
        for finding in doc["findings"]:
            assert finding["severity"] in ("error", "warning", "info")
            assert finding["message"] and finding["formula"] and finding["rule"].islower()
            assert finding["evidence"]["text"]


def test_offsets_index_the_ingested_text(results):
    from pipeline.ingest.files import ingest_path

    for path, doc in zip(CORPUS_FILES, results, strict=True):
        text = ingest_path(path).text
        for fig in doc["figures"]:
            assert text[fig["start"] : fig["end"]] in fig["text"]


def test_every_kind_has_a_chinese_label():
    from pipeline.labels import KIND_LABEL

    assert set(KIND_LABEL) == set(KINDS)
