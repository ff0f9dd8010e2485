"""Which of the supported languages a message is written in."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, default: Language = "en") -> Language:
    """'zh' when Han characters make up a fair share of the letters, else 'en'.

    Chinese packs a word into one or two characters, so a few Han characters among Latin
    words (a name, a brand) already count for more than their number suggests.
    """
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if han == 0 and latin == 0:
        return default
    return "zh" if han * 3 >= latin else "en"
