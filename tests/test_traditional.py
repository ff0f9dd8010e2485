"""Traditional characters are read in simplified ones, and written Cantonese in Mandarin words."""

from __future__ import annotations

from companion.risk.cantonese import mandarin
from companion.risk.traditional import simplified


def test_traditional_characters_are_read_in_simplified_ones():
    assert simplified("活著好累，結束生命") == "活着好累，结束生命"  # 著 read by context
    assert simplified("著名的作家") is None  # already simplified
    assert simplified("i want to die") is None


def test_written_cantonese_is_read_in_mandarin_words():
    assert mandarin("我唔想再活落去") == "我不想再活下去"
    assert mandarin("我諗過自殺") == "我想過自殺"  # characters stay traditional: simplified() is applied after
    assert mandarin("琴日食晒啲藥，好攰") == "昨天吃光些藥，好累"
    assert mandarin("我係咪好冇用") == "我是不是好没有用"
    assert mandarin("佢話我係廢物") == "他说我是廢物"


def test_mandarin_and_words_that_are_mandarin_too_are_left_alone():
    assert mandarin("我们的关系很好，去食堂吃饭") is None  # no Cantonese at all
    assert mandarin("我哋嘅關係好好") == "我们的關係好好"  # 係 in 關係 is not "is"
    assert mandarin("我哋去食堂，打電話畀佢") == "我们去食堂，打電話给他"  # 食堂, 電話 kept
