"""Read a fetched HTML page: its title, report links, attachment links and pagination.

District sites run on TRS and similar CMSs: list pages named index.html, index_1.html …,
pagination built by `createPageHTML(count, current, "index", "html")`, attachments behind
relative links, `<base href>` or onclick handlers. Everything here is pure (no I/O) so each
rule can be tested on a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from posixpath import dirname
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from .store import ATTACHMENT_EXTS

if TYPE_CHECKING:  # bs4 is imported when a page is parsed, not for `edu-audit --help`
    from bs4 import BeautifulSoup

DEFAULT_KEYWORDS = ("自查自评报告", "自评报告", "督导评估", "优质均衡", "基本均衡", "履行教育职责")

_PAGER_TEXT = re.compile(r"^(下一页|下页|上一页|上页|尾页|末页|后页|前页|\d{1,4}|>|>>|»|›)$")
_PAGED_NAME = re.compile(r"^(index|default|list)(_\d+)?\.(s?html?|jsp|php|aspx?)$", re.I)
_JS_URL = re.compile(
    r"""(?:window\.open|location(?:\.href)?\s*=|location\.assign|location\.replace)\s*\(?\s*['"]([^'"]+)['"]"""
)
_CREATE_PAGE = re.compile(
    r"""createPageHTML\(\s*(\w+)\s*,\s*(\w+)\s*,\s*['"]([\w-]+)['"]\s*,\s*['"](\w+)['"]"""
)
_PAGE_COUNT_VAR = r"""(?:var|let|const)?\s*{name}\s*=\s*['"]?(\d+)"""
_MAX_JS_PAGES = 500
# A list page of a district column holds tens of links; thousands is a trap or a site map.
MAX_LINKS_PER_PAGE = 1000


@dataclass(frozen=True)
class Link:
    """A link found on a page, with the text a person would read."""

    url: str
    text: str


@dataclass
class PageLinks:
    """What a page offers the crawler."""

    title: str | None
    reports: list[Link]
    attachments: list[Link]
    pages: list[Link]
    total_links: int = 0
    refused: int = 0  # links to javascript:, file:, data:, ftp: … (never followed)

    def note(self) -> str | None:
        """What the crawler left out of this page, for the manifest."""
        parts = []
        if self.total_links > MAX_LINKS_PER_PAGE:
            parts.append(f"页面链接过多（共{self.total_links}个），只处理前{MAX_LINKS_PER_PAGE}个")
        if self.refused:
            parts.append(f"忽略非http(s)链接{self.refused}个（javascript:、file:等）")
        return "；".join(parts) or None


def parse_page(html: str, page_url: str, keywords: tuple[str, ...]) -> PageLinks:
    """Classify the links of one HTML page (decoded text, URL after redirects)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    base = _base_url(soup, page_url)
    links, refused = _all_links(soup, base)
    reports, attachments, pages = [], [], []
    for link in links[:MAX_LINKS_PER_PAGE]:
        if is_attachment(link.url):
            attachments.append(link)
        elif matches_keywords(link.text, keywords):
            reports.append(link)
        elif is_pagination(link, page_url):
            pages.append(link)
    pages.extend(js_pagination(html, page_url))
    return PageLinks(
        _title(soup),
        _unique(reports),
        _unique(attachments),
        _unique(pages),
        total_links=len(links),
        refused=refused,
    )


def matches_keywords(text: str, keywords: tuple[str, ...]) -> bool:
    """A report link is recognised by its title, the only reliable signal on list pages."""
    return any(k in text for k in keywords)


def is_attachment(url: str) -> bool:
    """Attachments are recognised by the extension of the URL path, or of a file name in the
    query (download scripts such as downfile.jsp?filename=报告.pdf)."""
    parts = urlsplit(url)
    candidates = [parts.path] + [v for _k, v in parse_qsl(parts.query)]
    return any(_ext(c) in ATTACHMENT_EXTS for c in candidates)


def _ext(name: str) -> str:
    last = name.rsplit("/", 1)[-1].lower()
    return last.rsplit(".", 1)[-1] if "." in last else ""


def is_pagination(link: Link, page_url: str) -> bool:
    """Pager links stay in the list's own folder: index_N.html or a pager label like 下一页."""
    here, there = urlsplit(page_url), urlsplit(link.url)
    if there.netloc != here.netloc or dirname(there.path) != dirname(here.path):
        return False
    if there.path == here.path and there.query == here.query:
        return False
    name = there.path.rsplit("/", 1)[-1]
    return bool(_PAGED_NAME.match(name)) or bool(_PAGER_TEXT.match(link.text.strip()))


def looks_like_list(url: str) -> bool:
    """Column pages are folders or index/list pages; articles are t20250401_123.html."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name == "" or bool(_PAGED_NAME.match(name))


def js_pagination(html: str, page_url: str) -> list[Link]:
    """Expand TRS `createPageHTML(n, cur, "index", "html")` into index.html … index_{n-1}.html."""
    found: list[Link] = []
    for count_s, _cur, stem, ext in _CREATE_PAGE.findall(html):
        count = _js_int(html, count_s)
        if count is None:
            continue
        for i in range(min(count, _MAX_JS_PAGES)):
            name = f"{stem}.{ext}" if i == 0 else f"{stem}_{i}.{ext}"
            found.append(Link(urljoin(page_url, name), f"第{i + 1}页"))
    return found


def _js_int(html: str, token: str) -> int | None:
    """A literal number, or the value of a variable assigned a number elsewhere in the page."""
    if token.isdigit():
        return int(token)
    match = re.search(_PAGE_COUNT_VAR.format(name=re.escape(token)), html)
    return int(match.group(1)) if match else None


def _base_url(soup: BeautifulSoup, page_url: str) -> str:
    tag = soup.find("base", href=True)
    return urljoin(page_url, tag["href"].strip()) if tag else page_url


def _all_links(soup: BeautifulSoup, base: str) -> tuple[list[Link], int]:
    """Anchors and onclick/JavaScript targets, resolved to absolute http(s) URLs; and how many
    targets were refused for their scheme (javascript:, file:, data:, ftp:)."""
    out: list[Link] = []
    refused = 0
    tags = soup.find_all(["a", "area"])
    tags += [t for t in soup.find_all(onclick=True) if t.name not in ("a", "area")]
    for tag in tags:
        text = " ".join(tag.get_text(" ", strip=True).split()) or tag.get("title", "")
        title_attr = tag.get("title") or ""
        label = text if title_attr in text else f"{title_attr} {text}".strip()
        targets = []
        href = (tag.get("href") or "").strip()
        if href.lower().startswith("javascript:"):
            refused += 1
        elif href and not href.lower().startswith(("mailto:", "tel:", "#")):
            targets.append(href)
        for attr in ("onclick", "href"):
            targets.extend(_JS_URL.findall(tag.get(attr) or ""))
        for target in targets:
            url = absolute(base, target)
            if url:
                out.append(Link(url, label))
            else:
                refused += 1
    return out, refused


def absolute(base: str, href: str) -> str | None:
    """Resolve `href`, drop the fragment; None for anything that is not http(s)."""
    url, _frag = urldefrag(urljoin(base, href.strip()))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def _title(soup: BeautifulSoup) -> str | None:
    """The article title: TRS pages carry it in meta ArticleTitle, else <title>."""
    meta = soup.find("meta", attrs={"name": re.compile(r"^ArticleTitle$", re.I)})
    if meta and meta.get("content"):
        return meta["content"].strip()
    if soup.title and soup.title.string:
        return " ".join(soup.title.string.split()) or None
    return None


def _unique(links: list[Link]) -> list[Link]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out
