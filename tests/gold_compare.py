"""Compare `check` output with the hand-read gold files, field by field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "gold"
META_FIELDS = (
    "district",
    "city",
    "province",
    "kind",
    "published",
    "title",
    "publisher",
    "report_year",
)
VALUE_FIELDS = ("value", "schools_total", "schools_meeting", "self_conclusion")


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


def load_gold() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(GOLD.glob("*.json"))}


def _close(a, b) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) < 1e-9
    return a == b


def _cv_of(result_indicators: list[dict], code: str, level: str):
    for item in result_indicators:
        if item["code"] == code and item.get("cv") and level in item["cv"]:
            return item["cv"][level]
    return None


def score_indicators(gold: dict, result: dict, score: Score) -> None:
    """Each non-null gold field is a fact to find; each extra non-null value a false positive."""
    produced = {(i["code"], i["level"]): i for i in result["indicators"]}
    wanted_values = set()
    for g in gold["indicators"]:
        if g["code"] == "cv":
            continue
        key = (g["code"], g["level"])
        got = produced.get(key, {})
        overall = produced.get((g["code"], "all"), {})
        for name in VALUE_FIELDS:
            if g.get(name) is None:
                continue
            if name == "value":
                wanted_values.add(key)
            found = got.get(name)
            if found is None and name == "self_conclusion":
                found = overall.get(name)  # one conclusion per indicator block
            if _close(found, g[name]):
                score.true_positive += 1
            else:
                score.false_negative += 1
                score.misses.append(f"{gold['file']} {key} {name}: gold {g[name]!r}, got {found!r}")
        if g.get("cv") is not None:
            got_cv = _cv_of(result["indicators"], g["code"], g["level"])
            if _close(got_cv, g["cv"]):
                score.true_positive += 1
            else:
                score.false_negative += 1
                score.misses.append(f"{gold['file']} {key} cv: gold {g['cv']!r}, got {got_cv!r}")
    for key, item in produced.items():
        if item.get("value") is not None and key not in wanted_values:
            score.false_positive += 1
            score.misses.append(f"{gold['file']} {key} value: not in gold, got {item['value']!r}")
