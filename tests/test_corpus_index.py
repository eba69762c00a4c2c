"""Corpus checks through the key index find exactly what comparing every pair of documents does."""

from __future__ import annotations

import random

from pipeline.engine.corpus import _agree, check_corpus, comparable_statements


def pairwise(results: list[dict]) -> set[tuple]:
    """The reference: every pair of documents of a district, every key both state. Per document
    and key: its value, how many documents disagree with it, and the values they state."""
    others: dict[tuple, list] = {}
    ok = [r for r in results if r["meta"].get("district") and r.get("status", "ok") == "ok"]
    for a in ok:
        sa = comparable_statements(a)
        for b in ok:
            if b is a or a["meta"]["district"] != b["meta"]["district"]:
                continue
            sb = comparable_statements(b)
            for key in sa.keys() & sb.keys():
                if not _agree(sa[key]["value"], sb[key]["value"]):
                    entry = others.setdefault((a["doc_id"], key), [sa[key]["value"], []])
                    entry[1].append(sb[key]["value"])
    return {
        (doc_id, float(value), len(found), frozenset(float(v) for v in found))
        for (doc_id, _key), (value, found) in others.items()
    }


def summary(findings: list[dict]) -> set[tuple]:
    def values(f: dict) -> frozenset[float]:
        return frozenset(float(v.rstrip("%人")) for v in f["formula"].split(" ≠ ")[1].split("、"))

    return {(f["doc_id"], float(f["reported"]), f["other_count"], values(f)) for f in findings}


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


def test_index_finds_what_every_pair_finds() -> None:
    rng = random.Random(13)
    for size in (0, 1, 2, 7, 60):
        results = [document(n, rng) for n in range(size)]
        found = check_corpus(results)
        assert len(found) == len(summary(found)) and summary(found) == pairwise(results)


def test_findings_grow_with_documents_not_with_pairs() -> None:
    """200 documents of one district, half stating one teacher count and half another: one
    finding each, naming a few of the 100 that disagree and counting them all."""
    rng = random.Random(5)
    results = [document(n, rng) for n in range(200)]
    for n, r in enumerate(results):
        r.update(status="ok", meta={"district": "甲区", "report_year": 2024}, indicators=[])
        r["figures"][0].update(value=1493 if n % 2 else 1600, year=2024)
    found = check_corpus(results)
    assert len(found) == 200
    assert {f["other_count"] for f in found} == {100}
    assert all("等100份文件" in f["message"] for f in found)
