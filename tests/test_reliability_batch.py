"""Batch runs that never lie: 200 mixed documents, a worker killed mid-document, one run per
OUT_DIR, a full disk, and byte-identical outputs for the same corpus."""

from __future__ import annotations

import errno
import os
import random
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline import batch
from pipeline.audit import audit_path
from pipeline.batch.lock import OutDirLock, OutDirLocked, RunError
from pipeline.batch.run import run_corpus
from pipeline.cli import main
from pipeline.ingest.files import Limits
from pipeline.labels import STATUS_LABEL
from pipeline.review import assign_ids
from tests import hostile
from tests.conftest import CORPUS_FILES
from tests.test_batch import documents, ingest_only, small_corpus
from tests.variants import pdf_bytes

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.fixture(autouse=True)
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the version key: the engine's code may be edited while these tests run."""
    monkeypatch.setattr(batch.run, "cache_version", lambda: "0123456789abcdef" * 4)


def good_documents(n: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """Windows of the real reports (300–700 characters), as TXT or as a simple HTML page."""
    texts = [p.read_text("utf-8") for p in CORPUS_FILES]
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        start = rng.randrange(0, max(1, len(text) - 1200))
        window = text[start : start + rng.randrange(300, 700)]
        if i % 3 == 0:
            paras = "".join(f"<p>{line}</p>" for line in window.splitlines() if line.strip())
            out.append((f"good_{i:03d}.html", f"<html><body>{paras}</body></html>".encode()))
        else:
            out.append((f"good_{i:03d}.txt", window.encode("utf-8")))
    return out


def broken_documents(n: int, rng: random.Random) -> list[tuple[str, bytes, str]]:
    """(name, bytes, expected status); `i` makes each unique so none is deduplicated."""
    pdf = pdf_bytes(CORPUS_FILES[3].read_text("utf-8")[:800])
    laughs, pages = hostile.billion_laughs_docx(), hostile.blank_pdf(450)
    cyclic, scan = hostile.cyclic_pdf(), hostile.scanned_pdf(2)
    makers = [
        ("empty.txt", lambda i: b" \n" * i, "empty"),
        ("junk.txt", lambda i: rng.randbytes(4000).replace(b"\0", b"\1"), "failed"),
        ("binary.txt", lambda i: bytes(range(256)) * 8 + bytes([i % 256]), "failed"),
        ("truncated.pdf", lambda i: pdf[: 200 + (37 * i) % (len(pdf) - 300)], "failed"),
        ("scripts.html", lambda i: b"<html><script>alert(%d)</script></html>" % i, "empty"),
        ("laughs.docx", lambda i: laughs + b"%d" % i, "failed"),
        ("disguised.docx", lambda i: b"PK\x03\x04" + bytes(60) + b"%d" % i, "unsupported"),
        ("legacy.doc", lambda i: OLE + bytes(500) + b"%d" % i, "unsupported"),
        ("pages.pdf", lambda i: pages + b"%d" % i, "failed"),
        ("cyclic.pdf", lambda i: cyclic + b"%d" % i, "needs_ocr"),
        ("scan.pdf", lambda i: scan + b"%d" % i, "needs_ocr"),
        ("big.txt", lambda i: hostile.PARA.encode() * 2500 + b"%d" % i, "failed"),
    ]
    out = []
    for i in range(n):
        name, make, status = makers[i % len(makers)]
        out.append((f"broken_{i:03d}_{name}", make(i), status))
    return out


def test_200_mixed_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(12)
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    good = good_documents(100, rng)
    broken = broken_documents(100, rng)
    for name, data in good:
        (corpus / name).write_bytes(data)
    for name, data, _ in broken:
        (corpus / name).write_bytes(data)
    if any(os.access(p, os.X_OK) for p in ("/usr/bin/soffice", "/usr/bin/libreoffice")):
        pytest.skip("LibreOffice installed: the legacy .doc junk would be converted, not refused")

    code = main(["run", str(corpus), "-o", str(out), "--workers", "2", "--no-progress",
                 "--max-mb", "0.25"])  # fmt: skip
    assert code == 0
    summary = capsys.readouterr().out
    results = {Path(d["path"]).name: d for d in documents(out)}
    assert len(results) == 200

    for name, _data, status in broken:
        assert results[name]["status"] == status, (name, results[name]["error"])
        assert results[name]["error"], name
    for name, _data in good:
        alone = assign_ids(audit_path(corpus / name, Limits(max_bytes=int(0.25 * 2**20))))
        in_run = dict(results[name])
        in_run["findings"] = [
            {k: v for k, v in f.items() if k != "review"}  # no decision recorded: all open
            for f in in_run["findings"]
            if f["rule"] != "corpus_mismatch"
        ]
        assert all(f["review"] == "open" for f in results[name]["findings"])
        assert in_run == alone, name

    expected = Counter(s for *_, s in broken) + Counter(results[name]["status"] for name, _ in good)
    assert "文档 200 份（本次处理 200，缓存复用 0）" in summary
    for status, count in expected.items():
        assert f"{STATUS_LABEL[status]} {count}" in summary, (status, summary)


# --- a worker killed mid-document ----------------------------------------------------------


def sleeps_on_victim(path: str, timeout: float | None = None) -> tuple[dict, str]:
    """Announces its pid on the victim file and waits to be killed."""
    if path.endswith("victim.txt"):
        Path(os.environ["EDU_AUDIT_TEST_PIDS"], str(os.getpid())).write_text("", "utf-8")
        time.sleep(60)
    return ingest_only(path, timeout)


def test_worker_killed_mid_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, out, pids = small_corpus(tmp_path / "c", n=3), tmp_path / "out", tmp_path / "pids"
    pids.mkdir()
    (corpus / "victim.txt").write_text("全区小学69所。", encoding="utf-8")
    monkeypatch.setenv("EDU_AUDIT_TEST_PIDS", str(pids))
    done, killed = threading.Event(), []

    def killer() -> None:  # kill -9 every worker that reaches the victim
        while not done.is_set():
            for entry in pids.iterdir():
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(entry.name)
                entry.unlink()
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        summary = run_corpus(corpus, out, workers=2, progress=False, worker=sleeps_on_victim)
    finally:
        done.set()
        thread.join()
    assert killed, "the victim was never reached"
    by_name = {Path(d["path"]).name: d for d in documents(out)}
    assert summary.documents == 5 and len(by_name) == 5
    assert by_name["victim.txt"]["status"] == "failed"
    assert "工作进程意外退出" in by_name["victim.txt"]["error"]
    assert all(d["status"] == "ok" for n, d in by_name.items() if n != "victim.txt")


# --- one run per OUT_DIR -------------------------------------------------------------------


def test_second_run_on_the_same_out_dir_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=1), tmp_path / "out"
    with OutDirLock(out):
        with pytest.raises(OutDirLocked, match=f"正被另一次运行使用（进程 {os.getpid()}"):
            run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
        code = main(["run", str(corpus), "-o", str(out), "--workers", "1", "--no-progress"])
        assert code == 3 and "请等待其结束，或换一个输出目录" in capsys.readouterr().err
        assert sorted(p.name for p in out.iterdir()) == [".lock"], "nothing written"
    summary = run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    assert summary.documents == 2  # the lock is free again once its holder is done


