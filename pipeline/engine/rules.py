"""The engine's rules as data: `pipeline/data/rules.toml` read once (ids, severities, Chinese
message templates, tolerances, the rounding policy and the reading vocabulary)."""

from __future__ import annotations

import tomllib

from pipeline.data import derived_from, read_data


@derived_from("rules.toml")
def rules_data() -> dict:
    """rules.toml: rule metadata and the vocabulary relations are read with."""
    return tomllib.loads(read_data("rules.toml").decode("utf-8"))


def rule(rule_id: str) -> dict:
    return rules_data()["rules"][rule_id]


def severity(rule_id: str, verdict: str) -> str:
    """The rule's severity for a verdict: `severity_<verdict>` when the rule names one (e.g.
    `severity_last_digit` when only the last digit differs), else its `severity`."""
    spec = rule(rule_id)
    return spec.get(f"severity_{verdict}", spec["severity"])


def message(rule_id: str, template: str = "message", **fields: object) -> str:
    """The rule's Chinese message (or one of its variants, `message_<variant>`), filled in."""
    return rule(rule_id)[template].format(**fields)
