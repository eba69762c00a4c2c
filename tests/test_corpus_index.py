"""Corpus checks through the key index find exactly what comparing every pair of documents does."""

from __future__ import annotations

import json
import random

from pipeline.engine.corpus import _agree, _finding, _statements, check_corpus


def pairwise(results: list[dict]) -> list[dict]:
    """The reference: every pair of documents of a district, every key both state."""
    findings = []
    ok = [r for r in results if r["meta"].get("district") and r.get("status", "ok") == "ok"]
    for i, a in enumerate(ok):
        for b in ok[i + 1 :]:
            if a["meta"]["district"] != b["meta"]["district"]:
                continue
            sa, sb = _statements(a), _statements(b)
            for key in sa.keys() & sb.keys():
                if not _agree(sa[key]["value"], sb[key]["value"]):
                    district = a["meta"]["district"]
                    findings.append(_finding(district, a, sa[key], b, sb[key]))
                    findings.append(_finding(district, b, sb[key], a, sa[key]))
    return findings


def document(n: int, rng: random.Random) -> dict:
    teachers = rng.choice([1493, 1493, 1498, 1500])
    quota = rng.choice([59.6, 59.64, 61.2, 60])
    evidence = {"start": n, "end": n + 4, "text": "…"}
    return {
        "doc_id": f"d{n:03d}",
        "path": f"d{n:03d}.txt",
        "status": rng.choice(["ok", "ok", "ok", "failed"]),
        "meta": {"district": rng.choice(["甲区", "乙县", None]), "report_year": 2024},
        "indicators": [
            {"code": "214", "name": "优质高中招生名额分配比例", "level": "all", "value": quota,
             "unit": "%", "evidence": evidence}
        ],
        "figures": [
            {"label": "全区专任教师", "value": teachers, "unit": "人", "level": "all",
             "is_target": False, "year": rng.choice([2023, 2024]), "start": n, "end": n + 4,
             "text": "…"}
        ],
    }  # fmt: skip


def canonical(findings: list[dict]) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True, ensure_ascii=False, default=str) for f in findings)


def test_index_finds_what_every_pair_finds() -> None:
    rng = random.Random(13)
    for size in (0, 1, 2, 7, 60):
        results = [document(n, rng) for n in range(size)]
        assert canonical(check_corpus(results)) == canonical(pairwise(results))
