"""Traditional characters are read in simplified ones, by context."""

from __future__ import annotations

from companion.risk.traditional import simplified


def test_traditional_characters_are_read_in_simplified_ones():
    assert simplified("活著好累，結束生命") == "活着好累，结束生命"  # 著 read by context
    assert simplified("著名的作家") is None  # already simplified
    assert simplified("i want to die") is None
