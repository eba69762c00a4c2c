"""The spaCy adapter gives what the plain function chain gives, on a real document."""

from __future__ import annotations

import pytest
import spacy

from pipeline.engine import check_document
from pipeline.extract import extract
from pipeline.extract.nlp import COMPONENTS, analyse
from pipeline.ingest.files import ingest_bytes, ingest_path
from tests.conftest import CORPUS_FILES


@pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not available")
@pytest.mark.parametrize("variant", ["report", "text_table"])
def test_spacy_pipeline_and_extract_agree(variant: str) -> None:
    document = ingest_path(CORPUS_FILES[0])
    if variant == "text_table":  # coefficients read from a table written as text
        names = " | ".join(
            ["每百名学生拥有高于规定学历教师数", "生均教学及辅助用房面积", "生均体育运动场馆面积"]
        )
        table = f"{names} |\n小学 | 差异系数 | 0.61 | 0.40 | 0.52 |\n"
        document = ingest_bytes(table.encode("utf-8"), "table.txt")
    plain = extract(document)
    findings = check_document(document, plain)
    doc = analyse(document)
    assert len(doc) == 0  # nothing tokenised that nothing reads
    assert doc._.meta == plain.meta
    assert [f.to_dict(document) for f in doc._.figures] == [
        f.to_dict(document) for f in plain.figures
    ]
    assert [(i.code, i.level, i.start) for i in doc._.indicators] == [
        (i.code, i.level, i.start) for i in plain.indicators
    ]
    assert [f.to_dict(document) for f in doc._.findings] == [f.to_dict(document) for f in findings]
    assert findings  # the document has findings, so the comparison means something


def test_blank_pipeline_with_added_pipes_reads_plain_text() -> None:
    text = "全县共有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。"
    nlp = spacy.blank("zh")
    for name in COMPONENTS:
        nlp.add_pipe(name)
    doc = nlp(text)
    assert [f.rule for f in doc._.findings] == ["sum_mismatch"]
    assert nlp.get_pipe_meta("edu_engine").assigns == ["doc._.findings"]
