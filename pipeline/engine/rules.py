"""The engine's rules as data: `pipeline/data/rules.toml` read once (ids, severities, Chinese
message templates, tolerances, the rounding policy and the reading vocabulary)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def rules_data() -> dict:
    """rules.toml: rule metadata and the vocabulary relations are read with."""
    text = resources.files("pipeline.data").joinpath("rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def rule(rule_id: str) -> dict:
    return rules_data()["rules"][rule_id]


def severity(rule_id: str, verdict: str) -> str:
    """The rule's severity for a verdict: `severity_last_digit` when only the last digit differs."""
    spec = rule(rule_id)
    if verdict == "last_digit":
        return spec.get("severity_last_digit", spec["severity"])
    return spec["severity"]


def message(rule_id: str, **fields: object) -> str:
    return rule(rule_id)["message"].format(**fields)