def test_lock_dies_with_its_process(tmp_path: Path) -> None:
    """A run killed with -9 leaves no stale lock: flock ends with the process."""
    import subprocess

    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; from pipeline.batch.lock import OutDirLock\n"
         f"with OutDirLock({str(out)!r}): print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutDirLocked, match=f"进程 {holder.pid}"), OutDirLock(out):
            pass
    finally:
        holder.kill()
        holder.wait()
    with OutDirLock(out):
        pass


# --- a full disk ---------------------------------------------------------------------------


def outputs_snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and ".cache" not in p.parts and p.name != ".lock"
    }


def no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_keeps_the_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    before = outputs_snapshot(out)
    (corpus / "new.txt").write_text("全区初中25所。", encoding="utf-8")

    import outputs.database

    monkeypatch.setattr(outputs.database.DatabaseWriter, "add", no_space)  # in a forked writer
    with pytest.raises(RunError, match="磁盘空间不足.*上次的输出保持不变"):
        run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    assert outputs_snapshot(out) == before and not (out / ".staging").exists()

    monkeypatch.setattr(batch.run, "process_file", ingest_only)
    code = main(["run", str(corpus), "-o", str(out), "--workers", "1", "--no-progress"])
    assert code == 3 and "磁盘空间不足" in capsys.readouterr().err
    assert outputs_snapshot(out) == before


@pytest.mark.parametrize("workers", [1, 2])  # cached by the run's process, or by pool workers
def test_full_disk_while_caching_stops_the_run_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    corpus, out = small_corpus(tmp_path / "c", n=2), tmp_path / "out"
    run_corpus(corpus, out, workers=1, progress=False, worker=ingest_only)
    before = outputs_snapshot(out)
    (corpus / "new.txt").write_text("全区初中25所。", encoding="utf-8")
    (corpus / "newer.txt").write_text("全区小学69所。", encoding="utf-8")
    monkeypatch.setattr(batch.cache, "atomic_write", no_space)
    with pytest.raises(RunError, match="磁盘空间不足"):
        run_corpus(corpus, out, workers=workers, progress=False, worker=ingest_only)
    assert outputs_snapshot(out) == before
    assert not list(out.rglob("*.tmp"))


# --- the same corpus, the same bytes -------------------------------------------------------


def test_same_corpus_gives_byte_identical_outputs(tmp_path: Path) -> None:
    """Two processes (one and two workers, different PYTHONHASHSEED so set orders differ, a
    second apart) write the same bytes, corpus findings across two reports of one district
    included; audit.sqlite differs only in table runs (when the run finished)."""
    import subprocess

    import regex

    corpus = tmp_path / "c"
    corpus.mkdir()
    text = CORPUS_FILES[3].read_text("utf-8")
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    changed = regex.sub(r"(\d+)(所|人|名|个|元)", lambda m: f"{int(m[1]) + 1}{m[2]}", text)
    (corpus / "b.txt").write_text(changed, encoding="utf-8")
    (corpus / "formula.txt").write_text(f"{hostile.FORMULA}\n{hostile.PARA}\n", encoding="utf-8")
    outs = []
    for seed, workers in (("1", "1"), ("2", "2")):
        out = tmp_path / f"out{seed}"
        subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", str(corpus), "-o", str(out),
             "--workers", workers, "--no-progress"],
            check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "PYTHONHASHSEED": seed},
        )  # fmt: skip
        outs.append(out)
    rules = [f["rule"] for d in documents(outs[0]) for f in d["findings"]]
    assert rules.count("corpus_mismatch") >= 2
    a, b = outputs_snapshot(outs[0]), outputs_snapshot(outs[1])
    assert a.keys() == b.keys() and "comparison.xlsx" in a and "report/index.html" in a
    assert [name for name in sorted(a) if a[name] != b[name]] == ["audit.sqlite"]
    dumps = []
    for out in outs:
        con = sqlite3.connect(out / "audit.sqlite")
        dumps.append([line for line in con.iterdump() if 'INSERT INTO "runs"' not in line])
        con.close()
    assert dumps[0] == dumps[1]
