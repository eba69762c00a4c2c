"""What a new user met on a first try, each fixed: usage errors, stdin, odd `run` arguments,
Ctrl-C during start-up, Chinese help with examples, readable `check` text, `ingest --blocks`."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import CORPUS_FILES

ROOT = Path(__file__).resolve().parents[1]
REPORT = "江北区现有义务教育学校48所，其中小学31所、初中15所、特殊教育学校1所。\n"


def cli(
    *args: str, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("argument", "says"),
    [
        ("missing.txt", "找不到文件"),
        (".", "是目录"),
        ("https://www.example.gov.cn/report.html", "是网址"),
    ],
)
@pytest.mark.parametrize("fail_on", [[], ["--fail-on", "error"]])
def test_check_on_what_it_cannot_read_is_a_usage_error(argument, says, fail_on, capsys) -> None:
    assert main(["check", argument, *fail_on]) == 2
    err = capsys.readouterr().err
    assert says in err and "No such file" not in err and "Traceback" not in err


def test_check_dash_reads_standard_input(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(REPORT.encode("utf-8"))))
    assert main(["check", "-", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"rule": "sum_mismatch"' in out and '"path": "stdin.txt"' in out


def test_run_into_an_existing_file_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "a.txt").write_text(REPORT, encoding="utf-8")
    target = tmp_path / "out.txt"
    target.write_text("x")
    assert main(["run", str(tmp_path), "-o", str(target)]) == 2
    assert "已存在且是文件" in capsys.readouterr().err and target.read_text() == "x"


def test_run_on_a_file_says_to_use_check(tmp_path, capsys) -> None:
    report = tmp_path / "a.txt"
    report.write_text(REPORT, encoding="utf-8")
    assert main(["run", str(report), "-o", str(tmp_path / "out")]) == 2
    assert "edu-audit check" in capsys.readouterr().err


def test_run_on_a_corpus_without_supported_files_writes_nothing(tmp_path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.xlsx").write_bytes(b"PK\x03\x04")
    out = tmp_path / "out"
    assert main(["run", str(corpus), "-o", str(out)]) == 2
    assert "没有可审核的文件" in capsys.readouterr().err and not out.exists()


def test_ctrl_c_during_start_up_ends_quietly() -> None:
    """SIGINT while the command imports its heavy libraries (spaCy, pandas): no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "pipeline.cli", "check", str(CORPUS_FILES[0])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    for line in proc.stderr:  # -X importtime reports each module once it is imported
        if re.search(r"\|\s*pipeline\.crawler$", line.rstrip()):
            break  # main() is building its parser: what follows are the command's imports
    time.sleep(0.05)  # `check` may finish within half a second: interrupt its imports early
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and "已中断" in err
    # 130, or ended by the signal itself when Python re-raises it on the way out: a shell
    # reports both as 130
    assert proc.returncode in (130, -signal.SIGINT)


@pytest.mark.parametrize("command", [[], ["check"], ["run"], ["review"], ["ingest"], ["synth"]])
def test_help_is_chinese_with_examples(command, capsys) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "示例" in out and "edu-audit" in out
    assert "show this help" not in out and "positional arguments" not in out


def test_argparse_errors_are_chinese(capsys) -> None:
    assert main(["run", "corpus"]) == 2
    assert "缺少参数：-o/--out" in capsys.readouterr().err


def test_check_text_puts_findings_first_with_rule_names_and_line_numbers(
    monkeypatch, capsys
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["check", str(CORPUS_FILES[3])]) == 0
    out = capsys.readouterr().out
    first_finding, table = out.index("分项之和与合计不符 [sum_mismatch]"), out.index("国家指标")
    assert first_finding < table, "findings before the indicator table"
    assert "第5行" in out[first_finding : first_finding + 80]
    assert "…" not in out, "nothing cut to the terminal width"
    assert "每百名学生拥有高于规定学历教师数" in out or "高于规定学历教师数" in out


def test_ingest_blocks_gives_pages_only_when_there_are_pages(tmp_path) -> None:
    report = tmp_path / "a.txt"
    report.write_text(REPORT, encoding="utf-8")
    run = cli("ingest", str(report), "--blocks")
    assert run.returncode == 0 and "pNone" not in run.stdout and "[paragraph 0-" in run.stdout


class InterruptedFinaliser:
    """A finaliser that Ctrl-C reaches half-way through."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        deadline = time.monotonic() + 0.1
        while time.monotonic() < deadline:
            pass


def test_ctrl_c_in_a_finaliser_interrupts_once_it_returns() -> None:
    from pipeline.cli import _interrupt

    previous = signal.signal(signal.SIGINT, _interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            InterruptedFinaliser()
            time.sleep(2)
    finally:
        signal.signal(signal.SIGINT, previous)
