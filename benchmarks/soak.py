"""Soak run: a large mixed corpus (1 in 10 broken or hostile) through `edu-audit run`.

    python benchmarks/soak.py -n 10000 --workers 2 --work /tmp/soak

1. generates N documents with the synthetic generator (TXT, HTML, PDF, DOCX) and replaces
   every tenth by a broken or hostile variant (truncated PDF, junk, empty file, zip bomb,
   entity bomb, cyclic PDF, huge page count, scripts only, mixed encodings, deep nesting);
2. runs `edu-audit run` uninterrupted into A, sampling the peak RSS of the run's process
   tree every 0.5 s (in the first and the last quarter of the run, to see it stay flat);
3. runs again into B, `kill -9`s the whole process group at a random moment, re-runs B to
   the end, and compares B's outputs with A's: same documents, none lost, none duplicated,
   byte-identical tables.

Prints one JSON object with the figures. Only the standard library, psutil-free (reads
/proc), so it runs wherever the project does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.synth import generate  # noqa: E402
from tests import hostile  # noqa: E402

COMPARED = ("documents.jsonl", "figures.csv", "indicators.csv", "findings.csv")


def broken_variants(rng: random.Random, good: bytes, i: int) -> tuple[str, bytes]:
    """One broken or hostile document; `i` makes its bytes unique (no deduplication)."""
    tag = f"<!-- {i} -->".encode()
    kind = rng.choice(
        [
            "truncated.pdf",
            "junk.txt",
            "empty.txt",
            "bomb.docx",
            "laughs.docx",
            "cyclic.pdf",
            "pages.pdf",
            "scripts.html",
            "mixed.html",
            "deep.html",
            "cut.txt",
        ]
    )
    if kind == "truncated.pdf":
        return kind, good[: max(200, len(good) // 3)] if good.startswith(
            b"%PDF"
        ) else b"%PDF-1.4\n" + tag
    if kind == "junk.txt":
        return kind, rng.randbytes(20_000).replace(b"\0", b"\1")
    if kind == "empty.txt":
        return kind, b"   \n" * (i % 5)
    if kind == "bomb.docx":
        return kind, hostile.zip_bomb_docx(
            220
        ) if i % 500 == 499 else hostile.billion_laughs_docx() + tag
    if kind == "laughs.docx":
        return kind, hostile.billion_laughs_docx() + tag
    if kind == "cyclic.pdf":
        return kind, hostile.cyclic_pdf() + tag
    if kind == "pages.pdf":
        return kind, hostile.blank_pdf(450) + tag
    if kind == "scripts.html":
        return kind, b"<html><body><script>alert(1)</script>" + tag + b"</body></html>"
    if kind == "mixed.html":
        return kind, b"<html><body><p>" + hostile.PARA.encode() + b"</p><p>" + hostile.PARA.encode(
            "gbk"
        ) + tag + b"</p></body></html>"
    if kind == "deep.html":
        return (
            kind,
            b"<html><body>" + b"<div>" * 3000 + hostile.PARA.encode() + tag + b"</body></html>",
        )
    return kind, good[: rng.randrange(1, max(2, len(good)))] + tag


def build_corpus(n: int, corpus: Path, seed: int) -> Counter:
    generate(n, corpus, seed=seed)
    rng = random.Random(seed)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".json")
    kinds: Counter = Counter()
    for i, path in enumerate(files):
        if i % 10 != 9:
            continue
        kind, data = broken_variants(rng, path.read_bytes(), i)
        path.unlink()
        path.with_name(f"broken_{i:05d}_{kind}").write_bytes(data)
        kinds[kind] += 1
    return kinds


def tree_rss_kib(pid: int) -> int:
    """Resident set size of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run(corpus: Path, out: Path, workers: int, kill_after: float | None = None) -> dict:
    """One `edu-audit run`; returns its wall time, exit code and RSS samples (KiB)."""
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(corpus), "-o", str(out)]
    cmd += ["--workers", str(workers), "--no-progress"]
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        elapsed = time.monotonic() - started
        samples.append((elapsed, tree_rss_kib(proc.pid)))
        if kill_after is not None and elapsed >= kill_after:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return {"killed_at": round(elapsed, 1), "samples": samples}
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    return {
        "seconds": round(time.monotonic() - started, 1),
        "code": proc.returncode,
        "summary": stdout.decode(),
        "stderr_tail": stderr.decode()[-500:],
        "samples": samples,
    }


def peaks(samples: list[tuple[float, int]]) -> dict:
    values = [kib for _, kib in samples if kib]
    if len(values) < 4:
        return {"peak_mib": round(max(values, default=0) / 1024, 1)}
    quarter = len(values) // 4
    return {
        "peak_mib": round(max(values) / 1024, 1),
        "first_quarter_peak_mib": round(max(values[:quarter]) / 1024, 1),
        "last_quarter_peak_mib": round(max(values[-quarter:]) / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/edu-audit-soak"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    corpus = args.work / "corpus"
    t0 = time.monotonic()
    kinds = build_corpus(args.n, corpus, args.seed)
    report: dict = {
        "n": args.n,
        "broken_by_kind": dict(kinds),
        "generate_s": round(time.monotonic() - t0, 1),
    }

    a = run(corpus, args.work / "A", args.workers)
    report["uninterrupted"] = {k: v for k, v in a.items() if k != "samples"} | peaks(a["samples"])
    kill_at = random.Random(args.seed).uniform(0.1, 0.6) * a["seconds"]
    b1 = run(corpus, args.work / "B", args.workers, kill_after=kill_at)
    cached = len(list((args.work / "B" / ".cache").glob("*/*.json")))
    b2 = run(corpus, args.work / "B", args.workers)
    report["killed"] = {"killed_at_s": b1.get("killed_at"), "cached_before_rerun": cached}
    report["rerun"] = {k: v for k, v in b2.items() if k != "samples"} | peaks(b2["samples"])

    docs_a = [json.loads(x) for x in (args.work / "A" / "documents.jsonl").read_text().splitlines()]
    docs_b = [json.loads(x) for x in (args.work / "B" / "documents.jsonl").read_text().splitlines()]
    ids_b = [d["doc_id"] for d in docs_b]
    report["check"] = {
        "files": sum(1 for p in corpus.rglob("*") if p.is_file() and p.suffix != ".json"),
        "documents_a": len(docs_a),
        "documents_b": len(docs_b),
        "duplicates_b": len(ids_b) - len(set(ids_b)),
        "lost_b": len({d["doc_id"] for d in docs_a} - set(ids_b)),
        "status_a": dict(Counter(d["status"] for d in docs_a)),
        "identical": {
            name: (args.work / "A" / name).read_bytes() == (args.work / "B" / name).read_bytes()
            for name in COMPARED
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
