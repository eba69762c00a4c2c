"""What government CMS pages look like: chrome tags and id/class marks, body containers,
meta names, title suffixes.

Shared by the two HTML readers (lxml in `html_tree`, BeautifulSoup in `html_soup`) so that
they can differ only in how they walk a tree, never in what they keep.
"""

from __future__ import annotations

from itertools import islice

import regex

DECLARED_CHARSET = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", regex.I)

DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "nav",
    "header",
    "footer",
    "button",
    "select",
    "input",
    "textarea",
    "svg",
    "canvas",
    "object",
    "embed",
    "link",
    "meta",
    "template",
    "aside",
    "audio",
    "video",
    "map",
)

# id/class fragments of site chrome on Chinese government CMSs (TRS, Hanweb, …)
CHROME_MARKS = regex.compile(
    r"(^|[-_\s])(nav|navbar|menu|breadcrumb|crumbs?|bread|position|location|dqwz|weizhi|"
    r"footer|foot|bottom|copyright|share|bdshare|print|toolbar|tools?|sidebar|side|banner|"
    r"search|login|topbar|header|head|skip|fontsize|zihao|font-?size|qrcode|ewm|erweima|"
    r"related|xgxx|xglj|pagination|pager|page-?nav|friend-?links?|links|yqlj|wza|aria|"
    r"speak|voice|bofang|tts)($|[-_\s\d])",
    regex.I,
)

# Containers that hold the article body on common CMSs, best first: (tag or "*", attr, value).
BODY_SELECTORS = (
    ("div", "class", "TRS_Editor"),
    ("div", "class", "TRS_UEDITOR"),
    ("*", "id", "zoom"),
    ("*", "id", "UCAP-CONTENT"),
    ("*", "class", "article-content"),
    ("*", "class", "article_content"),
    ("*", "class", "art_con"),
    ("*", "class", "artcon"),
    ("*", "id", "art_content"),
    ("*", "class", "zwnr"),
    ("*", "class", "con_nr"),
    ("*", "class", "news_content"),
    ("*", "class", "detail-content"),
    ("*", "class", "content-text"),
    ("*", "id", "content"),
    ("*", "class", "content"),
    ("article", None, None),
    ("*", "class", "article"),
    ("main", None, None),
)
# The CMS-specific containers above this index are trusted enough to protect their ancestors.
TRUSTED = 6

META_NAMES = {
    "articletitle": "title",
    "pubdate": "published",
    "contentsource": "source",
    "keywords": "keywords",
    "columnname": "column",
    "sitename": "site",
}

BLOCK_TAGS = frozenset(
    (
        "p",
        "div",
        "section",
        "article",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "center",
        "br",
        "tr",
    )
)
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
MIN_BODY_CJK = 30
GRID_LABELS = ("索引号", "发布机构", "成文日期", "发布日期", "主题分类", "发文字号")
GRID_ANCHOR = regex.compile("索\\s*引\\s*号|发布机构|成文日期")
# the longest text a metadata grid's container holds; beyond it the climb stops
GRID_MAX_CHARS = 600
# "报告标题 _ 某区人民政府" / "报告标题-某区人民政府网"
_SITE_SUFFIX = regex.compile(r"\s*(?:_|\||—|-{1,2})\s*(?=[^_|—-]*(?:政府|网站|门户|网)\s*$)")
_HAN = regex.compile(r"\p{Han}")


def _selector_index() -> dict[tuple[str | None, str | None], list[tuple[str, int]]]:
    """(attr, value) → [(tag or "*", rank)]: a selector found by lookup, not by a scan."""
    index: dict[tuple[str | None, str | None], list[tuple[str, int]]] = {}
    for rank, (tag, attr, value) in enumerate(BODY_SELECTORS):
        index.setdefault((attr, value), []).append((tag, rank))
    return index


_SELECTORS = _selector_index()


def body_rank(name: str, element_id: str | None, classes: list[str]) -> int | None:
    """Index of the first body selector an element matches, or None."""
    keys = [(None, None), ("id", element_id)] + [("class", c) for c in classes]
    ranks = [
        rank for key in keys for tag, rank in _SELECTORS.get(key, ()) if tag == "*" or tag == name
    ]
    return min(ranks, default=None)


def is_chrome(element_id: str | None, classes: list[str]) -> bool:
    """An element whose id or class names site chrome (nav, footer, share, print…)."""
    marks = " ".join([str(element_id or "")] + classes)
    return bool(marks.strip()) and CHROME_MARKS.search(marks) is not None


def grid_hits(text: str) -> int:
    """How many metadata-grid labels a container's text holds."""
    return sum(label in text for label in GRID_LABELS)


def may_anchor_grid(text: str) -> bool:
    """`GRID_ANCHOR` matches: substring tests first, as almost no text node holds a label."""
    return ("索" in text or "发布机构" in text or "成文日期" in text) and (
        GRID_ANCHOR.search(text) is not None
    )


def page_title(raw: str) -> str:
    """The <title> without the site name a CMS appends to it."""
    return _SITE_SUFFIX.split(" ".join(raw.split()))[0]


def enough_cjk(text: str, needed: int = MIN_BODY_CJK) -> bool:
    """At least `needed` Chinese characters: stops counting as soon as it knows."""
    return count_cjk(text, needed) >= needed


def count_cjk(text: str, limit: int) -> int:
    """Chinese characters in `text`, counted up to `limit`."""
    return sum(1 for _ in islice(_HAN.finditer(text), limit))
