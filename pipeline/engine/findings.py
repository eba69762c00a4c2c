"""Findings: what the engine reports, with the numbers it used and where they stand.

A finding is only useful if an inspector can verify it in seconds, so each one carries its
formula with the actual numbers, the reported and recomputed values, and the evidence span.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol

from pipeline.engine.rules import message, severity

if TYPE_CHECKING:
    from pipeline.extract.quantities import Quantity

Severity = Literal["error", "warning", "info"]


@dataclass
class Finding:
    rule: str
    severity: Severity
    message: str
    formula: str
    start: int
    end: int
    reported: Decimal | None = None
    expected: Decimal | None = None
    code: str | None = None  # indicator code the finding concerns, when there is one
    extra: dict = field(default_factory=dict)

    def to_dict(self, doc) -> dict:
        """The contract's finding; `doc` supplies the evidence sentence for the span."""
        result = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "formula": self.formula,
            "reported": to_number(self.reported),
            "expected": to_number(self.expected),
            "evidence": doc.evidence(self.start, self.end),
        }
        if self.code:
            result["code"] = self.code
        result.update(self.extra)
        return result


def to_number(value: Decimal | None) -> int | float | None:
    """JSON number for a Decimal, keeping integers integral."""
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    return float(value)


def fmt(value: Decimal, decimals: int | None = None) -> str:
    """A Decimal as an inspector reads it: no exponent, trailing zeros only when asked."""
    if decimals is not None:
        q = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
        return f"{value.quantize(q):f}"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class Located(Protocol):
    start: int
    end: int


def finding(
    rule_id: str,
    verdict: str,
    where: Located,
    formula: str,
    reported: Decimal | None,
    expected: Decimal | None,
    /,
    *,
    code: str | None = None,
    extra: dict | None = None,
    template: str = "message",
    **fields: object,
) -> Finding:
    """The one finding builder: severity and message from rules.toml for the verdict, over the
    span of `where` (positional arguments first, so a message may use the field names
    `reported` and `expected`)."""
    return Finding(
        rule_id,
        severity(rule_id, verdict),  # type: ignore[arg-type]
        message(rule_id, template, **fields),
        formula,
        where.start,
        where.end,
        reported=reported,
        expected=expected,
        code=code,
        extra=extra or {},
    )


def q_text(q: Quantity) -> str:
    """A quantity as written, with its unit: "8131.88万元", "21.2%"."""
    return f"{q.raw}{q.unit}"


def base(q: Quantity) -> Decimal:
    """A quantity's value in its base unit (万元 → 元)."""
    return q.value * q.scale


def in_unit(value: Decimal, q: Quantity, extra: int = 0) -> str:
    """A base-unit value shown in q's unit and precision (plus `extra` digits)."""
    shown = value / q.scale
    return fmt(shown, max(q.decimals, 0) + extra) if q.decimals >= 0 else fmt(shown)
