"""A reading of Chinese written in traditional characters, in simplified ones.

Young people in Hong Kong, Taiwan and abroad write 結束生命 or 活著好累; the model learned
Chinese mostly from simplified text (结束生命, 活着好累) and reads the traditional forms less
surely. OpenCC's Taiwan-to-simplified conversion (which also turns 活著 into 活着 by context)
gives the scorer an extra reading; like every extra reading it can only raise a level.
"""

from __future__ import annotations

from functools import cache


@cache
def _converter():
    import opencc

    return opencc.OpenCC("tw2s")


def simplified(text: str) -> str | None:
    """text in simplified characters, or None when it has no traditional ones."""
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return None
    converted = _converter().convert(text)
    return converted if converted != text else None
