"""The fast HTML reader: lxml's tree, walked with the same rules as the BeautifulSoup reader.

libxml2 builds the tree in C about twenty times faster than BeautifulSoup builds its own. The
tree is never modified: chrome goes into a set of removed elements that every walk skips, so
the text on either side of a removed element stays two strings, as in BeautifulSoup (where
`get_text(" ")` puts a space between them). Text in <script>, <style>, <template>, <rt> and
<rp> is left out of an element's text as BeautifulSoup leaves it out. Returns None for a page
libxml2 does not read whole (nesting beyond its depth limit, a document it calls empty):
`html_soup` reads those.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

import regex
from lxml import etree

from extractors import cms
from extractors.model import PageRead, RawBlock, line_blocks, table_block
from extractors.sitemeta import parse_pairs

Element = etree._Element
# Markup after </html> (CMS templates that close the page in their header): libxml2's tree
# drops it, BeautifulSoup keeps it.
_LATE_CONTENT = regex.compile(r"</html\s*>(?:\s|<!--.*?-->)*+\S", regex.I | regex.S)
_ALL_TEXT = etree.XPath("//text()")
# BeautifulSoup gives the strings inside these tags their own types, which get_text skips.
_STRING_CONTAINERS = frozenset(("script", "style", "template", "rt", "rp"))


def read_tree(text: str) -> PageRead | None:
    """Metadata, title and body blocks of a decoded page; None when libxml2 gives up."""
    root = _parse(text)
    if root is None:
        return None
    site_meta = _meta_tags(root)
    title = _page_title(root, site_meta)
    removed: set[Element] = set()
    site_meta.update(_take_metadata_grid(root, removed))
    body = _body_container(root, _remove_chrome(root, removed), removed)
    if body is None:  # no body left: BeautifulSoup then walks the whole document, doctype too
        return None
    return PageRead(_walk(body, removed), site_meta, title)


def _parse(text: str) -> Element | None:
    # Bytes with the encoding forced: the text is decoded already, so neither an XML
    # declaration nor a <meta charset> may make libxml2 decode it again.
    # Plain elements, not lxml.html's: its element classes cost a Python lookup per node.
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.LxmlError, ValueError, UnicodeEncodeError):
        return None
    if (
        root is None
        or any(_gave_up(error) for error in parser.error_log)
        or _LATE_CONTENT.search(text)
    ):
        return None
    return root


def _gave_up(error: etree._LogEntry) -> bool:
    """libxml2 stopped building part of the tree (it then drops what is nested deeper)."""
    return error.type_name == "ERR_RESOURCE_LIMIT" or "depth" in error.message.lower()


def _remove(removed: set[Element], element: Element) -> None:
    """Mark an element and everything in it removed (one set lookup then tells)."""
    removed.update(element.iter())


def _elements(root: Element, removed: set[Element]) -> Iterator[Element]:
    """Unremoved elements in document order (also skipping what the caller removes while it
    looks at the element just yielded)."""
    return (e for e in root.iter(etree.Element) if e not in removed)


def _strings(root: Element, removed: set[Element]) -> Iterator[tuple[str, Element, str | None]]:
    """(text, parent element, innermost string container) for every text node under root in
    document order: BeautifulSoup's strings, comments left out."""
    outer = next(
        (a.tag for a in chain([root], root.iterancestors()) if a.tag in _STRING_CONTAINERS), None
    )
    if root.text:
        yield root.text, root, outer
    # (children left, their parent, its container, what to yield when they are done)
    stack: list[tuple[Iterator, Element, str | None, tuple | None]] = [
        (iter(root), root, outer, None)
    ]
    while stack:
        children, parent, container = stack[-1][:3]
        child = next(children, None)
        if child is None:
            after = stack.pop()[3]
            if after is not None:
                yield after
            continue
        if isinstance(child.tag, str) and child not in removed:
            inner = child.tag if child.tag in _STRING_CONTAINERS else container
            if child.text:
                yield child.text, child, inner
            tail = (child.tail, parent, container) if child.tail else None
            stack.append((iter(child), child, inner, tail))
        elif child.tail:
            yield child.tail, parent, container


def _text(element: Element, removed: set[Element], sep: str = "", strip: bool = False) -> str:
    """BeautifulSoup's `get_text(sep, strip=strip)` on the unremoved part of the tree."""
    own = element.tag if element.tag in _STRING_CONTAINERS else None
    parts = []
    for text, _, container in _strings(element, removed):
        if container != own:
            continue
        if strip:
            text = text.strip()
            if not text:
                continue
        parts.append(text)
    return sep.join(parts)


def _enough_cjk(element: Element, removed: set[Element]) -> bool:
    """`cms.enough_cjk` of the element's text, reading only as far as it needs to."""
    needed = cms.MIN_BODY_CJK
    own = element.tag if element.tag in _STRING_CONTAINERS else None
    for text, _, container in _strings(element, removed):
        if container == own:
            needed -= cms.count_cjk(text, needed)
            if needed <= 0:
                return True
    return False


def _children(element: Element, removed: set[Element]) -> Iterator[str | Element]:
    """An element's child strings and unremoved child elements, in order (comments left out,
    the text after them kept)."""
    if element.text:
        yield element.text
    for child in element:
        if isinstance(child.tag, str) and child not in removed:
            yield child
        if child.tail:
            yield child.tail


