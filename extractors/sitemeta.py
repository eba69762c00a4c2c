"""Parse the metadata block of government information-disclosure pages.

Sites print it as a label/value grid: "[ 索引号 ] 1150…/2022-00320", "发布机构: 江北区教委",
"成文日期：2022-12-13" — on one line, across lines, or several pairs per line.
"""

from __future__ import annotations

import regex

# label → key; values are cut at the next label.
LABELS = {
    "索引号": "index_no",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "主题分类": "topic",
    "体裁分类": "genre",
    "信息分类": "topic",
    "内容分类": "topic",
    "发布机构": "publisher",
    "发文机关": "publisher",
    "来源单位": "source",
    "信息来源": "source",
    "来源": "source",
    "成文日期": "written",
    "发布日期": "published",
    "发布时间": "published",
    "公开日期": "published",
    "日期": "date",
    "有效性": "validity",
    "名称": "title",
    "标题": "title",
    "关键词": "keywords",
}

_LABEL = "|".join(
    r"\s*".join(regex.escape(ch) for ch in k) for k in sorted(LABELS, key=len, reverse=True)
)
_PAIR = regex.compile(
    rf"[\[【]?\s*(?P<label>{_LABEL})\s*[\]】]?\s*[:：]?\s*(?P<value>.*?)"
    rf"(?=\s*[\[【]?\s*(?:{_LABEL})\s*[\]】]?\s*[:：]|\s*[\[【]\s*(?:{_LABEL})|$)"
)
_LABEL_START = regex.compile(rf"[\[【]?\s*(?:{_LABEL})\s*[\]】]?\s*(?:[:：]|$|\s)")
_SPACES = regex.compile(r"\s+")
_DATE = regex.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def parse_pairs(text: str) -> dict[str, str]:
    """Label/value pairs found in `text` (first value wins; empty values ignored)."""
    found: dict[str, str] = {}
    lines = [ln.strip(" \t•·") for ln in text.splitlines()]
    pending: str | None = None
    for line in lines:
        if not line:
            continue
        matches = list(_PAIR.finditer(line)) if _starts_with_label(line) else []
        if not matches:
            if pending and pending not in found and len(line) <= 32:
                found[pending] = line  # value printed on the line after its label
            pending = None
            continue
        pending = None
        for m in matches:
            label = _SPACES.sub("", m["label"])
            key, value = LABELS[label], m["value"].strip(" []【】:：")
            if value:
                found.setdefault(key, value)
            else:
                pending = key
    return found


def _starts_with_label(line: str) -> bool:
    return _LABEL_START.match(line) is not None


def iso_date(value: str | None) -> str | None:
    """ "2025-06-18 17:45" or "2022年12月13日" → "YYYY-MM-DD"; None when not a date."""
    if not value:
        return None
    m = _DATE.search(value)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def looks_like_meta_line(line: str) -> bool:
    """A line of the metadata grid (label with or without value), not body prose."""
    stripped = line.strip(" \t•·")
    return len(stripped) <= 80 and _starts_with_label(stripped)
