"""The lxml reader and the BeautifulSoup fallback give the same blocks, text and spans on
every HTML page the tests build, so that a change to one cannot silently diverge from the
other (the fallback reads the pages libxml2 cannot read whole)."""

from __future__ import annotations

import random

import pytest

from extractors.encoding import decode_bytes
from extractors.html import extract_html
from extractors.html_tree import read_tree
from pipeline.document import Document
from pipeline.ingest.files import assemble
from tests import hostile
from tests.conftest import CORPUS_FILES, REAL
from tests.variants import gov_html

PARA = "全区共有义务教育学校12所，其中小学8所、初中4所。"


def _pages() -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    for path in CORPUS_FILES:
        seed = path.read_text("utf-8")
        pages[f"gov-gbk-{path.stem}"] = gov_html(seed).encode("gb18030")
        pages[f"gov-utf8-{path.stem}"] = gov_html(seed, "utf-8").encode("utf-8")
    for path in sorted((REAL / "html").glob("*.html")):
        pages[f"real-{path.stem}"] = path.read_bytes()
    pages["hostile"] = hostile.hostile_html("http://127.0.0.1:9")
    pages["scripts-only"] = (
        b"<html><head><script>alert(1)</script></head><body><script>var a=1;</script></body></html>"
    )
    pages["lines"] = ("<html><body>" + f"<p>{PARA}</p>\n" * 3 + "</body>").encode()
    pages["chrome-body"] = f"<html><body class='header-fixed'><p>{PARA}</p></body></html>".encode()
    pages["ruby-and-comments"] = (
        f"<html><body><div id='zoom'><h2>标题<!-- x -->二<rt>er</rt></h2><p>{PARA}"
        "<ruby>汉<rt>han</rt></ruby>a<input>b</p><table><tr><td>小学<br>8所</td><td>初中"
        "<!---->4所</td></tr></table></div></body></html>"
    ).encode()
    pages["layout-table"] = (
        f"<html><body><table><tr><td><div class='content'><p>{PARA * 3}</p></div></td></tr>"
        "</table><div class='footer'>版权所有</div></body></html>"
    ).encode()
    return pages


def _mutated(pages: dict[str, bytes], count: int) -> dict[str, bytes]:
    """Pages cut, spliced and salted with markup fragments: the malformed HTML of real sites."""
    rng = random.Random(13)
    fragments = [
        "<div class='nav'>",
        "</div>",
        "<!--",
        "-->",
        "<table>",
        "<td>",
        "<br>",
        "<h2>",
        "</p>",
        "<script>",
        "索引号",
        "<body class='head'>",
        f"<p>{PARA}</p>",
    ]
    sources = [pages[name] for name in sorted(pages) if name.startswith(("gov-gbk", "real"))]
    out = {}
    for i in range(count):
        text = decode_bytes(rng.choice(sources))[0]
        for _ in range(rng.randint(1, 6)):
            a = rng.randrange(len(text))
            b = min(len(text), a + rng.randint(0, 3000))
            if (op := rng.random()) < 0.3:
                text = text[:a] + text[b:]
            elif op < 0.6:
                c = rng.randrange(len(text))
                text = text[:c] + text[a:b] + text[c:]
            else:
                text = text[:a] + rng.choice(fragments) + text[a:]
        out[f"mutated-{i}"] = text.encode("utf-8")
    return out


PAGES = _pages()
MUTATED = _mutated(PAGES, 60)


def _document(data: bytes, lenient: bool) -> Document:
    return assemble(Document("x", "x.html", "html"), extract_html(data, lenient=lenient))


@pytest.mark.parametrize("name", sorted(PAGES) + sorted(MUTATED))
def test_lxml_and_beautifulsoup_readers_agree(name: str) -> None:
    data = PAGES.get(name) or MUTATED[name]
    fast, lenient = extract_html(data), extract_html(data, lenient=True)
    assert fast.blocks == lenient.blocks
    assert (fast.site_meta, fast.encoding, fast.status) == (
        lenient.site_meta,
        lenient.encoding,
        lenient.status,
    )
    a, b = _document(data, False), _document(data, True)
    assert a.text == b.text and a.status == b.status
    assert [(x.kind, x.start, x.end) for x in a.blocks] == [
        (x.kind, x.start, x.end) for x in b.blocks
    ]
    assert [(s.start, s.end) for s in a.sentences] == [(s.start, s.end) for s in b.sentences]


@pytest.mark.parametrize("name", sorted(n for n in PAGES if n.startswith(("gov-", "real-"))))
def test_lxml_reads_the_ordinary_pages_itself(name: str) -> None:
    """The comparison above means something only if lxml, not the fallback, read the page."""
    text = decode_bytes(PAGES[name])[0]
    if name == "real-govcn_state_council_gazette_npc_resolution":
        assert read_tree(text) is None  # its header template closes </html> before the body
    else:
        assert read_tree(text) is not None


def test_markup_after_the_closing_html_tag_goes_to_the_fallback() -> None:
    """libxml2's tree drops what follows </html>; BeautifulSoup's events keep it."""
    page = f"<html><body><p>页头</p></body></html><div id='zoom'><p>{PARA}</p></div>"
    assert read_tree(page) is None
    assert read_tree(page.replace("</html>", "") + "</html>\n<!-- end -->\n") is not None
