"""Accuracy on real passages nobody here wrote, and on the five shared documents.

Runs `../shared/tools/score_passages.py` on `../shared/realdev` with this checkout's
`edu-audit`, prints the scorer's summary (every miss and false alarm with `--verbose`), then the
findings on the five shared documents by rule and severity. Run: `make accuracy`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_passages.py"
REALDEV = SHARED / "realdev"
BIN = Path(sys.executable).parent
SUMMARY = re.compile(
    r"district (?P<district_hit>\d+)/(?P<district_n>\d+)=\S+ kind (?P<kind_hit>\d+)/(?P<kind_n>\d+)=\S+ "
    r"figure recall (?P<figure_hit>\d+)/(?P<figure_n>\d+)=\S+ \| inconsistency recall "
    r"(?P<recall_hit>\d+)/(?P<recall_n>\d+)=\S+ precision (?P<precision_hit>\d+)/(?P<precision_n>\d+)"
)


def score_realdev() -> tuple[str, dict[str, float]]:
    """The scorer's output and its summary as ratios (district, kind, figure, recall, precision)."""
    run = subprocess.run(
        [sys.executable, str(SCORER), str(REALDEV), str(BIN)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    out = run.stdout + run.stderr
    m = SUMMARY.search(out)
    if not m:
        raise RuntimeError(f"no summary from the scorer:\n{out[-2000:]}")
    n = {k: int(v) for k, v in m.groupdict().items()}
    ratios = {
        key: n[f"{key}_hit"] / n[f"{key}_n"] if n[f"{key}_n"] else 1.0
        for key in ("district", "kind", "figure", "recall", "precision")
    }
    return out, ratios


def shared_findings() -> Counter:
    files = sorted((SHARED / "corpus").glob("*.txt"))
    run = subprocess.run(
        [str(BIN / "edu-audit"), "check", *map(str, files), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Counter(
        (f["rule"], f["severity"]) for d in json.loads(run.stdout) for f in d["findings"]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every miss and false alarm")
    args = parser.parse_args()
    out, _ = score_realdev()
    lines = out.strip().splitlines()
    print("\n".join(lines if args.verbose else lines[-3:]))
    print("\nshared corpus findings (rule, severity: count):")
    for (rule, severity), count in sorted(shared_findings().items()):
        print(f"  {rule:28} {severity:8} {count}")


if __name__ == "__main__":
    main()
