"""`edu-audit explain`: the mentions, relations, refusals and findings behind one sentence."""

from __future__ import annotations

from pipeline.cli import main
from pipeline.explain import explain_path

TEXT = "全区义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。\n全区毛入学率为103.2%。\n"


def test_explain_shows_mentions_relation_and_finding(tmp_path, capsys) -> None:
    path = tmp_path / "report.txt"
    path.write_text(TEXT, "utf-8")
    assert main(["explain", str(path), "--sentence", "1"]) == 0
    out = capsys.readouterr().out
    assert "31所  值=31 单位=所" in out and "名称=小学" in out and "学段=小学" in out
    assert "sum（partition）" in out and "total=48所；parts=31所 + 15所 + 1所" in out
    assert "sum_mismatch error：31 + 15 + 1 = 47 ≠ 48所" in out


def test_explain_records_why_a_candidate_was_refused(tmp_path, capsys) -> None:
    path = tmp_path / "report.txt"
    path.write_text(TEXT, "utf-8")
    offset = TEXT.index("103.2")
    assert main(["explain", str(path), "--at", str(offset)]) == 0
    out = capsys.readouterr().out
    assert "shares @" in out and "毛入学（园）率可超过100%" in out
    assert "关系（relations，按陈述句读取）：\n  （无）" in out


def test_explain_without_a_sentence_lists_the_sentences_with_numbers(tmp_path, capsys) -> None:
    path = tmp_path / "report.txt"
    path.write_text(TEXT, "utf-8")
    assert main(["explain", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["1", "2"]
    assert main(["explain", str(path), "--sentence", "9"]) == 0
    assert "超出范围" in capsys.readouterr().out


def test_a_repeated_statement_shows_where_its_finding_is_reported(tmp_path) -> None:
    sentence = "全省共有专任教师6.62万人，比上年增加0.38万人，增长6.11%"
    path = tmp_path / "repeat.txt"
    path.write_text(f"{sentence}，今天我们就来聊一聊。\n\n{sentence}。\n", "utf-8")
    first, last = explain_path(str(path), sentence=1), explain_path(str(path), sentence=2)
    assert "只在最后一处报告" in first and "growth_mismatch" in first
    assert "growth_mismatch" in last and "只在最后一处报告" not in last
