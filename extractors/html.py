"""HTML pages from government CMSs: find the article body, drop the site chrome, keep tables.

Stages (each small and testable): decode by evidence → parse with lxml → read <meta> and the
disclosure metadata grid → remove chrome → pick the body container → walk it into blocks.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from extractors.boilerplate import is_boilerplate
from extractors.docx import table_block
from extractors.encoding import UndecodableError, decode_bytes
from extractors.model import Extraction, RawBlock
from extractors.sitemeta import parse_pairs

_DECLARED = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", regex.I)

_DROP_TAGS = [
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
]

# id/class fragments of site chrome on Chinese government CMSs (TRS, Hanweb, …)
_CHROME = regex.compile(
    r"(^|[-_\s])(nav|navbar|menu|breadcrumb|crumbs?|bread|position|location|dqwz|weizhi|"
    r"footer|foot|bottom|copyright|share|bdshare|print|toolbar|tools?|sidebar|side|banner|"
    r"search|login|topbar|header|head|skip|fontsize|zihao|font-?size|qrcode|ewm|erweima|"
    r"related|xgxx|xglj|pagination|pager|page-?nav|friend-?links?|links|yqlj|wza|aria|"
    r"speak|voice|bofang|tts)($|[-_\s\d])",
    regex.I,
)

# Containers that hold the article body on common CMSs, best first: (tag or "*", attr, value).
_BODY_SELECTORS = (
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
_TRUSTED = 6

_META_NAMES = {
    "articletitle": "title",
    "pubdate": "published",
    "contentsource": "source",
    "keywords": "keywords",
    "columnname": "column",
    "sitename": "site",
}

_BLOCK_TAGS = set(
    [
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
    ]
)
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_MIN_BODY_CJK = 30
_GRID_LABELS = ("索引号", "发布机构", "成文日期", "发布日期", "主题分类", "发文字号")


def extract_html(data: bytes) -> Extraction:
    declared = _DECLARED.search(data[:4096])
    try:
        text, encoding = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    except UndecodableError as exc:
        return Extraction(status="failed", error=f"网页内容无法解码：{exc}")
    soup = BeautifulSoup(text, "lxml")
    site_meta = _meta_tags(soup)
    title = _page_title(soup, site_meta)
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    site_meta.update(_take_metadata_grid(soup))
    body = _body_container(soup, _remove_chrome(soup))
    blocks = _walk(body)
    blocks = [b for b in blocks if b.kind == "table" or not is_boilerplate(b.text)]
    if title and not any(title in b.text or b.text in title for b in blocks[:5] if b.text):
        blocks.insert(0, RawBlock("heading", title))
    if title:
        site_meta.setdefault("title", title)
    return Extraction(blocks=blocks, site_meta=site_meta, encoding=encoding)


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").lower()
        if name in _META_NAMES and tag.get("content"):
            found[_META_NAMES[name]] = " ".join(str(tag["content"]).split())
    return found


def _page_title(soup: BeautifulSoup, site_meta: dict[str, str]) -> str | None:
    if site_meta.get("title"):
        return site_meta["title"]
    if soup.title and soup.title.string:
        title = " ".join(soup.title.string.split())
        # "报告标题 _ 某区人民政府" / "报告标题-某区人民政府网"
        return regex.split(r"\s*(?:_|\||—|-{1,2})\s*(?=[^_|—-]*(?:政府|网站|门户|网)\s*$)", title)[
            0
        ]
    return None


def _take_metadata_grid(soup: BeautifulSoup) -> dict[str, str]:
    """Find the smallest element holding the 索引号/发布机构/日期 grid, parse it, remove it."""
    for anchor in soup.find_all(string=regex.compile("索\\s*引\\s*号|发布机构|成文日期")):
        node = anchor.parent
        while node is not None and node.name not in ("body", "html", "[document]"):
            text = node.get_text(" ", strip=True)
            if len(text) > 600:
                break
            hits = sum(label in text for label in _GRID_LABELS)
            if hits >= 3:
                pairs = parse_pairs(node.get_text("\n", strip=True))
                node.decompose()
                return pairs
            node = node.parent
    return {}


def _body_rank(tag: Tag) -> int | None:
    """Index of the first body selector `tag` matches, or None."""
    classes = tag.get("class") or []
    for rank, (name, attr, value) in enumerate(_BODY_SELECTORS):
        if name != "*" and tag.name != name:
            continue
        if (
            attr is None
            or (attr == "id" and tag.get("id") == value)
            or (attr == "class" and value in classes)
        ):
            return rank
    return None


def _remove_chrome(soup: BeautifulSoup) -> list[tuple[int, Tag]]:
    """Drop chrome; return the body candidates as (rank, tag), best first."""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    candidates = []
    for tag in soup.find_all(True):
        rank = _body_rank(tag)
        if rank is not None:
            candidates.append((rank, tag))
    keep = {id(parent) for rank, el in candidates if rank < _TRUSTED for parent in el.parents}
    for tag in soup.find_all(True):
        if _decomposed(tag) or id(tag) in keep:
            continue
        marks = " ".join([str(tag.get("id") or "")] + list(tag.get("class") or []))
        if marks.strip() and _CHROME.search(marks):
            tag.decompose()
    candidates.sort(key=lambda c: c[0])
    return [(r, t) for r, t in candidates if not _decomposed(t)]


def _decomposed(tag: Tag) -> bool:
    """Read the flag directly: `getattr` on a Tag falls back to a search of its whole subtree,
    which made deeply nested pages take quadratic time."""
    return bool(tag.__dict__.get("_decomposed", False))


def _body_container(soup: BeautifulSoup, candidates: list[tuple[int, Tag]]) -> Tag:
    for _, candidate in candidates:
        if _cjk_count(candidate.get_text()) >= _MIN_BODY_CJK:
            return candidate
    return soup.body or soup


def _cjk_count(text: str) -> int:
    return len(regex.findall(r"\p{Han}", text))


def _walk(root: Tag) -> list[RawBlock]:
    """Blocks in document order: headings, paragraphs (split at <br>), data tables."""
    blocks: list[RawBlock] = []
    buffer: list[str] = []

    def flush(kind: str = "paragraph") -> None:
        text = "".join(buffer)
        buffer.clear()
        for line in text.split("\n"):
            line = " ".join(line.split())
            if line:
                blocks.append(RawBlock(kind, line))

    # An explicit stack, not recursion: hostile pages nest tags 100,000 deep.
    stack: list[tuple[Iterator, bool]] = [(iter(root.children), False)]
    while stack:
        children, is_block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if is_block:
                flush()
            continue
        if isinstance(child, NavigableString):
            buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            buffer.append("\n")
        elif name == "table" and _is_data_table(child):
            flush()
            rows = _table_rows(child)
            if rows:
                blocks.append(table_block(rows))
        elif name in _HEADING_TAGS:
            flush()
            buffer.append(child.get_text(" "))
            flush("heading")
        elif name in _BLOCK_TAGS or name in ("table", "tbody", "td", "th"):
            flush()
            stack.append((iter(child.children), True))
        else:
            stack.append((iter(child.children), False))
    flush()
    return blocks


def _is_data_table(table: Tag) -> bool:
    """Layout tables wrap paragraphs; data tables hold short cells."""
    if table.find(["p", "div", "table"]) is not None:
        cells = table.find_all(["td", "th"])
        long_cells = sum(len(c.get_text(strip=True)) > 120 for c in cells)
        return long_cells == 0 and table.find("table") is None
    return True


def _table_rows(table: Tag) -> list[list[str]]:
    rows = []
    for tr in table.find_all("tr"):
        cells = [" ".join(td.get_text(" ").split()) for td in tr.find_all(["td", "th"])]
        if any(cells):
            rows.append(cells)
    return rows
