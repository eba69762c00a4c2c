"""Small horizontal bar charts as inline SVG, so the report needs no script library or network.

One function draws every chart in the report: documents by status, findings by rule (stacked
by severity) and an indicator's values across districts with the national standard as a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

LABEL_W = 170
BAR_W = 310
VALUE_W = 90
ROW_H = 22
TOP = 8
LABEL_UNITS = 26  # label column width in half-width characters (a CJK one counts 2)


@dataclass(frozen=True)
class Segment:
    """A piece of a bar: its size, a CSS class for the colour and a tooltip."""

    value: float
    css: str = "bar"
    title: str = ""


@dataclass(frozen=True)
class Row:
    """One bar: a label, an optional link (e.g. the document page) and its segments."""

    label: str
    segments: list[Segment] = field(default_factory=list)
    href: str | None = None
    value_text: str | None = None


@dataclass(frozen=True)
class Threshold:
    """A vertical reference line, e.g. the national standard '≥ 50%'."""

    value: float
    label: str


def _units(char: str) -> int:
    """Display width of a character: 2 for CJK and other wide ones, 1 for ASCII."""
    return 1 if ord(char) < 0x2E80 else 2


def _short(label: str) -> str:
    """Labels wider than the column are cut with an ellipsis; the full text is the tooltip."""
    if sum(map(_units, label)) <= LABEL_UNITS:
        return label
    out, used = "", 0
    for char in label:
        if used + _units(char) > LABEL_UNITS - 1:
            break
        out, used = out + char, used + _units(char)
    return out + "…"


def _row_svg(row: Row, y: float, scale: float) -> str:
    """The label, stacked segments and value text of one bar."""
    parts = [
        f'<text class="lbl" x="{LABEL_W - 6}" y="{y + ROW_H / 2 + 4:.1f}" text-anchor="end">'
        f"<title>{escape(row.label)}</title>{escape(_short(row.label))}</text>"
    ]
    x = float(LABEL_W)
    for seg in row.segments:
        width = max(0.0, seg.value) * scale
        title = f"<title>{escape(seg.title)}</title>" if seg.title else ""
        parts.append(
            f'<rect class="{escape(seg.css)}" x="{x:.1f}" y="{y + 3:.1f}" '
            f'width="{width:.1f}" height="{ROW_H - 6}">{title}</rect>'
        )
        x += width
    total = (
        row.value_text if row.value_text is not None else _num(sum(s.value for s in row.segments))
    )
    parts.append(
        f'<text class="val" x="{x + 4:.1f}" y="{y + ROW_H / 2 + 4:.1f}">{escape(total)}</text>'
    )
    body = "".join(parts)
    if row.href:
        return f'<a href="{escape(row.href)}">{body}</a>'
    return body


def _num(value: float) -> str:
    """Compact number for axis and bar labels."""
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def bar_chart(rows: list[Row], threshold: Threshold | None = None, caption: str = "") -> str:
    """An SVG with one horizontal bar per row, scaled so bars and threshold line all fit."""
    top = max([sum(max(0.0, s.value) for s in r.segments) for r in rows] + [0.0])
    if threshold:
        top = max(top, threshold.value)
    scale = BAR_W / (top * 1.05) if top > 0 else 0.0
    extra = 18 if threshold else 0
    height = TOP + extra + ROW_H * len(rows) + 6
    width = LABEL_W + BAR_W + VALUE_W
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(caption)}</title>" if caption else "",
    ]
    for i, row in enumerate(rows):
        parts.append(_row_svg(row, TOP + extra + i * ROW_H, scale))
    if threshold:
        x = LABEL_W + max(0.0, threshold.value) * scale
        parts.append(
            f'<line class="std" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + 12}" y2="{height - 2}"/>'
            f'<text class="std-lbl" x="{x:.1f}" y="{TOP + 8}" text-anchor="middle">'
            f"{escape(threshold.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Dot:
    """One district's value on a distribution strip."""

    value: float
    css: str
    title: str


@dataclass(frozen=True)
class Strip:
    """One indicator's values across districts, on its own axis, with the standard."""

    label: str
    dots: list[Dot]
    standard: float | None = None
    note: str = ""


STRIP_W = 360
NOTE_W = 130


def strip_chart(strips: list[Strip], caption: str = "") -> str:
    """One row per indicator: every district a dot, the national standard a red line.

    Each row has its own scale (indicators have different units), from the smallest to the
    largest of its values and its standard, so the spread and the share below the bar show.
    """
    height = TOP + ROW_H * len(strips) + 6
    width = LABEL_W + STRIP_W + NOTE_W
    parts = [
        f'<svg class="chart strip" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(caption)}</title>" if caption else "",
    ]
    for i, strip in enumerate(strips):
        y = TOP + i * ROW_H
        mid = y + ROW_H / 2
        values = [d.value for d in strip.dots] + (
            [strip.standard] if strip.standard is not None else []
        )
        low, high = min(values), max(values)
        span = (high - low) or 1.0

        def x(v: float, low: float = low, span: float = span) -> float:
            return LABEL_W + 8 + (v - low) / span * (STRIP_W - 16)

        parts.append(
            f'<text class="lbl" x="{LABEL_W - 6}" y="{mid + 4:.1f}" text-anchor="end">'
            f"<title>{escape(strip.label)}</title>{escape(_short(strip.label))}</text>"
            f'<line class="axis" x1="{LABEL_W}" x2="{LABEL_W + STRIP_W}" y1="{mid:.1f}" y2="{mid:.1f}"/>'
        )
        if strip.standard is not None:
            sx = x(strip.standard)
            parts.append(
                f'<line class="std" x1="{sx:.1f}" x2="{sx:.1f}" y1="{y + 3}" y2="{y + ROW_H - 3}"/>'
            )
        for dot in strip.dots:
            parts.append(
                f'<circle class="{escape(dot.css)}" cx="{x(dot.value):.1f}" cy="{mid:.1f}" r="4">'
                f"<title>{escape(dot.title)}</title></circle>"
            )
        parts.append(
            f'<text class="val" x="{LABEL_W + STRIP_W + 6}" y="{mid + 4:.1f}">{escape(strip.note)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
