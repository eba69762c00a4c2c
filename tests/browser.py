"""Drive the Debian chromium (no browser download) with playwright for the report's tests.

Outside CI a machine without /usr/bin/chromium skips the browser tests with the reason; in CI
(`CI` set) a missing browser fails them, so the check cannot silently disappear.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags chromium keeps dialling Google on a closed network.
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


def require_chromium() -> None:
    """Skip (locally) or fail (in CI) when the Debian browser is not installed."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not installed (apt-get install chromium; .ci/run does this)"
    if os.environ.get("CI"):
        pytest.fail(f"CI requires the browser: {reason}")
    pytest.skip(reason)


@contextmanager
def launch() -> Iterator[object]:
    """A headless chromium Browser, closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watched:
    """What a page did that a static report never should: console errors, exceptions, dialogs."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def watch(page: object) -> Watched:
    """Record console errors, uncaught exceptions and dialogs (dismissing them) of a page."""
    seen = Watched()

    def on_console(msg: object) -> None:
        if msg.type == "error":
            seen.errors.append(f"console: {msg.text}")

    def on_dialog(dialog: object) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(f"pageerror: {exc}"))
    page.on("dialog", on_dialog)
    return seen


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """docs/screenshots/<name> when UPDATE_SCREENSHOTS=1 (to commit), else a temp file."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        target = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path / name
