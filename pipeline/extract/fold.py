"""Text folded for matching: traditional characters as simplified, pinyin glosses removed.

Mirror sites convert reports to traditional characters and some add a pinyin gloss after
each converted character ("沾益區(qū)教育經(jīng)費(fèi)"). Names and words are matched on the folded
text; evidence always quotes the document as published.
"""

from __future__ import annotations

from functools import cache

import regex

GLOSS = regex.compile(r"(?<=\p{Han})\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\)")


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


# Characters only traditional text uses, frequent enough that any converted page has some:
# text without them is returned as it is, without the cost of a conversion. Looked for one by
# one (`in` is a C scan): a character class over a whole document took six times as long.
_TRADITIONAL_HINT = "這個們來時為說國學會經對後發點過裡體關與間區縣億萬費財務機實現於當"


def simplified(text: str) -> str:
    """Traditional characters converted to simplified (OpenCC t2s)."""
    if not any(ch in text for ch in _TRADITIONAL_HINT):
        return text
    return _converter().convert(text)


def without_glosses(text: str) -> str:
    return GLOSS.sub("", text)


def folded(text: str) -> str:
    return simplified(without_glosses(text))


def same_length_simplified(text: str) -> str:
    """The text with traditional characters simplified, when each converts to one character
    (so every offset still holds); else the text as it is."""
    converted = simplified(text)
    return converted if len(converted) == len(text) else text
