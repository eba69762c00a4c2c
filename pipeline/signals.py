"""Signal handlers that raise (Ctrl-C, the per-document time limit) must not raise inside a
finaliser: Python prints an exception raised in a `__del__` and swallows it, and the program
goes on as if no signal had come. Such a handler acts a moment later instead."""

from __future__ import annotations

from types import FrameType


def in_finaliser(frame: FrameType | None) -> bool:
    """Whether the signal landed inside a `__del__` (the regex compiler has one, run while a
    module's patterns compile)."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False
