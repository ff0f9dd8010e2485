"""A second reading of English typed in a hurry: "i wnat to dei" is also read as "i want to die".

Someone in crisis types fast, on a phone, often crying, and the model and the patterns were
trained on words spelt right. This module rewrites each unknown word to the known word one
slip away from it, preferring the slips people make most (two letters swapped, then a letter
dropped, doubled or mistyped), and reads letters written as digits ("k1ll mys3lf"). The
rewrite is only ever an extra reading: the scorer keeps the worst of the original and the
corrected text, so a correction can raise a level and never lower one. Chat abbreviations
and slang are left alone ("kms", "idk", "ngl").
"""

from __future__ import annotations

import re
import string
from functools import cache

# Slang and abbreviations young people type, which the dictionary does not know and which
# must not be "corrected" into a word ("kms" is not "ems", "lol" is not "lot").
_SLANG = frozenset(
    """
    kms kys idk idc ikr ily ilysm imo imho irl istg lol lmao lmfao rofl ngl tbh tbf smh fr frfr rn af asf
    bc cuz coz tho thru pls plz ppl wtf omg omfg fml ffs stfu nvm ty tysm thx yall ya ye yea yeah nah ok okay
    sus lowkey highkey deadass unalive sewerslide ded rip gg ur u r gonna wanna gotta kinda sorta dunno
    lemme gimme tryna finna aint bday hw mum mom sis bro bruh bff gf bf ig tiktok snapchat insta discord
    roblox fortnite minecraft valorant genshin anime kpop vape vaping ect srsly ok srs pov mid cringe
    simp stan yeet vibe vibes slay periodt bestie fam hmu dm dms wyd hbu wbu ttyl brb gtg g2g oof ugh
    ughh hmm hmmm idek idgaf jk jkjk lmk nbd np nsfw omw smth sth sb abt bout prolly probs def defo
    b4 gr8 l8r m8 2nite gna gng ppl rly srsly sry soz tmr tmrw tdy tonite nite cya wassup sup yo bois gurl mb wyd
    """.split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9@$]*(?:'[A-Za-z]+)?")
# Letters written as digits or symbols, to dodge filters: "k1ll mys3lf", "su1c1de".
_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LETTERS = string.ascii_lowercase


@cache
def _word_frequency():
    """pyspellchecker's English word list, loaded once per process on first use (~0.3 s)."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency


def _swaps(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1) if word[i] != word[i + 1]]


def _inserts(word: str) -> list[str]:  # the typist dropped a letter: "pils" -> "pills"
    return [word[:i] + c + word[i:] for i in range(len(word) + 1) for c in _LETTERS]


def _deletes(word: str) -> list[str]:  # the typist hit an extra key: "diee" -> "die"
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _substitutes(word: str) -> list[str]:  # the typist hit the key beside: "dir" -> "die"
    return [word[:i] + c + word[i + 1 :] for i in range(len(word)) for c in _LETTERS if c != word[i]]


class Speller:
    """Corrects the English words of a message that are one slip from a known word."""

    # A word this short has too many neighbours to guess from, except by a swap or a dropped letter.
    MIN_LENGTH = 4
    MAX_LENGTH = 24  # a longer "word" is not a misspelling (and its neighbours would cost too much)
    MAX_GUESSES = 40  # unknown words corrected per message

    @property
    def _frequency(self):
        return _word_frequency()

    def frequency(self, word: str) -> int:
        """How often word occurs in the word list's English text (0 when it is not there)."""
        return self._frequency[word] if word in self._frequency else 0

    def known(self, word: str) -> bool:
        return word in _SLANG or word in self._frequency or word.replace("'", "") in _SLANG

    def _best(self, candidates: list[str]) -> str | None:
        found = [c for c in set(candidates) if c in self._frequency]
        return max(found, key=lambda c: (self._frequency[c], c)) if found else None

    def word(self, word: str) -> str:
        """The word meant by word: word itself when it is known or no single slip explains it."""
        if len(word) > self.MAX_LENGTH:
            return word
        if not word.isalpha() and "'" not in word:
            return word if word.lower() in _SLANG else self._unleet(word)
        lower = word.lower()
        if len(lower) < 3 or word.isupper() and len(word) > 1 or self.known(lower):
            return word
        if "'" not in lower and _apostrophe(lower) in self._frequency:
            return word  # "dont", "youre": spelt without the apostrophe, not misspelt
        steps = [_swaps, _inserts] if len(lower) < self.MIN_LENGTH else [_swaps, _inserts, _deletes, _substitutes]
        for step in steps:
            best = self._best(step(lower))
            if best:
                return best
        return word

    def _unleet(self, word: str) -> str:
        """The known word a word with digits or symbols for letters spells ("k1ll" -> "kill"), or word."""
        spellings = [""]
        for c in word.lower():
            spellings = [s + letter for s in spellings for letter in _LEET.get(c, c)][:64]
        return self._best(spellings) or word

    def correct(self, text: str) -> str:
        """text with each misspelt English word replaced by the word meant; past MAX_GUESSES
        unknown words the rest stay as typed (a message of gibberish is not misspelt English)."""
        guesses = 0

        def meant(m: re.Match) -> str:
            nonlocal guesses
            word = m.group(0)
            if guesses >= self.MAX_GUESSES or self.known(word.lower()):
                return word
            guesses += 1
            return self.word(word)

        return _WORD.sub(meant, text)


def _apostrophe(word: str) -> str:
    """word with the apostrophe of a contraction put back: "dont" -> "don't", "youre" -> "you're"."""
    for ending, contracted in (("nt", "n't"), ("re", "'re"), ("ve", "'ve"), ("ll", "'ll"), ("d", "'d"), ("s", "'s")):
        if word.endswith(ending) and len(word) > len(ending):
            return word[: -len(ending)] + contracted
    return word
