"""Batch-level checks: one district's same quantity stated differently in two documents.

A district publishes a self-assessment, a duty-performance report and a plan; the teacher count
for 2024 should be the same in all of them. Comparison keys are an indicator (code, level, year)
or a head-count figure (label, unit, level, year). A key whose value already varies inside one
document is ambiguous there and is skipped; values that are roundings of each other agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from pipeline.engine.arithmetic import roundings
from pipeline.engine.duplicates import duplicate_key
from pipeline.engine.rules import message, severity
from pipeline.extract.quantities import Quantity

_LEVELS = {"primary": "小学", "junior": "初中", "all": "全部学段"}


def check_corpus(results: Iterable[dict]) -> list[dict]:
    """Findings (rule corpus_mismatch): each document whose value others of its district contradict."""
    index = CorpusIndex()
    for result in results:
        index.add(result)
    return index.findings()


class CorpusIndex:
    """Each document's comparable statements filed under (district, key), one document at a time.

    Only documents sharing a key are ever compared, and only the small statements are kept, so
    a batch can feed its documents as they stream past instead of holding them all.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple, list[tuple[dict, dict]]] = defaultdict(list)

    def add(self, result: dict, statements: dict[tuple, dict] | None = None) -> None:
        """File a document; `statements` are its `comparable_statements(result)` when computed earlier
        (a batch computes them while it still has the figures, then drops the figures)."""
        district = (result.get("meta") or {}).get("district")
        if not district or result.get("status", "ok") != "ok":
            return
        doc = {"doc_id": result.get("doc_id"), "path": result.get("path")}
        if statements is None:
            statements = comparable_statements(result)
        for key, statement in statements.items():
            self._by_key[(district, key)].append((doc, statement))

    def findings(self) -> list[dict]:
        """One finding per document and key, naming the documents that disagree with it: the
        output grows with the documents, not with the pairs of them."""
        findings: list[dict] = []
        for (district, _key), entries in self._by_key.items():
            by_value: dict[Decimal, list[tuple[dict, dict]]] = defaultdict(list)
            for entry in entries:
                by_value[_norm(entry[1]["value"])].append(entry)
            for value, group in by_value.items():
                mine = group[0][1]["value"]
                others = [
                    entry
                    for other, members in by_value.items()
                    if other != value and not _agree(mine, members[0][1]["value"])
                    for entry in members
                ]
                if others:
                    findings += [_finding(district, doc, stated, others) for doc, stated in group]
        return findings


def comparable_statements(doc: dict) -> dict[tuple, dict]:
    """key → {value, decimals, unit, evidence, label, level, year}; ambiguous keys dropped."""
    report_year = (doc.get("meta") or {}).get("report_year")
    found: dict[tuple, list[dict]] = defaultdict(list)
    for ind in doc.get("indicators") or []:
        value = _decimal(ind.get("value"))
        year = ind.get("year") or report_year
        if value is None or year is None:
            continue
        key = ("indicator", ind.get("code"), ind.get("level"), year, ind.get("unit"))
        found[key].append(
            {
                "value": value,
                "unit": ind.get("unit") or "",
                "evidence": ind.get("evidence"),
                "label": f"{ind.get('code')} {ind.get('name', '')}".strip(),
                "level": ind.get("level"),
                "year": year,
            }
        )
    for fig in doc.get("figures") or []:
        if fig.get("is_target") or fig.get("year") is None:
            continue
        value = _decimal(fig.get("value"))
        if value is None:
            continue
        q = _quantity(fig, value)
        key = duplicate_key(fig.get("label") or "", q, fig.get("level") or "all", fig.get("year"))
        if key is None:
            continue
        found[("figure", *key)].append(
            {
                "value": value,
                "unit": fig.get("unit") or "",
                "evidence": {
                    "start": fig.get("start"),
                    "end": fig.get("end"),
                    "text": fig.get("text", ""),
                },
                "label": key[0],
                "level": fig.get("level"),
                "year": fig.get("year"),
            }
        )
    unique = {}
    for key, items in found.items():
        if len({_norm(it["value"]) for it in items}) == 1:
            unique[key] = items[0]
    return unique


def _quantity(fig: dict, value: Decimal) -> Quantity:
    """A stand-in Quantity for the JSON figure, so the document-level key rules apply."""
    raw = str(fig.get("raw") or value)
    decimals = fig.get("decimals")
    if decimals is None:
        decimals = len(raw.split(".")[1]) if "." in raw else 0
    return Quantity(
        fig.get("start") or 0,
        fig.get("end") or 0,
        raw,
        value,
        decimals,
        fig.get("unit") or "",
        fig.get("qualifier"),
    )


# How many disagreeing documents a finding names; the count says how many there are in all.
NAMED_OTHERS = 3


def _finding(district: str, doc: dict, mine: dict, others: list[tuple[dict, dict]]) -> dict:
    unit = mine["unit"]
    paths = "、".join(str(d.get("path")) for d, _ in others[:NAMED_OTHERS])
    if len(others) > NAMED_OTHERS:
        paths += f"等{len(others)}份文件"
    values = list(dict.fromkeys(f"{_show(o['value'])}{o['unit']}" for _, o in others))
    first_doc, first = others[0]
    return {
        "doc_id": doc.get("doc_id"),
        "rule": "corpus_mismatch",
        "severity": severity("corpus_mismatch", "beyond"),
        "message": message(
            "corpus_mismatch",
            district=district,
            label=mine["label"],
            level=_LEVELS.get(mine["level"] or "all", mine["level"]),
            year=f"{mine['year']}年",
            value=f"{_show(mine['value'])}{unit}",
            other_path=paths,
            other_value="、".join(values),
        ),
        "formula": f"{_show(mine['value'])}{unit} ≠ {'、'.join(values)}",
        "reported": _number(mine["value"]),
        "expected": _number(first["value"]),
        "evidence": mine["evidence"],
        "other_doc_id": first_doc.get("doc_id"),
        "other_count": len(others),
    }


def _agree(x: Decimal, y: Decimal) -> bool:
    """Equal, or the less precise value is a common rounding of the more precise one."""
    if x == y:
        return True
    dx, dy = _decimals(x), _decimals(y)
    coarse, fine, d = (x, y, dx) if dx < dy else (y, x, dy)
    return coarse in roundings(fine, d)


def _decimals(v: Decimal) -> int:
    exponent = v.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _norm(v: Decimal) -> Decimal:
    return v.normalize()


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _show(v: Decimal) -> str:
    text = f"{v.normalize():f}"
    return text


def _number(v: Decimal) -> int | float:
    return int(v) if v == v.to_integral_value() else float(v)
