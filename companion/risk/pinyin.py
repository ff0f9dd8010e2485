"""A reading of Chinese typed in pinyin: "wo bu xiang huo le" is also read as "我不想活了".

A young person on a shared computer, abroad, or hiding what they type may write Chinese in
toneless pinyin, alone or inside a message of characters ("wo xiang si 药已经在手边了"). The
model and the patterns read characters, so each run of pinyin words is turned into the
characters it most likely spells (Pinyin2Hanzi's hidden Markov model, read in numpy) for an extra reading in
Chinese. Like the spelling reading it can only add: the scorer keeps the worst reading.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from companion.risk.spelling import Speller

_WORD = re.compile(r"[A-Za-z]+")
_GAP = re.compile(r"[\s,.!?~'\-]*")  # what may stand between two words of one run
# A word English uses this often is read as English, even when it also spells pinyin ("he", "can").
_ENGLISH_FREQUENCY = 20_000
# spelt per message, the first runs first (about 0.05 ms a syllable, more where a syllable has
# hundreds of characters: "yi", "ji"); of a longer run, its start and its end, where what
# matters tends to be said
_MAX_SYLLABLES = 200
_MAX_WORD = 30  # letters in one word of run-together pinyin ("woxiangsi"); longer is not pinyin
# Words of danger (the pattern layer's plans, means and acts) that the tables' character
# bigrams spell as something milder ("xiang si" as 相似, "similar"; "ge wan" as 个晚; "shang diao"
# as 上调): spelt here as the words that must be read, the longest first. Syllables that more
# often mean something harmless are kept only beside a word that settles them ("yi shu" is 艺术,
# art, unless a note is written: "xie hao yi shu"; "ge wan" is 一个晚上 unless one wants to).
_DANGER = {
    tuple(syllables.split()): words
    for syllables, words in {
        "xiang si": "想死",
        "huo zhe": "活着",
        "jie shu": "结束",
        "jin wan": "今晚",
        "shang diao": "上吊",
        "an mian yao": "安眠药",
        "yi ping": "一瓶",
        "ba yao": "把药",
        "chi le yao": "吃了药",
        "yao yi jing": "药已经",
        "yao pian": "药片",
        "dao pian": "刀片",
        "zai shou li": "在手里",
        "zai shou bian": "在手边",
        "xie hao yi shu": "写好遗书",
        "xie le yi shu": "写了遗书",
        "xie yi shu": "写遗书",
        "xiang ge wan": "想割腕",
        "yao ge wan": "要割腕",
        "qu ge wan": "去割腕",
        "ge shou wan": "割手腕",
    }.items()
}
_LONGEST_FIRST = sorted(_DANGER, key=len, reverse=True)
_MIN_PROBABILITY = 3.14e-200  # Pinyin2Hanzi's floor on a probability, kept so the paths are its own


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


class _Hmm:
    """Pinyin2Hanzi's hidden Markov model, read into arrays: its tables, its floor on
    probabilities, the same best path, found in numpy rather than one Python step per pair
    of characters (a syllable has up to 1,765 candidate characters)."""

    def __init__(self) -> None:
        import Pinyin2Hanzi

        def table(name: str) -> dict:
            return json.loads((Path(Pinyin2Hanzi.__file__).parent / "data" / f"hmm_{name}.json").read_text("utf-8"))

        def log(p: float) -> float:
            return math.log(max(float(p), _MIN_PROBABILITY))

        py2hz, start, emission, transition = (table(n) for n in ("py2hz", "start", "emission", "transition"))
        chars = sorted({c for candidates in py2hz.values() for c in candidates})
        self.chars = np.array(chars)
        index = {c: i for i, c in enumerate(chars)}
        self._start = np.array([log(start["data"].get(c, start["default"])) for c in chars])
        # each syllable's characters, the commonest first: of paths that score the same, the
        # first found is kept, so a tie is spelt in common characters (烫, not 戃)
        self.candidates = {
            p: np.array(sorted((index[c] for c in cs), key=lambda i: -self._start[i]), dtype=np.int64)
            for p, cs in py2hz.items()
        }
        self._emission = emission
        self._emitted: dict = {}  # syllable -> log emission of its candidates
        # a transition not in the table has its row's default (or the table's), never more than
        # any it lists: so the best step is the best over defaults or over listed pairs
        rows = transition["data"]
        self._row_default = np.full(len(chars), log(transition["default"]))
        indptr, to, value = [0], [], []
        for i, c in enumerate(chars):
            row = rows.get(c, {})
            if "default" in row:
                self._row_default[i] = log(row["default"])
            listed = [(index[b], log(p)) for b, p in row.items() if b != "default" and b in index]
            to += [b for b, _ in listed]
            value += [p for _, p in listed]
            indptr.append(len(to))
        self._indptr = np.array(indptr, dtype=np.int64)
        self._to = np.array(to, dtype=np.int64)
        self._value = np.array(value)

    def emission(self, pinyin: str) -> np.ndarray:
        """Log emission of pinyin by each of its candidate characters (self.candidates order)."""
        if pinyin not in self._emitted:
            data, default = self._emission["data"], self._emission["default"]
            self._emitted[pinyin] = np.array(
                [
                    math.log(max(float(data.get(c, {}).get(pinyin, default)), _MIN_PROBABILITY))
                    for c in self.chars[self.candidates[pinyin]]
                ]
            )
        return self._emitted[pinyin]

    def _listed(self, states, nxt, score):
        """(source, target, score) of each listed transition from states to nxt (positions in each)."""
        starts = self._indptr[states]
        lengths = self._indptr[states + 1] - starts
        source = np.repeat(np.arange(len(states)), lengths)
        entry = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
        position = np.full(len(self.chars), -1)
        position[nxt] = np.arange(len(nxt))
        target = position[self._to[entry]]
        keep = target >= 0
        return source[keep], target[keep], score[source[keep]] + self._value[entry[keep]]

    def best_path(self, observations: list[str]) -> str:
        """The characters most likely to have been typed as these syllables."""

        states = self.candidates[observations[0]]
        score = self._start[states] + self.emission(observations[0])
        back = []
        for pinyin in observations[1:]:
            nxt = self.candidates[pinyin]
            # every step at its row's default: one best for all next characters
            by_default = score + self._row_default[states]
            best_from = np.full(len(nxt), int(np.argmax(by_default)))
            best = np.full(len(nxt), by_default[best_from[0]])
            # the pairs the table lists from these characters to the next ones
            source, target, total = self._listed(states, nxt, score)
            if len(total):
                # by next character, then score, then the commoner source: the last of each is the best
                order = np.lexsort((-source, total, target))
                last = order[np.r_[target[order][1:] != target[order][:-1], True]]
                better = last[total[last] > best[target[last]]]
                best[target[better]] = total[better]
                best_from[target[better]] = source[better]
            back.append(best_from)
            score = best + self.emission(pinyin)
            states = nxt
        path = [int(np.argmax(score))]
        for best_from in reversed(back):
            path.append(int(best_from[path[-1]]))
        ids = [self.candidates[p][local] for p, local in zip(observations, reversed(path), strict=True)]
        return "".join(self.chars[ids])


class PinyinReader:
    """Finds runs of pinyin in a message and spells them in characters."""

    speller = Speller()

    @cached_property
    def _hmm(self) -> _Hmm:
        return _Hmm()  # its tables load on first use

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
        out: list[str] = []
        todo: list[str] = []

        def flush() -> None:
            if todo:
                out.append(self._hmm.best_path(todo))
                todo.clear()

        i = 0
        while i < len(split):
            key = next((k for k in _LONGEST_FIRST if tuple(split[i : i + len(k)]) == k), None)
            if key:
                flush()
                out.append(_DANGER[key])
                i += len(key)
            else:
                todo.append(split[i])
                i += 1
        flush()
        return "".join(out)
