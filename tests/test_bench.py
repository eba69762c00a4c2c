"""Smoke test of `benchmarks/pipeline.py`: every stage it times still exists under the name it
wraps, one report goes through the timed path, and the goals table renders (a few seconds; the
full benchmark is `make bench`)."""

from __future__ import annotations

import importlib

from benchmarks import pipeline as bench


def test_every_timed_stage_is_found() -> None:
    for stage, targets in bench.STAGES.items():
        for module_name, attr in targets:
            assert callable(getattr(importlib.import_module(module_name), attr, None)), stage


def test_one_report_through_the_timed_path() -> None:
    text = bench.base_texts()[0]
    assert len(text) > bench.REPORT_CHARS // 2
    stages = bench.measure_stages([text.encode("utf-8")], "bench.txt", repeats=1)
    assert set(bench.AUDIT_STAGES) <= set(stages)
    assert stages["total"] >= sum(stages[s] for s in bench.AUDIT_STAGES) * 0.99
    html = bench.html_page(text, 7)
    assert b"2025-00007" in html
    assert bench.audit_once(html, "bench.html")[0].seconds["ingest"] > 0


def test_goals_are_judged_and_printed(capsys) -> None:
    stage = {s: 5.0 for s in bench.AUDIT_STAGES} | {"total": 35.0, "pages": 1}
    stages = {"txt": stage, "html": stage, "pdf": stage | {"pages": 7}}
    small = bench.RunFigures(300, {1: 10.0, 2: 5.5}, 0.4, 250, 240)
    big = bench.RunFigures(3000, {1: 100.0, 2: 55.0}, 3.0, 260, 240)
    fixed = {"python": 0.02, "help": 0.2, "check": 0.8, "worker": 0.5}
    rows = bench.goals(stages, [small, big], fixed, trafilatura=25.0)
    verdicts = {goal: met for goal, _, met in rows}
    assert verdicts["full audit TXT >= 50 documents/s per core"] is False  # 35 ms: 28.6/s
    assert verdicts["edu-audit --help < 0.3 s"] is True
    assert verdicts["warm re-run of 3000 >= 20x faster than cold"] is True
    bench.print_goals(rows)
    assert "FAIL" in capsys.readouterr().out


def test_stolen_share_is_the_hypervisors_part_of_the_ticks_between(monkeypatch) -> None:
    monkeypatch.setattr(bench, "cpu_ticks", lambda: (1_500, 130))
    assert bench.stolen_share((1_000, 80)) == "10.0%"
    assert bench.stolen_share(None) == "not known"
    assert bench.stolen_share((1_500, 130)) == "not known"  # no time passed


def test_paired_efficiency_is_two_loops_against_one() -> None:
    report = bench.base_texts()[0][:2000].encode("utf-8")
    one, two, pair = bench.paired_efficiency([report], "bench.txt", trials=1)
    assert one > 0 and two > 0 and pair == 2 * one / two
