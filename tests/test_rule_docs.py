"""Every rule the engine can emit is explained (name, check, arithmetic, examples, false alarms),
and the explanation is linked wherever a rule id is shown."""

from __future__ import annotations

import ast
from pathlib import Path

from outputs.rule_docs import all_rules, engine_rules, explanations, rule_anchor, rule_name

ENGINE = Path(__file__).resolve().parents[1] / "pipeline" / "engine"
BUILDERS = {"Finding", "finding", "severity", "message", "rule"}


def emitted_rule_ids() -> set[str]:
    """Rule ids in the engine's data plus every literal id its code passes to a finding builder
    (first argument of Finding(...)/finding(...)/severity(...), or a "rule": ... entry)."""
    ids = set(engine_rules())
    for path in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in BUILDERS:
                first = node.args[0] if node.args else None
                candidates = [first]
                if isinstance(first, ast.IfExp):
                    candidates = [first.body, first.orelse]
                ids |= {
                    c.value
                    for c in candidates
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "rule"
                        and isinstance(value, ast.Constant)
                    ):
                        ids.add(value.value)
    return ids


def test_the_engine_scan_finds_rules_outside_the_rules_data() -> None:
    ids = emitted_rule_ids()
    assert {"sum_mismatch", "below_standard", "conclusion_contradicts", "corpus_mismatch"} <= ids


def test_every_rule_the_engine_can_emit_is_explained() -> None:
    docs = explanations()
    for rule_id in sorted(emitted_rule_ids()):
        assert rule_id in docs, f"{rule_id} has no entry in outputs/rule_docs.toml"
        entry = docs[rule_id]
        for key in ("name", "checks", "arithmetic", "passing", "failing", "false_alarm"):
            assert entry.get(key, "").strip(), f"{rule_id}: {key} missing"
        assert rule_name(rule_id) == entry["name"] and rule_name(rule_id) != rule_id


def test_rule_ids_in_the_data_carry_the_engine_severity_and_template() -> None:
    rules = all_rules()
    for rule_id, spec in engine_rules().items():
        assert rules[rule_id].severity == spec.get("severity")
        assert rules[rule_id].message == spec.get("message")
    assert rule_anchor("sum_mismatch") == "rule-sum_mismatch"
