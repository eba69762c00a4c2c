"""Recognise the navigation and footer lines government sites wrap around an article."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import regex


@cache
def _pattern() -> regex.Pattern:
    lines = files("extractors").joinpath("boilerplate.txt").read_text("utf-8").splitlines()
    alternatives = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    return regex.compile("(?:" + "|".join(f"(?:{a})" for a in alternatives) + r")\s*")


def is_boilerplate(line: str) -> bool:
    """True for a whole line of site chrome (语音播报, 返回顶部, breadcrumbs, ICP lines)."""
    stripped = line.strip(" \t\u3000\u00a0•·")
    if not stripped:
        return False
    return _pattern().fullmatch(stripped) is not None


def drop_boilerplate(lines: list[str]) -> list[str]:
    return [ln for ln in lines if not is_boilerplate(ln)]
