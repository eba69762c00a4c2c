"""What each finding rule means, for inspectors: the engine's rule data plus their explanations.

The one place the outputs read rule ids, severities and message templates from the rules data
the engine reads (`pipeline/data/rules.toml`), accepting both `[rules.<id>]` tables and a list
of rule tables with an `id`; the Chinese explanation of each rule is `outputs/rule_docs.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

RULES_PAGE = "rules.html"


@dataclass(frozen=True)
class RuleDoc:
    """A rule as an inspector reads it."""

    id: str
    name: str
    severity: str | None  # the engine's default severity, when its data gives one
    message: str | None  # the engine's message template
    checks: str = ""
    arithmetic: str = ""
    passing: str = ""
    failing: str = ""
    false_alarm: str = ""


@cache
def engine_rules() -> dict[str, dict]:
    """rule id → its entry in the engine's rules data."""
    text = resources.files("pipeline.data").joinpath("rules.toml").read_text("utf-8")
    rules = tomllib.loads(text).get("rules") or {}
    if isinstance(rules, list):
        return {str(r["id"]): r for r in rules if isinstance(r, dict) and r.get("id")}
    return {str(k): v for k, v in rules.items() if isinstance(v, dict)}


@cache
def explanations() -> dict[str, dict]:
    text = resources.files("outputs").joinpath("rule_docs.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def all_rules() -> dict[str, RuleDoc]:
    """Every rule known to the engine data or explained, in a stable order."""
    engine, docs = engine_rules(), explanations()
    rules = {}
    for rule_id in [*docs, *(k for k in engine if k not in docs)]:
        spec, doc = engine.get(rule_id, {}), docs.get(rule_id, {})
        name = doc.get("name") or spec.get("title") or spec.get("name") or rule_id
        rules[rule_id] = RuleDoc(
            id=rule_id,
            name=name,
            severity=spec.get("severity"),
            message=spec.get("message"),
            **{
                k: doc.get(k, "")
                for k in ("checks", "arithmetic", "passing", "failing", "false_alarm")
            },
        )
    return rules


def rule_name(rule_id: str) -> str:
    """The Chinese name of a rule (the id itself for an unknown rule)."""
    doc = all_rules().get(rule_id)
    return doc.name if doc else rule_id


def rule_anchor(rule_id: str) -> str:
    """The fragment of a rule on the rules page (ids are plain lower-case tokens)."""
    return "rule-" + "".join(ch if ch.isalnum() or ch == "_" else "-" for ch in rule_id)
