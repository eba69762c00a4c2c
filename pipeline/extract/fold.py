"""Text folded for matching: traditional characters as simplified, pinyin glosses removed.

Mirror sites convert reports to traditional characters and some add a pinyin gloss after
each converted character ("沾益區(qū)教育經(jīng)費(fèi)"). Names and words are matched on the folded
text; evidence always quotes the document as published.
"""

from __future__ import annotations

from functools import cache

import regex

_GLOSS = regex.compile(r"(?<=\p{Han})\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\)")


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters converted to simplified (OpenCC t2s)."""
    return _converter().convert(text)


def without_glosses(text: str) -> str:
    return _GLOSS.sub("", text)


def folded(text: str) -> str:
    return simplified(without_glosses(text))
