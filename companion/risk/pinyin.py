"""A reading of Chinese typed in pinyin: "wo bu xiang huo le" is also read as "我不想活了".

A young person on a shared computer, abroad, or hiding what they type may write Chinese in
toneless pinyin, alone or inside a message of characters ("wo xiang si 药已经在手边了"). The
model and the patterns read characters, so each run of pinyin words is turned into the
characters it most likely spells (Pinyin2Hanzi's hidden Markov model) for an extra reading in
Chinese. Like the spelling reading it can only add: the scorer keeps the worst reading.
"""

from __future__ import annotations

import re
from functools import cache, cached_property

from companion.risk.spelling import Speller

_WORD = re.compile(r"[A-Za-z]+")
_GAP = re.compile(r"[\s,.!?~'\-]*")  # what may stand between two words of one run
# A word English uses this often is read as English, even when it also spells pinyin ("he", "can").
_ENGLISH_FREQUENCY = 20_000
# spelt per message, the first runs first (about 20 ms a syllable); of a longer run, its start
# and its end, where what matters tends to be said
_MAX_SYLLABLES = 32
_MAX_WORD = 30  # letters in one word of run-together pinyin ("woxiangsi"); longer is not pinyin
# Words of danger the model's tables spell as something milder ("xiang si" as 相似, "similar";
# "huo zhe" as 或者, "or"): spelt here as the words that must be read.
_DANGER = {("xiang", "si"): "想死", ("huo", "zhe"): "活着"}


@cache
def _syllables() -> frozenset[str]:
    from Pinyin2Hanzi import all_pinyin

    return frozenset(all_pinyin())


def syllables(word: str) -> list[str] | None:
    """word split into the fewest pinyin syllables ("woxiangsi" -> wo, xiang, si), or None."""
    word = word.lower()
    if len(word) > _MAX_WORD:
        return None
    known = _syllables()
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):  # no syllable is longer than six letters
            if best[start] is not None and word[start:end] in known:
                split = best[start] + [word[start:end]]
                if best[end] is None or len(split) < len(best[end]):
                    best[end] = split
    return best[-1]


class PinyinReader:
    """Finds runs of pinyin in a message and spells them in characters."""

    speller = Speller()

    @cached_property
    def _hmm(self):
        from Pinyin2Hanzi import DefaultHmmParams  # its tables load on first use (~0.2 s)

        return DefaultHmmParams()

    def _english(self, word: str) -> bool:
        word = word.lower()
        return self.speller.known(word) and (
            word not in _syllables() or self.speller.frequency(word) >= _ENGLISH_FREQUENCY
        )

    def runs(self, text: str) -> list[tuple[int, int, list[str]]]:
        """(start, end, syllables) of each run of pinyin in text, when pinyin is what text is
        written in: most of its Latin-letter words are in runs that are mostly not English (a
        run is two words or more, or one unknown word of three syllables or more: "woxiangsi").
        A name in an English message ("Hong Kong", "Fukushima") is not a reason to read it in
        Chinese."""
        words = list(_WORD.finditer(text))
        groups: list[list[tuple[re.Match, list[str]]]] = []  # runs of (word, its syllables)
        for m in words:
            split = syllables(m.group(0))
            if split is None:
                groups.append([])
            elif groups and groups[-1] and _GAP.fullmatch(text, groups[-1][-1][0].end(), m.start()):
                groups[-1].append((m, split))
            else:
                groups.append([(m, split)])
        found = []
        for run in groups:
            chinese = [m for m, _ in run if not self._english(m.group(0))]
            split = [s for _, word_split in run for s in word_split]
            long_word = len(run) == 1 and len(split) >= 3 and not self.speller.known(run[0][0].group(0).lower())
            if long_word or len(run) >= 2 and len(chinese) >= max(2, len(run) / 2):
                found.append((run[0][0].start(), run[-1][0].end(), split, len(run)))
        if sum(n for *_, n in found) < len(words) / 2:
            return []
        return [(start, end, split) for start, end, split, _ in found]

    def hanzi(self, text: str) -> str | None:
        """text with each run of pinyin spelt in characters, or None when it has none."""
        runs = self.runs(text)
        if not runs:
            return None
        out, last, budget = [], 0, _MAX_SYLLABLES
        for start, end, split in runs:
            if budget <= 0:
                break
            if len(split) > budget:
                half = budget // 2
                spelt = self._spell(split[:half]) + "…" + self._spell(split[-(budget - half) :])
            else:
                spelt = self._spell(split)
            budget -= len(split)
            out += [text[last:start], spelt or text[start:end]]
            last = end
        return "".join(out + [text[last:]])

    def _spell(self, split: list[str]) -> str:
        """The characters syllables most likely spell, words of danger (_DANGER) spelt as such."""
        from Pinyin2Hanzi import viterbi

        out: list[str] = []
        todo: list[str] = []

        def flush() -> None:
            if todo:
                path = viterbi(hmm_params=self._hmm, observations=todo, path_num=1, log=True)
                out.append("".join(path[0].path) if path else "")
                todo.clear()

        i = 0
        while i < len(split):
            key = next((k for k in _DANGER if tuple(split[i : i + len(k)]) == k), None)
            if key:
                flush()
                out.append(_DANGER[key])
                i += len(key)
            else:
                todo.append(split[i])
                i += 1
        flush()
        return "".join(out)
