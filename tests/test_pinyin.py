"""Chinese typed in pinyin is read in characters; English, names and slang are not."""

from __future__ import annotations

import functools
import math

import pytest

from companion.risk.pinyin import _MAX_SYLLABLES, PinyinReader, _Hmm, syllables


@pytest.fixture(scope="module")
def reader() -> PinyinReader:
    return PinyinReader()


def test_run_together_pinyin_splits_into_the_fewest_syllables():
    assert syllables("woxiangsi") == ["wo", "xiang", "si"]
    assert syllables("zisha") == ["zi", "sha"]
    assert syllables("hello") is None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("wo bu xiang huo le", "我不想活了"),
        ("wo xiang zisha", "我想自杀"),
        ("wo jintian wanshang jiu qu si", "我今天晚上就去死"),
        ("wo zhen de xiang si", "我真的想死"),  # the tables alone spell it 相似, "similar"
        ("huo zhe mei yi si", "活着没意思"),
        ("wo xiang si 药已经在手边了 今晚", "我想死 药已经在手边了 今晚"),  # pinyin inside characters
        ("Wo Hao Lei", "我好累"),
        # words of danger the tables' bigrams spell as something milder (上调, 一束, 一大坝要)
        ("wo xiang shang diao", "我想上吊"),
        ("wo xie hao yi shu le", "我写好遗书了"),
        ("wo chi le yi ping an mian yao", "我吃了一瓶安眠药"),
        ("wo gang chi le yi da ba yao", "我刚吃了一大把药"),
        ("wo jin wan jiu jie shu zi ji", "我今晚就结束自己"),
        # and the same syllables where they mean something harmless
        ("wo yi ge wan shang mei shui", "我一个晚上没睡"),
        ("wo xi huan yi shu", "我喜欢艺术"),
    ],
)
def test_pinyin_is_spelt_in_the_characters_meant(reader, typed, meant):
    assert reader.hanzi(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "he can die in the game if you miss the jump",  # English words that are also syllables
        "i moved to Hong Kong last year and i miss my friends",  # a name in an English message
        "banana china",
        "kms lol idk",
        "我不想活了",
        "",
    ],
)
def test_english_names_and_characters_are_not_read_as_pinyin(reader, text):
    assert reader.hanzi(text) is None


def test_a_very_long_run_is_spelt_in_bounded_time(reader):
    spelt = reader.hanzi("wo hao lei " * 500)
    assert spelt is not None and spelt.startswith("我好累") and len(spelt.strip()) <= _MAX_SYLLABLES + 1


def test_a_huge_run_together_word_is_not_read_as_pinyin(reader):
    assert reader.hanzi("a" * 4000) is None  # every "a" is a syllable: a split would cost n² to find


@pytest.mark.parametrize(
    "typed",
    [
        "wo bu xiang huo le",
        "ming tian kao shi wo zhen de hen lei",
        "geng tang",  # a tie between a common character and a rare one
        "yi shi yi ji yi",  # syllables of a thousand characters or more
        "song gu can wei hun tui",
    ],
)
def test_the_best_path_scores_as_high_as_pinyin2hanzis_own(typed):
    """The numpy search finds a path the library's own Viterbi search scores no lower."""
    from Pinyin2Hanzi import DefaultHmmParams, viterbi

    params, observations = DefaultHmmParams(), typed.split()

    def score(path: str) -> float:
        floor = 3.14e-200
        total = math.log(max(params.start(path[0]), floor)) + math.log(
            max(params.emission(path[0], observations[0]), floor)
        )
        for before, char, pinyin in zip(path, path[1:], observations[1:], strict=False):
            total += math.log(max(params.transition(before, char), floor))
            total += math.log(max(params.emission(char, pinyin), floor))
        return total

    theirs = "".join(viterbi(hmm_params=params, observations=observations, path_num=1, log=True)[0].path)
    ours = _hmm().best_path(observations)
    assert len(ours) == len(observations)
    assert score(ours) == pytest.approx(score(theirs), abs=1e-9)


@functools.cache
def _hmm() -> _Hmm:
    return _Hmm()