def _classes(element: Element) -> list[str]:
    return (element.get("class") or "").split()


def _meta_tags(root: Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in root.iter("meta"):
        name = (tag.get("name") or tag.get("property") or "").lower()
        if name in cms.META_NAMES and tag.get("content"):
            found[cms.META_NAMES[name]] = " ".join(tag.get("content").split())
    return found


def _page_title(root: Element, site_meta: dict[str, str]) -> str | None:
    if site_meta.get("title"):
        return site_meta["title"]
    title = next(root.iter("title"), None)
    string = _only_string(title) if title is not None else None
    return cms.page_title(string) if string else None


def _only_string(element: Element) -> str | None:
    """BeautifulSoup's `Tag.string`: the text of an element with a single child string (or a
    single child element with one), else None. Comments count, as they do there."""
    while True:
        items: list[str | etree._Element] = [element.text] if element.text else []
        for child in element:
            items.append(child)
            if child.tail:
                items.append(child.tail)
        if len(items) != 1:
            return None
        item = items[0]
        if isinstance(item, str):
            return item
        if not isinstance(item.tag, str):  # a comment
            return item.text
        element = item


def _take_metadata_grid(root: Element, removed: set[Element]) -> dict[str, str]:
    """Find the smallest element holding the 索引号/发布机构/日期 grid, parse it, remove it."""
    for text in _ALL_TEXT(root):  # every text node, collected in C; none is removed yet
        if not cms.may_anchor_grid(text):
            continue
        node = text.getparent().getparent() if text.is_tail else text.getparent()
        while node is not None and node.tag not in ("body", "html"):
            grid = _text(node, removed, " ", strip=True)
            if len(grid) > cms.GRID_MAX_CHARS:
                break
            if cms.grid_hits(grid) >= 3:
                pairs = parse_pairs(_text(node, removed, "\n", strip=True))
                _remove(removed, node)
                return pairs
            node = node.getparent()
    return {}


def _remove_chrome(root: Element, removed: set[Element]) -> list[tuple[int, Element]]:
    """Mark chrome removed; return the body candidates as (rank, element), best first."""
    for element in root.iter(*cms.DROP_TAGS):
        if element not in removed:  # nested ones are in already
            _remove(removed, element)
    candidates = []
    for element in _elements(root, removed):
        rank = cms.body_rank(element.tag, element.get("id"), _classes(element))
        if rank is not None:
            candidates.append((rank, element))
    keep = {
        parent for rank, el in candidates if rank < cms.TRUSTED for parent in el.iterancestors()
    }
    for element in _elements(root, removed):
        if element not in keep and cms.is_chrome(element.get("id"), _classes(element)):
            _remove(removed, element)
    candidates.sort(key=lambda c: c[0])
    return [(r, el) for r, el in candidates if el not in removed]


def _body_container(
    root: Element, candidates: list[tuple[int, Element]], removed: set[Element]
) -> Element | None:
    for _, candidate in candidates:
        if _enough_cjk(candidate, removed):
            return candidate
    return next((el for el in root.iter("body") if el not in removed), None)


def _walk(root: Element, removed: set[Element]) -> list[RawBlock]:
    """Blocks in document order: headings, paragraphs (split at <br>), data tables."""
    blocks: list[RawBlock] = []
    buffer: list[str] = []

    def flush(kind: str = "paragraph") -> None:
        blocks.extend(line_blocks("".join(buffer), kind))
        buffer.clear()

    # An explicit stack, not recursion: hostile pages nest tags deeply.
    stack: list[tuple[Iterator, bool]] = [(_children(root, removed), False)]
    while stack:
        children, is_block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if is_block:
                flush()
            continue
        if isinstance(child, str):
            buffer.append(child)
            continue
        name = child.tag
        if name == "br":
            buffer.append("\n")
        elif name == "table" and _is_data_table(child, removed):
            flush()
            rows = _table_rows(child, removed)
            if rows:
                blocks.append(table_block(rows))
        elif name in cms.HEADING_TAGS:
            flush()
            buffer.append(_text(child, removed, " "))
            flush("heading")
        elif name in cms.BLOCK_TAGS or name in ("table", "tbody", "td", "th"):
            flush()
            stack.append((_children(child, removed), True))
        else:
            stack.append((_children(child, removed), False))
    flush()
    return blocks


def _descendants(element: Element, removed: set[Element], *names: str) -> Iterator[Element]:
    """Unremoved descendants with one of these tag names, in document order."""
    return (el for el in element.iterdescendants(*names) if el not in removed)


def _is_data_table(table: Element, removed: set[Element]) -> bool:
    """Layout tables wrap paragraphs; data tables hold short cells."""
    if next(_descendants(table, removed, "p", "div", "table"), None) is not None:
        cells = _descendants(table, removed, "td", "th")
        long_cells = sum(len(_text(c, removed, strip=True)) > 120 for c in cells)
        return long_cells == 0 and next(_descendants(table, removed, "table"), None) is None
    return True


def _table_rows(table: Element, removed: set[Element]) -> list[list[str]]:
    rows = []
    for tr in _descendants(table, removed, "tr"):
        cells = [
            " ".join(_text(td, removed, " ").split())
            for td in _descendants(tr, removed, "td", "th")
        ]
        if any(cells):
            rows.append(cells)
    return rows
