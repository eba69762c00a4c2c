"""The lenient HTML reader: BeautifulSoup over lxml's event parser.

About twenty times slower than `html_tree`, which reads every page libxml2 can build a whole
tree of; this one takes the pages it cannot (nesting deeper than libxml2's limit, documents
it calls empty). A test keeps the two readers' output identical on every page they both read.
"""

from __future__ import annotations

from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from extractors import cms
from extractors.model import PageRead, RawBlock, line_blocks, table_block
from extractors.sitemeta import parse_pairs


def read_soup(text: str) -> PageRead:
    """Metadata, title and body blocks of a decoded page."""
    soup = BeautifulSoup(text, "lxml")
    site_meta = _meta_tags(soup)
    title = _page_title(soup, site_meta)
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    site_meta.update(_take_metadata_grid(soup))
    body = _body_container(soup, _remove_chrome(soup))
    return PageRead(_walk(body), site_meta, title)


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or "").lower()
        if name in cms.META_NAMES and tag.get("content"):
            found[cms.META_NAMES[name]] = " ".join(str(tag["content"]).split())
    return found


def _page_title(soup: BeautifulSoup, site_meta: dict[str, str]) -> str | None:
    if site_meta.get("title"):
        return site_meta["title"]
    if soup.title and soup.title.string:
        return cms.page_title(soup.title.string)
    return None


def _take_metadata_grid(soup: BeautifulSoup) -> dict[str, str]:
    """Find the smallest element holding the 索引号/发布机构/日期 grid, parse it, remove it."""
    for anchor in soup.find_all(string=cms.GRID_ANCHOR):
        node = anchor.parent
        while node is not None and node.name not in ("body", "html", "[document]"):
            text = node.get_text(" ", strip=True)
            if len(text) > cms.GRID_MAX_CHARS:
                break
            if cms.grid_hits(text) >= 3:
                pairs = parse_pairs(node.get_text("\n", strip=True))
                node.decompose()
                return pairs
            node = node.parent
    return {}


def _remove_chrome(soup: BeautifulSoup) -> list[tuple[int, Tag]]:
    """Drop chrome; return the body candidates as (rank, tag), best first."""
    for tag in soup.find_all(list(cms.DROP_TAGS)):
        tag.decompose()
    candidates = []
    for tag in soup.find_all(True):
        rank = cms.body_rank(tag.name, tag.get("id"), tag.get("class") or [])
        if rank is not None:
            candidates.append((rank, tag))
    keep = {id(parent) for rank, el in candidates if rank < cms.TRUSTED for parent in el.parents}
    for tag in soup.find_all(True):
        if _decomposed(tag) or id(tag) in keep:
            continue
        if cms.is_chrome(tag.get("id"), list(tag.get("class") or [])):
            tag.decompose()
    candidates.sort(key=lambda c: c[0])
    return [(r, t) for r, t in candidates if not _decomposed(t)]


def _decomposed(tag: Tag) -> bool:
    """Read the flag directly: `getattr` on a Tag falls back to a search of its whole subtree,
    which made deeply nested pages take quadratic time."""
    return bool(tag.__dict__.get("_decomposed", False))


def _body_container(soup: BeautifulSoup, candidates: list[tuple[int, Tag]]) -> Tag:
    for _, candidate in candidates:
        if cms.enough_cjk(candidate.get_text()):
            return candidate
    return soup.body or soup


def _walk(root: Tag) -> list[RawBlock]:
    """Blocks in document order: headings, paragraphs (split at <br>), data tables."""
    blocks: list[RawBlock] = []
    buffer: list[str] = []

    def flush(kind: str = "paragraph") -> None:
        blocks.extend(line_blocks("".join(buffer), kind))
        buffer.clear()

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
        elif name in cms.HEADING_TAGS:
            flush()
            buffer.append(child.get_text(" "))
            flush("heading")
        elif name in cms.BLOCK_TAGS or name in ("table", "tbody", "td", "th"):
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
