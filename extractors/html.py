"""HTML pages from government CMSs: find the article body, drop the site chrome, keep tables.

Stages (each small and testable): decode by evidence → parse with lxml (BeautifulSoup when
libxml2 gives up on the page) → read <meta> and the disclosure metadata grid → remove chrome
→ pick the body container → walk it into blocks → drop boilerplate lines. The CMS knowledge
both readers share is in `extractors.cms`.
"""

from __future__ import annotations

from extractors import cms
from extractors.boilerplate import is_boilerplate
from extractors.encoding import UndecodableError, decode_bytes
from extractors.html_tree import read_tree
from extractors.model import Extraction, PageRead, RawBlock


def extract_html(data: bytes, lenient: bool = False) -> Extraction:
    """The page's body blocks and metadata; `lenient` reads it with BeautifulSoup, the
    fallback, so that tests can hold both readers to the same output."""
    declared = cms.DECLARED_CHARSET.search(data[:4096])
    try:
        text, encoding = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    except UndecodableError as exc:
        return Extraction(status="failed", error=f"网页内容无法解码：{exc}")
    page = (None if lenient else read_tree(text)) or _read_leniently(text)
    return _finish(page, encoding)


def _read_leniently(text: str) -> PageRead:
    """BeautifulSoup, imported only for the rare page that needs it."""
    from extractors.html_soup import read_soup

    return read_soup(text)


def _finish(page: PageRead, encoding: str) -> Extraction:
    """Drop boilerplate lines; put the title first unless the body opens with it."""
    blocks = [b for b in page.blocks if b.kind == "table" or not is_boilerplate(b.text)]
    title, site_meta = page.title, page.site_meta
    if title and not any(title in b.text or b.text in title for b in blocks[:5] if b.text):
        blocks.insert(0, RawBlock("heading", title))
    if title:
        site_meta.setdefault("title", title)
    return Extraction(blocks=blocks, site_meta=site_meta, encoding=encoding)
