"""Exact arithmetic for generated figures: every percentage is computed from integer counts with
Decimal and rounded half-up, so a clean document is consistent by construction."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def step(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def half_up(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(step(decimals), rounding=ROUND_HALF_UP)


def pct(part: int, whole: int, decimals: int) -> Decimal:
    """part / whole as a percentage, rounded half-up to `decimals` places."""
    return half_up(Decimal(part) * HUNDRED / Decimal(whole), decimals)


def show(value: Decimal) -> str:
    """A Decimal as written in a report; 100.0 of a full share is written 100."""
    if value == HUNDRED:
        return "100"
    return f"{value:f}"


def money(cents: int) -> Decimal:
    """An amount in 万元 with two decimals, from an integer count of 0.01 万元."""
    return Decimal(cents) / HUNDRED


def growth(current_cents: int, increase_cents: int, decimals: int) -> Decimal:
    """Growth rate of `current` over last year's (current − increase), half-up."""
    base = current_cents - increase_cents
    return half_up(Decimal(increase_cents) * HUNDRED / Decimal(base), decimals)


def off_by(value: Decimal, decimals: int, units: int) -> Decimal:
    """`value` moved by `units` steps of its last digit (the injected misstatement)."""
    return value + units * step(decimals)
