"""Rounding-aware arithmetic on reported numbers, in `decimal.Decimal` only.

A reported "21.2%" is not the number 21.2: it is every true value that a publisher's rounding
could have turned into those digits. Publishers round half-up, half-even or truncate, so a
reported r with d decimals accepts true values in [r - ½·10⁻ᵈ, r + 10⁻ᵈ). A value that misses
that region by no more than one unit of the last digit (including a value rounded up, i.e. by
ceiling) is "last digit" (a warning); anything further is "beyond" any rounding (an error).

The roundings a publisher may use, those only warned about and the spread of an approximate
value are the `[rounding]` section of `pipeline/data/rules.toml`.

Inputs are ranges too: "1.3万人" stands for [12500, 13500], "约3500万元" for a wide band, and
"95%以上" for [95, ∞). Exact integer counts ("835人") are points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

from pipeline.data import derived_from
from pipeline.engine.rules import rules_data
from pipeline.extract.quantities import QUALIFIER_SENSE, Quantity

Verdict = Literal["ok", "last_digit", "beyond"]

HUNDRED = Decimal(100)
ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "ceiling": ROUND_CEILING,
}


@dataclass(frozen=True)
class RoundingPolicy:
    """Roundings that make a reported value consistent (`accepted`), those that only earn a
    last-digit warning (`lenient`), and the relative spread of an approximate value."""

    accepted: tuple[str, ...]
    lenient: tuple[str, ...]
    approx_tolerance: Decimal

    @property
    def all_modes(self) -> tuple[str, ...]:
        return self.accepted + self.lenient


@derived_from("rules.toml")
def rounding_policy() -> RoundingPolicy:
    """The `[rounding]` section of rules.toml (call `rounding_policy.cache_clear()` after
    changing the loaded rules)."""
    spec = rules_data()["rounding"]
    return RoundingPolicy(
        tuple(spec["accepted"]), tuple(spec["lenient"]), Decimal(spec["approx_tolerance"])
    )


@dataclass(frozen=True)
class Range:
    """A closed range of possible true values; None is an open end."""

    lo: Decimal | None
    hi: Decimal | None

    @classmethod
    def point(cls, value: Decimal) -> Range:
        return cls(value, value)

    @property
    def bounded(self) -> bool:
        return self.lo is not None and self.hi is not None

    @property
    def is_point(self) -> bool:
        return self.bounded and self.lo == self.hi

    @property
    def mid(self) -> Decimal | None:
        if not self.bounded:
            return None
        return (self.lo + self.hi) / 2  # type: ignore[operator]

    def __add__(self, other: Range) -> Range:
        lo = None if self.lo is None or other.lo is None else self.lo + other.lo
        hi = None if self.hi is None or other.hi is None else self.hi + other.hi
        return Range(lo, hi)

    def __sub__(self, other: Range) -> Range:
        lo = None if self.lo is None or other.hi is None else self.lo - other.hi
        hi = None if self.hi is None or other.lo is None else self.hi - other.lo
        return Range(lo, hi)

    def __neg__(self) -> Range:
        return Range(None if self.hi is None else -self.hi, None if self.lo is None else -self.lo)

    def scaled(self, factor: Decimal) -> Range:
        """Multiply by a positive constant."""
        return Range(
            None if self.lo is None else self.lo * factor,
            None if self.hi is None else self.hi * factor,
        )

    def times(self, other: Range) -> Range:
        """Product of two non-negative bounded ranges (counts × rates)."""
        if not (self.bounded and other.bounded):
            return Range(None, None)
        return Range(self.lo * other.lo, self.hi * other.hi)  # type: ignore[operator]

    def divided(self, other: Range) -> Range | None:
        """Quotient of non-negative ranges; None when the divisor may be zero or is unbounded."""
        if not (self.bounded and other.bounded) or other.lo <= 0:  # type: ignore[operator]
            return None
        with localcontext() as ctx:
            ctx.prec = 40
            return Range(self.lo / other.hi, self.hi / other.lo)  # type: ignore[operator]

    def meets(self, other: Range) -> bool:
        """Do the two closed ranges share a value?"""
        above = self.hi is None or other.lo is None or self.hi >= other.lo
        below = self.lo is None or other.hi is None or self.lo <= other.hi
        return above and below

    def contains(self, value: Decimal) -> bool:
        return (self.lo is None or self.lo <= value) and (self.hi is None or value <= self.hi)

    def overlaps(self, lo: Decimal, hi: Decimal, hi_open: bool = True) -> bool:
        """Does this range meet [lo, hi) (or [lo, hi] when hi_open is False)?"""
        above = self.hi is None or self.hi >= lo
        below = self.lo is None or (self.lo < hi if hi_open else self.lo <= hi)
        return above and below


def unit_step(decimals: int) -> Decimal:
    """One unit of the last reported digit (10 for "三成", which is written with decimals -1)."""
    return Decimal(1).scaleb(-decimals)


def half_step(decimals: int) -> Decimal:
    return unit_step(decimals) / 2


def is_exact_count(q: Quantity) -> bool:
    """An integer count in its own base unit ("835人", "26所") is exact, not rounded."""
    return q.exact and q.decimals == 0 and q.scale == 1 and q.kind == "count" and not q.ratio


def value_range(q: Quantity, base: bool = True) -> Range:
    """Every true value the reported quantity admits, in base units when `base` (万元 → 元)."""
    value, half = q.value, half_step(max(q.decimals, 0)) if q.decimals >= 0 else Decimal(5)
    if is_exact_count(q):
        result = Range.point(value)
    else:
        sense = QUALIFIER_SENSE.get(q.qualifier or "", "=")
        if sense in (">=", ">"):
            result = Range(value - half, None)
        elif sense in ("<=", "<"):
            result = Range(None, value + half)
        elif sense == "~":
            spread = max(abs(value) * rounding_policy().approx_tolerance, half)
            result = Range(value - spread, value + spread)
        else:
            result = Range(value - half, value + half)
    return result.scaled(q.scale) if base and q.scale != 1 else result


def round_to(value: Decimal, decimals: int, mode: str = "half_up") -> Decimal:
    """Round with a named mode; decimals -1 rounds to tens."""
    exponent = Decimal(1).scaleb(-decimals)
    return value.quantize(exponent, rounding=ROUNDING_MODES[mode])


def roundings(value: Decimal, decimals: int, modes: tuple[str, ...] | None = None) -> set[Decimal]:
    """The reported digits each accepted rounding produces for a true value."""
    return {round_to(value, decimals, m) for m in modes or rounding_policy().accepted}


# Per rounding mode, the true values [r + lo·step, r + hi·step) it turns into a reported r ≥ 0.
_MODE_REGION = {
    "half_up": (Decimal("-0.5"), Decimal("0.5")),
    "half_even": (Decimal("-0.5"), Decimal("0.5")),
    "down": (Decimal(0), Decimal(1)),
    "ceiling": (Decimal(-1), Decimal(0)),
}


def accept_region(reported: Decimal, decimals: int) -> tuple[Decimal, Decimal]:
    """True values [lo, hi) that an accepted rounding turns into `reported` (≥ 0); with
    half-up, half-even and truncation that is [r − ½·step, r + step)."""
    step = unit_step(decimals)
    regions = [_MODE_REGION[m] for m in rounding_policy().accepted]
    lo = min(r[0] for r in regions)
    hi = max(r[1] for r in regions)
    return reported + lo * step, reported + hi * step


def warning_region(reported: Decimal, decimals: int) -> tuple[Decimal, Decimal]:
    """True values [lo, hi) whose nearest acceptable rounding is at most one unit away."""
    step = unit_step(decimals)
    lo, hi = accept_region(reported, decimals)
    return lo - step, hi + step


def classify(true: Range, reported: Decimal, decimals: int) -> Verdict:
    """Compare a computed range with a reported value of the given precision."""
    if reported < 0:
        return classify(-true, -reported, decimals)
    if true.is_point and reported in roundings(true.lo, decimals):  # 12.5 → 12 by half-even
        return "ok"
    if true.overlaps(*accept_region(reported, decimals)):
        return "ok"
    if true.overlaps(*warning_region(reported, decimals)):
        return "last_digit"
    return "beyond"


def classify_point(point: Decimal, true: Range, reported: Decimal, decimals: int) -> Verdict:
    """A result computed from the stated figures (`point`) against the reported value.

    Consistent only when an accepted rounding of the point gives the reported digits. When it
    does not, the report computed it from other (unrounded) figures at best: a last-digit
    warning if rounding the stated figures could explain it (`true`, the range they admit),
    or the difference is one unit; beyond that an error.
    """
    if reported in roundings(point, decimals):
        return "ok"
    step = unit_step(decimals)
    if (
        classify(true, reported, decimals) != "beyond"
        or abs(round_to(point, decimals) - reported) <= step
    ):
        return "last_digit"
    return "beyond"


def classify_quantity(true: Range, q: Quantity, base: bool = True) -> Verdict:
    """Classify against a reported quantity, honouring its qualifier (以上, 约, 余…)."""
    if base and q.scale != 1:
        true = true.scaled(1 / q.scale)
    if QUALIFIER_SENSE.get(q.qualifier or "", "=") == "=":
        return classify(true, q.value, q.decimals)
    return "ok" if true.meets(value_range(q, base=False)) else "beyond"


def percent(part: Range, whole: Range) -> Range | None:
    """part / whole × 100 as a range."""
    ratio = part.divided(whole)
    return ratio.scaled(HUNDRED) if ratio else None


def best_rounding(value: Decimal, decimals: int) -> Decimal:
    """The half-up rounding: what a message shows as the expected value."""
    return round_to(value, decimals, "half_up")


def grim_whole_verdict(part: int, reported: Decimal, decimals: int) -> Verdict | None:
    """Can an integer whole N ≥ part give 100·part/N reported as `reported`? (GRIM, count known)

    None when the test says nothing: the whole would exceed 10^(decimals+2), or a zero share.
    """
    if part <= 0 or reported <= 0 or decimals < 0:
        return None
    results = []
    for region in (accept_region, warning_region):
        lo, hi = region(reported, decimals)
        if lo <= 0:
            return None
        with localcontext() as ctx:
            ctx.prec = 40
            n_min, n_max = HUNDRED * part / hi, HUNDRED * part / lo  # (n_min, n_max]
        if n_min > Decimal(10) ** (decimals + 2):
            return None
        first = math.floor(n_min) + 1
        if (
            region is accept_region
            and n_min == first - 1
            and _rounds_to(part, n_min, reported, decimals)
        ):
            first = int(n_min)  # an exact half that half-even rounds down (21/32 = 65.625)
        first = max(first, part if reported <= HUNDRED else 1)
        results.append(first <= n_max)
    return _verdict(*results)


def grim_part_verdict(whole: int, reported: Decimal, decimals: int) -> Verdict | None:
    """Can an integer count k ≤ whole give 100·k/whole reported as `reported`? (GRIM, whole known)

    None when the whole exceeds 10^(decimals+2): every percentage is then possible.
    """
    if whole <= 0 or decimals < 0 or whole > 10 ** (decimals + 2):
        return None
    results = []
    for region in (accept_region, warning_region):
        lo, hi = region(reported, decimals)
        with localcontext() as ctx:
            ctx.prec = 40
            k_min, k_max = lo * whole / HUNDRED, hi * whole / HUNDRED  # [k_min, k_max)
        k = max(math.ceil(k_min), 0)
        results.append(k < k_max and k <= whole)
    return _verdict(*results)


def _rounds_to(part: int, whole: Decimal, reported: Decimal, decimals: int) -> bool:
    return whole > 0 and reported in roundings(HUNDRED * part / whole, decimals)


def _verdict(accept: bool, warn: bool) -> Verdict:
    if accept:
        return "ok"
    return "last_digit" if warn else "beyond"
