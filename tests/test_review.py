"""Review decisions: stable finding ids, and confirm/dismiss carried into every output of later runs.

A real run over two small reports (each with findings), a decision recorded through the CLI,
then re-runs: unchanged, and after one document changed (the finding whose sentence changed
comes back open, the others keep their decisions).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from pipeline.batch.run import run_corpus
from pipeline.cli import main
from pipeline.review import assign_ids, load_decisions

JIANGBEI = """重庆市江北区义务教育优质均衡发展自查自评报告
江北区现有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。
上年度交流轮岗教师210名，其中骨干教师47名，占交流教师总数的25%。
"""
DAZU = """重庆市大足区义务教育优质均衡发展自查自评报告
大足区现有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。
全区教职工3200人，其中专任教师3350人。
"""


def finding(rule: str, text: str) -> dict:
    return {"rule": rule, "severity": "error", "evidence": {"start": 0, "end": 1, "text": text}}


def test_finding_ids_depend_on_document_rule_and_sentence_only() -> None:
    a = {"doc_id": "a" * 16, "findings": [finding("sum_mismatch", "甲。"), finding("sum_mismatch", "甲。"),
                                          finding("percent_mismatch", "甲。"), finding("sum_mismatch", "乙。")]}  # fmt: skip
    ids = [f["id"] for f in assign_ids(a)["findings"]]
    assert len(set(ids)) == 4, "same rule and sentence twice still gives two ids"
    moved = {"doc_id": "a" * 16, "findings": [{**f, "evidence": {"start": 50, "end": 60,
             "text": f["evidence"]["text"]}} for f in a["findings"]]}  # fmt: skip
    assert [f["id"] for f in assign_ids(moved)["findings"]] == ids, "offsets do not matter"
    other = {"doc_id": "b" * 16, "findings": [dict(f) for f in a["findings"]]}
    assert not {f["id"] for f in assign_ids(other)["findings"]} & set(ids)


def rows_by_id(out: Path) -> dict[str, dict]:
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text("utf-8").splitlines()]
    return {
        f["id"]: {**f, "path": d["path"], "doc_id": d["doc_id"]}
        for d in docs
        for f in d["findings"]
    }


def review_everywhere(out: Path) -> dict[str, dict[str, str]]:
    """finding id → its review state as each output shows it."""
    states: dict[str, dict[str, str]] = {}
    for fid, f in rows_by_id(out).items():
        states.setdefault(fid, {})["jsonl"] = f["review"]
    csv = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    for fid, state in zip(csv.finding_id, csv.review, strict=True):
        states[fid]["csv"] = state
    parquet = pd.read_parquet(out / "findings.parquet")
    for fid, state in zip(parquet.finding_id, parquet.review, strict=True):
        states[fid]["parquet"] = state
    con = sqlite3.connect(out / "audit.sqlite")
    for fid, state in con.execute("SELECT finding_id, review FROM findings"):
        states[fid]["sqlite"] = state
    con.close()
    sheet = load_workbook(out / "comparison.xlsx")["问题清单"]
    head = [c.value for c in sheet[1]]
    labels = {"待复核": "open", "已确认": "confirmed", "已排除": "dismissed"}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        states[row[head.index("问题编号")]]["xlsx"] = labels[row[head.index("复核")]]
    for page in (out / "report").glob("*.html"):
        for li in BeautifulSoup(page.read_text("utf-8"), "lxml").select("ol.findings li"):
            state = next(c for c in li["class"] if c.startswith("review-")).removeprefix("review-")
            states[li["data-id"]]["html"] = state
    return states


def assert_state(states: dict, fid: str, state: str) -> None:
    outputs = ("jsonl", "csv", "parquet", "sqlite", "xlsx", "html")
    assert states[fid] == dict.fromkeys(outputs, state), fid


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    corpus, out = tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("out")
    (corpus / "jiangbei.txt").write_text(JIANGBEI, encoding="utf-8")
    (corpus / "dazu.txt").write_text(DAZU, encoding="utf-8")
    run_corpus(corpus, out, workers=1, progress=False)
    by_rule = {(Path(f["path"]).stem, f["rule"]): fid for fid, f in rows_by_id(out).items()}
    ids = {
        "jb_sum": by_rule[("jiangbei", "sum_mismatch")],
        "jb_percent": by_rule[("jiangbei", "percent_mismatch")],
        "dz_sum": by_rule[("dazu", "sum_mismatch")],
    }
    assert main(["review", str(out), ids["jb_sum"][:8], "--dismiss", "--note", "九年一贯制重复计数", "--reviewer", "张三"]) == 0  # fmt: skip
    assert main(["review", str(out), ids["jb_percent"], "--confirm"]) == 0
    assert main(["review", str(out), ids["dz_sum"], "--confirm"]) == 0
    return corpus, out, ids


def test_the_review_command_writes_the_reviews_table_at_once(reviewed) -> None:
    _, out, ids = reviewed
    con = sqlite3.connect(out / "audit.sqlite")
    rows = dict(con.execute("SELECT finding_id, decision FROM reviews").fetchall())
    who = con.execute("SELECT reviewer, note, reviewed_at FROM reviews WHERE finding_id = ?",
                      (ids["jb_sum"],)).fetchone()  # fmt: skip
    con.close()
    assert rows == {
        ids["jb_sum"]: "dismissed",
        ids["jb_percent"]: "confirmed",
        ids["dz_sum"]: "confirmed",
    }
    assert who[:2] == ("张三", "九年一贯制重复计数") and who[2].startswith("20")
    assert [d.decision for d in load_decisions(out)] == ["dismissed", "confirmed", "confirmed"]


def test_a_rerun_carries_every_decision_into_every_output(reviewed) -> None:
    corpus, out, ids = reviewed
    run_corpus(corpus, out, workers=1, progress=False)
    states = review_everywhere(out)
    assert_state(states, ids["jb_sum"], "dismissed")
    assert_state(states, ids["jb_percent"], "confirmed")
    assert_state(states, ids["dz_sum"], "confirmed")
    others = set(states) - set(ids.values())
    assert others and all(states[f]["csv"] == "open" for f in others)
    page = next(p for p in (out / "report").glob("*.html") if ids["jb_sum"] in p.read_text("utf-8"))
    item = BeautifulSoup(page.read_text("utf-8"), "lxml").select_one(
        f'li[data-id="{ids["jb_sum"]}"]'
    )
    assert "九年一贯制重复计数" in item.get_text() and "已排除" in item.get_text()
    sheet = load_workbook(out / "comparison.xlsx")["问题清单"]
    head = [c.value for c in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[head.index("问题编号")].value == ids["jb_sum"]
    )
    assert row[head.index("复核备注")].value == "九年一贯制重复计数"
    assert row[head.index("说明")].font.color.rgb == "FF8A8A8A", "a dismissed row is greyed"


def test_after_a_document_changed_only_the_changed_sentence_comes_back_open(reviewed) -> None:
    corpus, out, ids = reviewed
    changed = JIANGBEI.replace("骨干教师47名", "骨干教师46名")  # the percent sentence changes
    (corpus / "jiangbei.txt").write_text(changed, encoding="utf-8")
    run_corpus(corpus, out, workers=1, progress=False)
    found = rows_by_id(out)
    by_rule = {(Path(f["path"]).stem, f["rule"]): fid for fid, f in found.items()}
    new_sum, new_percent = (
        by_rule[("jiangbei", "sum_mismatch")],
        by_rule[("jiangbei", "percent_mismatch")],
    )
    assert new_sum != ids["jb_sum"], "a new document version gives new ids"
    states = review_everywhere(out)
    assert_state(states, new_sum, "dismissed")  # same sentence in the same file: carried over
    assert_state(states, new_percent, "open")  # its sentence changed: open again
    assert_state(states, ids["dz_sum"], "confirmed")  # the other document is untouched
    con = sqlite3.connect(out / "audit.sqlite")
    in_force = dict(con.execute("SELECT finding_id, decision FROM reviews").fetchall())
    con.close()
    assert in_force == {new_sum: "dismissed", ids["dz_sum"]: "confirmed"}


def test_review_command_errors_are_usage_errors_in_chinese(reviewed, tmp_path, capsys) -> None:
    _, out, _ = reviewed
    assert main(["review", str(out), "ffffffffffff", "--dismiss"]) == 2
    assert "找不到问题编号" in capsys.readouterr().err
    assert main(["review", str(tmp_path), "ffffffffffff", "--dismiss"]) == 2
    assert "请先运行 edu-audit run" in capsys.readouterr().err
    assert main(["review", str(out), "ffff"]) == 2  # no decision given
    assert "--dismiss" in capsys.readouterr().err


def test_review_without_an_id_lists_every_finding_with_its_state(reviewed, capsys) -> None:
    _, out, ids = reviewed
    assert main(["review", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0]: line for line in lines[1:]}
    assert len(listed) == len(rows_by_id(out))
    assert "已确认" in listed[ids["dz_sum"]] and "分项之和与合计不符" in listed[ids["dz_sum"]]


def test_district_option_restricts_a_run(reviewed, tmp_path, capsys) -> None:
    corpus, _, _ = reviewed
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out), "--district", "大足区", "--no-progress", "--workers", "1"]) == 0  # fmt: skip
    districts = {json.loads(line)["meta"]["district"] for line in (out / "documents.jsonl").open()}
    assert districts == {"大足区"}
    assert [p.name for p in (out / "report" / "district").iterdir()] == ["大足区.html"]
    capsys.readouterr()
    assert main(["run", str(corpus), "-o", str(out), "--district", "渝北", "--no-progress"]) == 0
    said = capsys.readouterr().out
    assert "没有区县为 渝北 的文档" in said and "大足区" in said and "江北区" in said
