"""The generated demo corpus: deterministic, every format ingests, and the audit finds every
injected inconsistency and flags nothing else at error level.

Known gaps of the extractor/engine on phrasings real reports use are listed in KNOWN_GAPS: the
key test leaves those cases out and prints them, and each gap has its own strict xfail below, so
it turns red the day the engine is fixed and the exclusion can go.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from pipeline.audit import audit_path
from pipeline.ingest.files import ingest_path
from pipeline.synth import generate
from tests.synth_eval import Evaluation, audit_corpus, evaluate, report

N = 30

# Each gap: (what the engine misses, predicate on a missed injection / an unexpected finding /
# a document's ground-truth meta). Reported to the engine's authors; see the xfail tests.
KNOWN_GAPS: dict = {}
KNOWN_FALSE_ERRORS: dict = {}
KNOWN_META_GAPS: dict = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    generate(N, folder, seed=0)
    return folder


@pytest.fixture(scope="module")
def evaluation(corpus) -> tuple[dict, dict, Evaluation]:
    truth, results = audit_corpus(corpus)
    return truth, results, evaluate(truth, results)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes(tmp_path):
    generate(8, tmp_path / "a", seed=7)
    generate(8, tmp_path / "b", seed=7)
    generate(8, tmp_path / "c", seed=8)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert digests(tmp_path / "a") != digests(tmp_path / "c")


def test_formats_kinds_and_encodings(corpus):
    import json

    truth = json.loads((corpus / "ground_truth.json").read_text("utf-8"))
    docs = truth["documents"]
    formats = Counter(d["format"] for d in docs)
    assert set(formats) == {"html", "txt", "pdf", "docx"}
    assert formats["html"] >= formats["txt"] >= formats["pdf"]
    kinds = Counter(d["meta"]["kind"] for d in docs)
    assert kinds["quality_balance_self_assessment"] > kinds["duty_performance_self_assessment"] > 0
    assert 1 <= kinds["implementation_plan"] <= 2
    assert {"gb18030", "utf-8"} <= {d["encoding"] for d in docs}
    with_injections = sum(1 for d in docs if d["injected"])
    assert N * 0.4 <= with_injections <= N * 0.6
    assert all(1 <= len(d["injected"]) <= 2 for d in docs if d["injected"])
    assert not any(d["injected"] for d in docs if d["meta"]["kind"] == "implementation_plan")
    gb_html = next(
        corpus / d["file"] for d in docs if d["format"] == "html" and d["encoding"] == "gb18030"
    )
    assert b'charset="gb2312"' in gb_html.read_bytes()


def test_every_file_ingests_ok(corpus):
    files = [p for p in corpus.iterdir() if p.suffix in (".txt", ".html", ".pdf", ".docx")]
    assert len(files) == N
    for path in files:
        doc = ingest_path(path)
        assert doc.status == "ok", (path.name, doc.error)
        assert "教育" in doc.text, path.name


def test_every_injection_found_and_no_other_errors(evaluation):
    truth, results, ev = evaluation
    print()
    print(report(ev))
    missed = [(f, inj) for f, inj in ev.missed if not _known(inj, KNOWN_GAPS)]
    false_errors = [
        (file, f)
        for file, f in ev.unexpected
        if f["severity"] == "error" and not _known(f, KNOWN_FALSE_ERRORS)
    ]
    print(f"known engine gaps left out: {len(ev.missed) - len(missed)} missed")
    assert all(s == "ok" for s in ev.statuses.values()), ev.statuses
    assert not missed, missed
    assert not false_errors, false_errors
    assert len(ev.found) >= 0.8 * (len(ev.found) + len(ev.missed))


def test_extraction_against_ground_truth(evaluation):
    truth, results, ev = evaluation
    wrong = []
    for doc in truth["documents"]:
        meta = results[doc["file"]]["meta"]
        if meta["kind"] != doc["meta"]["kind"]:
            wrong.append((doc["file"], "kind", meta["kind"]))
        if meta["district"] != doc["meta"]["district"] and not _known(doc["meta"], KNOWN_META_GAPS):
            wrong.append((doc["file"], "district", meta["district"]))
    print(
        f"\nindicator values: precision {ev.precision:.1%}, recall {ev.recall:.1%} "
        f"({ev.values_correct} right of {ev.values_extracted} extracted, {ev.values_true} written)"
    )
    assert not wrong, wrong


def _known(item: dict, gaps: dict) -> bool:
    return any(test(item) for test in gaps.values())


# ---------------------------------------------------------------------------------------------
# Known gaps on phrasings real reports use, one small case each (strict: fix → remove the gap).


def _audit_text(tmp_path: Path, text: str, name: str = "case.txt") -> dict:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return audit_path(path)


def test_growth_after_tongbi(tmp_path):
    result = _audit_text(
        tmp_path,
        "星河区义务教育优质均衡发展自查自评报告\n\n2023年，全县一般公共预算教育支出262202.73万元，"
        "同比增加14683.35万元，增长8.9%。\n",
    )
    assert any(f["rule"] == "growth_mismatch" for f in result["findings"])


def test_primary_value_after_school_label(tmp_path):
    result = _audit_text(
        tmp_path,
        "云溪县义务教育优质均衡发展自查自评报告\n\n（一）资源配置\n"
        "指标107：每百名学生拥有网络多媒体教室数。\n"
        "全县义务教育学校小学为2.14间，初中为3.60间。达标学校62所，不达标小学2所，达标比例96.9%。\n"
        "自评结论：整改后达标。\n",
    )
    values = {(i["code"], i["level"]): i["value"] for i in result["indicators"]}
    assert values.get(("107", "primary")) == 2.14


def test_district_after_guanyu(tmp_path):
    result = _audit_text(
        tmp_path,
        "关于芦荻县县域义务教育优质均衡发展自查自评情况的报告\n\n芦荻县现有义务教育学校20所。\n",
    )
    assert result["meta"]["district"] == "芦荻县"


def test_district_before_tuijin(tmp_path):
    result = _audit_text(
        tmp_path,
        "锦屏区推进县域义务教育优质均衡发展实施方案\n为推动全区义务教育优质均衡发展，制定本方案。\n",
    )
    assert result["meta"]["district"] == "锦屏区"


def test_section_heading_not_veto(tmp_path):
    result = _audit_text(
        tmp_path,
        "星河区义务教育优质均衡发展自查自评报告\n\n二、指标达标情况\n（一）资源配置\n"
        "指标一：每百名学生拥有高于规定学历教师数。\n"
        "全区小学为5.12人，初中为6.03人。达标学校38所，不达标小学1所，达标比例97.4%。\n"
        "自评结论：整改后达标。\n"
        "指标二：每百名学生拥有县级及以上骨干教师数。\n"
        "全区小学为1.52人，初中为1.63人。达标学校39所，达标比例100%。\n自评结论：达标。\n",
    )
    assert not any(i["code"] == "501" for i in result["indicators"])
    assert not any(f["rule"] == "conclusion_contradicts" for f in result["findings"])


def test_shares_in_next_sentence(tmp_path):
    result = _audit_text(
        tmp_path,
        "星河区义务教育优质均衡发展自查自评报告\n\n指标302：残疾儿童少年入学率（自评达标）。"
        "全县适龄残疾儿童少年276人，入学272人，入学率98.6%。其中，在特殊教育学校就读154人、"
        "占比56.6%，随班就读60人、占比22.1%，送教上门58人、占比21.3%。\n",
    )
    assert not [f for f in result["findings"] if f["severity"] == "error"]


def test_equipment_value_in_yuan(tmp_path):
    result = _audit_text(
        tmp_path,
        "星河区义务教育优质均衡发展自查自评报告\n\n（一）资源配置\n（6）生均教学仪器设备值。\n"
        "标准：小学达到2000元以上、初中达到2500元以上。区域内小学、初中分别为1880元、4025元。"
        "73所学校均达标。\n自评结论：达标。\n",
    )
    values = {(i["code"], i["level"]): i["value"] for i in result["indicators"]}
    assert values.get(("106", "primary")) == 1880
    assert any(f["rule"] == "conclusion_contradicts" for f in result["findings"])
