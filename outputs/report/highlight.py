"""Render a document's text as escaped HTML with its figures and findings highlighted.

Spans may overlap in any way (a finding's sentence holds several figures; two findings can
share a sentence), so the text is cut at every span boundary and each piece is wrapped in at
most one `<mark>` that names every span covering it. Nothing is nested, nothing is repeated,
and every character of the document is escaped exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from pipeline.labels import LEVEL_LABEL, SEVERITY_LABEL, SEVERITY_RANK


@dataclass(frozen=True)
class Span:
    """A highlighted range: `kind` is "finding" or "figure", `index` its position in the result."""

    start: int
    end: int
    kind: str
    index: int


def fmt_number(value: Any) -> str:
    """A number as the report would write it: 59.6, 2000 (not 2000.0), '—' for none."""
    if value is None or isinstance(value, bool):
        return "—"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def clamp_span(start: Any, end: Any, length: int) -> tuple[int, int] | None:
    """Offsets limited to the text; None when they are missing or empty (nothing to mark)."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        return None
    start, end = max(0, min(start, length)), max(0, min(end, length))
    return (start, end) if end > start else None


def finding_span(finding: Mapping[str, Any], length: int) -> tuple[int, int] | None:
    """Where a finding sits in the text, from its evidence offsets."""
    evidence = finding.get("evidence") or {}
    return clamp_span(evidence.get("start"), evidence.get("end"), length)


def collect_spans(result: Mapping[str, Any], length: int) -> list[Span]:
    """Every finding and figure that has a usable range in a text of `length` characters."""
    spans: list[Span] = []
    for i, finding in enumerate(result.get("findings") or []):
        rng = finding_span(finding, length)
        if rng:
            spans.append(Span(*rng, "finding", i))
    for i, figure in enumerate(result.get("figures") or []):
        rng = clamp_span(figure.get("start"), figure.get("end"), length)
        if rng:
            spans.append(Span(*rng, "figure", i))
    return spans


def figure_title(figure: Mapping[str, Any]) -> str:
    """Tooltip for a figure: what was read, in which unit, level and year."""
    parts = [
        f"{figure.get('label') or '数值'}: {fmt_number(figure.get('value'))}{figure.get('unit') or ''}"
    ]
    level = figure.get("level")
    if level:
        parts.append(LEVEL_LABEL.get(level, str(level)))
    if figure.get("year"):
        parts.append(f"{figure['year']}年")
    if figure.get("is_target"):
        parts.append("目标值")
    return " · ".join(parts)


def finding_title(finding: Mapping[str, Any]) -> str:
    """Tooltip for a finding: severity, message and the formula that proves it."""
    severity = SEVERITY_LABEL.get(finding.get("severity", ""), str(finding.get("severity")))
    lines = [f"[{severity}] {finding.get('message') or ''}"]
    if finding.get("formula"):
        lines.append(str(finding["formula"]))
    return "\n".join(lines)


def _worst_severity(findings: Sequence[Mapping[str, Any]]) -> str:
    """The most serious severity among findings sharing a piece of text."""
    return min(
        (str(f.get("severity", "info")) for f in findings),
        key=lambda s: SEVERITY_RANK.get(s, 3),
    )


def _mark(piece: str, covering: list[Span], result: Mapping[str, Any]) -> str:
    """One piece of text, wrapped according to the spans over it (findings win the tooltip)."""
    text = escape(piece)
    if not covering:
        return text
    finding_ids = [s.index for s in covering if s.kind == "finding"]
    figure_ids = [s.index for s in covering if s.kind == "figure"]
    figures = [result["figures"][i] for i in figure_ids]
    if not finding_ids:
        title = "\n".join(figure_title(f) for f in figures)
        ids = " ".join(map(str, figure_ids))
        return f'<mark class="fig" data-figures="{ids}" title="{escape(title)}">{text}</mark>'
    findings = [result["findings"][i] for i in finding_ids]
    title = "\n".join(finding_title(f) for f in findings)
    classes = f"finding sev-{escape(_worst_severity(findings))}"
    if all(f.get("review") == "dismissed" for f in findings):
        classes += " review-dismissed"
    extra = ""
    if figure_ids:
        classes += " fig"
        extra = f' data-figures="{" ".join(map(str, figure_ids))}"'
    ids = " ".join(map(str, finding_ids))
    return (
        f'<mark class="{classes}" data-findings="{ids}"{extra} tabindex="0" '
        f'title="{escape(title)}">{text}</mark>'
    )


def highlight(text: str, result: Mapping[str, Any]) -> str:
    """The whole text as HTML: escaped, cut at span boundaries, pieces marked, anchors placed.

    Each finding gets an empty `<span id="f-N">` at its start so the side list can jump to it
    even when several findings begin at the same character.
    """
    spans = collect_spans(result, len(text))
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    opening: dict[int, list[Span]] = {}
    closing: dict[int, list[Span]] = {}
    for s in spans:
        opening.setdefault(s.start, []).append(s)
        closing.setdefault(s.end, []).append(s)
    active: set[Span] = set()
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active.difference_update(closing.get(a, ()))
        active.update(opening.get(a, ()))
        out.extend(
            f'<span class="anchor" id="f-{s.index}"></span>'
            for s in opening.get(a, ())
            if s.kind == "finding"
        )
        covering = sorted(active, key=lambda s: (s.kind, s.index))
        out.append(_mark(text[a:b], covering, result))
    return "".join(out)
