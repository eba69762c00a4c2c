"""Record the findings (rule, severity, numbers) on the shared corpus and the generated demo
corpus, so a refactor can prove it changed nothing: `python -m tests.baseline.record`.

The recorded file is the reference of `tests/test_baseline.py`. Re-record only when a change of
behaviour is intended, and say which findings changed in the commit message.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from pipeline.audit import audit_path
from pipeline.synth import generate

HERE = Path(__file__).resolve().parent
SHARED_CORPUS = HERE.parents[1].parent / "shared" / "corpus"
RECORD = HERE / "findings.json"
DEMO_N, DEMO_SEED = 30, 0


def finding_keys(result: dict) -> list[list]:
    """What must not change: rule, severity and the numbers a finding used."""
    keys = [
        [
            f["rule"],
            f["severity"],
            f.get("formula"),
            _num(f.get("reported")),
            _num(f.get("expected")),
        ]
        for f in result["findings"]
    ]
    return sorted(keys, key=json.dumps)


def _num(value: object) -> object:
    return round(value, 6) if isinstance(value, float) else value


def current() -> dict[str, list]:
    """Findings per document: shared corpus by file name, demo corpus by generated file name."""
    out: dict[str, list] = {}
    for path in sorted(SHARED_CORPUS.glob("*.txt")):
        out[f"shared/{path.name}"] = finding_keys(audit_path(path))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        generate(DEMO_N, folder, seed=DEMO_SEED)
        for path in sorted(folder.iterdir()):
            if path.suffix in {".txt", ".html", ".pdf", ".docx"}:
                out[f"demo/{path.name}"] = finding_keys(audit_path(path))
    return out


def main() -> None:
    RECORD.write_text(json.dumps(current(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"recorded {RECORD}", file=sys.stderr)


if __name__ == "__main__":
    main()
