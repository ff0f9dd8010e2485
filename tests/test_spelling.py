"""Typing slips in English: the words meant are read, slang is left alone, nothing is lowered."""

from __future__ import annotations

import pytest

from companion.risk.spelling import Speller


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("i wnat to dei i cant do tihs anymroe", "i want to die i cant do this anymore"),  # swapped letters
        ("i took all my pils", "i took all my pills"),  # a dropped letter
        ("goign to kil mysefl tonigth", "going to kill myself tonight"),
        ("i wanna diee", "i wanna die"),  # a doubled key
        ("thinking about suicde", "thinking about suicide"),
        ("I Wnat To Dei", "I want To die"),  # capitals are read too
        ("k1ll mys3lf tonight", "kill myself tonight"),  # digits for letters
        ("su1c1de is the only way", "suicide is the only way"),
    ],
)
def test_slips_are_read_as_the_words_meant(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "kms lol idk ngl tbh fr rn b4 gr8",  # chat slang is not a misspelling ("kms" is not "ems")
        "dont wont youre didnt isnt ive thats",  # contractions without the apostrophe
        "i want to dye my hair",  # known words stay, however close to a risky one
        "kill -9 didnt work on the zombie process",
        "NASA and the DMV",  # capitals-only words are acronyms
        "at 1am on my ps5, 500mg of vitamin c",  # numbers that are not letters
        "我不想活了",  # not English
        "",
    ],
)
def test_known_words_slang_and_other_scripts_are_left_alone(speller, text):
    assert speller.correct(text) == text


def test_a_word_no_single_slip_explains_is_left_as_typed(speller):
    assert speller.correct("xqzvbn") == "xqzvbn"


def test_a_huge_word_is_left_alone_at_once(speller):
    # its neighbours would be millions of strings of its length
    text = "a" + "x" * 4000
    assert speller.correct(text) == text
