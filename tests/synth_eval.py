"""Compare audit results of a generated corpus with its ground truth (shared by the test and by
people who want the table: `python -m tests.synth_eval DIR`)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

PERCENT_FAMILY = {"percent_mismatch", "shares_forced_to_100", "shares_sum_mismatch"}
# Findings a percent injection may also cause on the same sentence.
PERCENT_EXPLAINS = PERCENT_FAMILY | {"percent_impossible"}


def accepted_rules(rule: str) -> set[str]:
    return PERCENT_FAMILY if rule in PERCENT_FAMILY else {rule}


def matches(injected: dict, finding: dict, rules: set[str]) -> bool:
    if finding["rule"] not in rules:
        return False
    if injected["substring"] in finding["evidence"]["text"]:
        return True
    return bool(injected.get("code")) and finding.get("code") == injected["code"]


@dataclass
class Evaluation:
    found: list[tuple[str, dict, dict]] = field(default_factory=list)
    missed: list[tuple[str, dict]] = field(default_factory=list)
    unexpected: list[tuple[str, dict]] = field(default_factory=list)  # error/warning only
    meta_right: dict[str, int] = field(default_factory=dict)
    meta_total: int = 0
    values_true: int = 0
    values_extracted: int = 0
    values_correct: int = 0
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.values_correct / self.values_extracted if self.values_extracted else 0.0

    @property
    def recall(self) -> float:
        return self.values_correct / self.values_true if self.values_true else 0.0


def evaluate(truth: dict, results: dict[str, dict]) -> Evaluation:
    """results: file name → audit result dict."""
    ev = Evaluation()
    for doc in truth["documents"]:
        result = results[doc["file"]]
        ev.statuses[doc["file"]] = result["status"]
        findings = result["findings"]
        explained: set[int] = set()
        for inj in doc["injected"]:
            hit = next((f for f in findings if matches(inj, f, accepted_rules(inj["rule"]))), None)
            if hit is None:
                ev.missed.append((doc["file"], inj))
            else:
                ev.found.append((doc["file"], inj, hit))
            wide = (
                PERCENT_EXPLAINS if inj["rule"] in PERCENT_FAMILY else accepted_rules(inj["rule"])
            )
            explained |= {i for i, f in enumerate(findings) if matches(inj, f, wide)}
        for i, f in enumerate(findings):
            if i not in explained and f["severity"] in ("error", "warning"):
                ev.unexpected.append((doc["file"], f))
        ev.meta_total += 1
        for key in ("district", "kind", "published"):
            ev.meta_right[key] = ev.meta_right.get(key, 0) + (
                result["meta"].get(key) == doc["meta"][key]
            )
        _score_values(ev, doc["indicators"], result["indicators"])
    return ev


def _score_values(ev: Evaluation, written: list[dict], extracted: list[dict]) -> None:
    truth = {(w["code"], w["level"]): Decimal(str(w["value"])) for w in written}
    got = {
        (x["code"], x["level"]): Decimal(str(x["value"]))
        for x in extracted
        if x.get("value") is not None
    }
    ev.values_true += len(truth)
    ev.values_extracted += len(got)
    ev.values_correct += sum(1 for k, v in got.items() if truth.get(k) == v)


def report(ev: Evaluation) -> str:
    lines = [f"injected: {len(ev.found)} found, {len(ev.missed)} missed"]
    for file, inj, hit in ev.found:
        lines.append(
            f"  FOUND  {file}  {inj['rule']}/{inj['severity']} → {hit['rule']}/{hit['severity']}  {hit['formula']}"
        )
    for file, inj in ev.missed:
        lines.append(f"  MISSED {file}  {inj['rule']}/{inj['severity']}  {inj['sentence']}")
    lines.append(f"unexpected error/warning findings: {len(ev.unexpected)}")
    for file, f in ev.unexpected:
        lines.append(
            f"  {f['severity']:7} {file}  {f['rule']}  {f['formula']}  | {f['evidence']['text'][:90]}"
        )
    meta = ", ".join(f"{k} {v}/{ev.meta_total}" for k, v in ev.meta_right.items())
    lines.append(f"metadata right: {meta}")
    lines.append(
        f"indicator values: written {ev.values_true}, extracted {ev.values_extracted}, correct "
        f"{ev.values_correct}; precision {ev.precision:.1%}, recall {ev.recall:.1%}"
    )
    return "\n".join(lines)


def audit_corpus(folder: Path) -> tuple[dict, dict[str, dict]]:
    from pipeline.audit import audit_path

    truth = json.loads((folder / "ground_truth.json").read_text("utf-8"))
    results = {d["file"]: audit_path(folder / d["file"]) for d in truth["documents"]}
    return truth, results


if __name__ == "__main__":
    truth, results = audit_corpus(Path(sys.argv[1]))
    print(report(evaluate(truth, results)))
