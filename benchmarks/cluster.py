"""Distributed runs: documents/s on a loopback Dask cluster vs the local pool, and a killed worker.

A synthetic corpus (PDF, DOCX, HTML, text) is audited cold and then warm (everything cached)
by each executor; the warm run costs the same hashing and output writing as the cold one, so
documents / (cold - warm) is the audit throughput. Then one worker is SIGKILLed once the first
results are in, and the script reports how the run ended. Run:
`python benchmarks/cluster.py [-n 40] [--workers 2]` (not named distributed.py: the script's
folder comes first on sys.path and would shadow Dask's package).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.batch.cache import CACHE_DIR  # noqa: E402
from pipeline.batch.run import run_corpus  # noqa: E402
from pipeline.synth import generate  # noqa: E402
from tests.dask_cluster import loopback_cluster, wait_for_workers  # noqa: E402

COUNTIES, REPORTS_PER_YEAR = 2850, 3


def throughput(corpus: Path, out: Path, **options) -> tuple[float, float, float]:
    """(cold seconds, warm seconds, documents/s of the audit itself)."""
    cold = run_corpus(corpus, out, progress=False, **options)
    warm = run_corpus(corpus, out, progress=False, **options)
    assert warm.processed == 0 and cold.by_status["ok"] == cold.documents, cold.by_status
    return cold.seconds, warm.seconds, cold.documents / max(cold.seconds - warm.seconds, 1e-9)


def kill_one_worker(corpus: Path, out: Path, address: str) -> dict:
    """Run on the cluster; SIGKILL one worker process once a quarter of the results are cached."""
    from distributed import Client

    with Client(address) as client:
        victim = next(iter(client.run(os.getpid).values()))
    run: dict = {}
    thread = threading.Thread(
        target=lambda: run.update(
            summary=run_corpus(corpus, out, progress=False, scheduler=address)
        )
    )
    started = time.monotonic()
    thread.start()
    quarter = len(list(corpus.glob("*.*"))) // 4
    while len(list((out / CACHE_DIR).glob("*/*.json"))) < quarter and thread.is_alive():
        time.sleep(0.05)
    cached_before_kill = len(list((out / CACHE_DIR).glob("*/*.json")))
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic() - started
    thread.join(timeout=600)
    lines = (out / "documents.jsonl").read_text("utf-8").splitlines()
    ids = [json.loads(line)["doc_id"] for line in lines]
    return {
        "killed_at_s": round(killed_at, 1),
        "cached_before_kill": cached_before_kill,
        "seconds": round(run["summary"].seconds, 1),
        "statuses": dict(Counter(json.loads(line)["status"] for line in lines)),
        "documents": len(ids),
        "duplicates": len(ids) - len(set(ids)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=40, help="documents in the synthetic corpus")
    parser.add_argument("--workers", type=int, default=2, help="processes / Dask workers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        generate(args.n, corpus, seed=0)
        print(f"{args.n} documents, {args.workers} workers, {os.cpu_count()} cores")
        rates = {}
        local = throughput(corpus, tmp / "local", workers=args.workers)
        rates["local pool"] = local
        rates["--scheduler local"] = throughput(  # cold includes starting the LocalCluster
            corpus, tmp / "localcluster", workers=args.workers, scheduler="local"
        )
        (tmp / "cluster").mkdir()
        with loopback_cluster(tmp / "cluster", args.workers) as address:
            wait_for_workers(address, args.workers)
            rates["loopback cluster"] = throughput(corpus, tmp / "loopback", scheduler=address)
            wait_for_workers(address, args.workers)
            killed = kill_one_worker(corpus, tmp / "killed", address)
        for name, (cold, warm, rate) in rates.items():
            per_doc = args.workers / rate - args.workers / local[2]
            print(
                f"{name:18s} cold {cold:6.1f} s  warm {warm:5.1f} s  {rate:5.2f} documents/s"
                f"  ({rate / args.workers:4.2f} per core; overhead {per_doc * 1000:+5.0f} ms/document)"
            )
        print(f"worker killed: {killed}")
        national = COUNTIES * REPORTS_PER_YEAR
        per_core = rates["loopback cluster"][2] / args.workers
        print(
            f"national corpus ≈ {national} documents/year: {national / per_core / 3600:.1f} core-hours"
            f" ({national / per_core / 3600 / 32:.2f} h on 32 cores)"
        )


if __name__ == "__main__":
    main()
