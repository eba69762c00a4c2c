"""The in-memory form of one generated document, before it is rendered to a file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Block:
    """A title, heading, paragraph or table, in reading order."""

    kind: str  # "title" | "heading" | "para" | "table" | "sign"
    text: str = ""
    rows: list[list[str]] | None = None


@dataclass
class Injected:
    """One inconsistency written on purpose, with what the audit is expected to report."""

    rule: str
    severity: str
    sentence: str
    substring: str
    numbers: dict[str, str]
    description: str
    code: str | None = None

    def to_dict(self) -> dict:
        result = {
            "rule": self.rule,
            "severity": self.severity,
            "sentence": self.sentence,
            "substring": self.substring,
            "numbers": self.numbers,
            "description": self.description,
        }
        if self.code:
            result["code"] = self.code
        return result


@dataclass
class Written:
    """An indicator value the document states (the ground truth for extraction)."""

    code: str
    level: str
    value: Decimal
    unit: str

    def to_dict(self) -> dict:
        number = (
            int(self.value) if self.value == self.value.to_integral_value() else float(self.value)
        )
        return {"code": self.code, "level": self.level, "value": number, "unit": self.unit}


@dataclass
class SynthDoc:
    kind: str
    district: str
    city: str
    province: str
    published: str
    title: str
    publisher: str
    blocks: list[Block] = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)
    indicators: list[Written] = field(default_factory=list)

    def para(self, text: str) -> str:
        self.blocks.append(Block("para", text))
        return text

    def heading(self, text: str) -> None:
        self.blocks.append(Block("heading", text))

    def value(self, code: str, level: str, value: Decimal, unit: str) -> None:
        self.indicators.append(Written(code, level, value, unit))
