"""The page shell shared by the report's pages: inline CSS, optional inline script, strict CSP.

The Content-Security-Policy forbids every fetch (`default-src 'none'`) and allows only the one
script we wrote, by its hash, so even an escaping mistake could neither run injected code nor
load anything from the network. Pages therefore work from `file://` on a closed machine.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html import escape
from importlib import resources


@cache
def asset(name: str) -> str:
    """A CSS/JS file shipped next to this module (package data, so it works when installed)."""
    return resources.files("outputs.report").joinpath(name).read_text(encoding="utf-8")


def csp(script: str | None) -> str:
    """The policy for a page: nothing external; the inline script allowed by its sha256 only."""
    if script is None:
        script_src = "'none'"
    else:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        script_src = f"'sha256-{digest}'"
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {script_src}; base-uri 'none'; form-action 'none'"
    )


def page(title: str, body: str, script: str | None = None) -> str:
    """A complete HTML document; `title` is escaped here, `body` must already be safe HTML."""
    head, tail = page_parts(title, script)
    return f"{head}{body}{tail}"


def page_parts(title: str, script: str | None = None) -> tuple[str, str]:
    """What comes before and after the body of `page`, for a page written in pieces."""
    script_tag = f"<script>{script}</script>" if script is not None else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp(script))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style>{asset('report.css')}</style>\n"
        "</head>\n<body>\n"
    ), f"\n{script_tag}\n</body>\n</html>\n"
