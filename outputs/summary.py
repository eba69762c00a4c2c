"""The inspectors' summary: findings by district × rule, counted by severity and review state.

One table for the index page and the workbook's 汇总 sheet, so both always say the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

STATES = ("open", "confirmed", "dismissed")
NO_DISTRICT = "（未识别区县）"


@dataclass
class SummaryRow:
    district: str
    rule: str
    severity: Counter = field(default_factory=Counter)
    review: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.severity.values())


def district_of(result: dict) -> str:
    return str((result.get("meta") or {}).get("district") or NO_DISTRICT)


def district_rule_table(results: Iterable[dict]) -> list[SummaryRow]:
    """One row per (district, rule) with findings, sorted by district then most findings."""
    rows: dict[tuple[str, str], SummaryRow] = {}
    for result in results:
        district = district_of(result)
        for finding in result.get("findings") or []:
            rule = str(finding.get("rule"))
            row = rows.setdefault((district, rule), SummaryRow(district, rule))
            row.severity[str(finding.get("severity"))] += 1
            row.review[str(finding.get("review") or "open")] += 1
    return sorted(rows.values(), key=lambda r: (r.district, -r.total, r.rule))


def totals(rows: Iterable[SummaryRow]) -> SummaryRow:
    """The 合计 row."""
    total = SummaryRow("合计", "")
    for row in rows:
        total.severity.update(row.severity)
        total.review.update(row.review)
    return total
