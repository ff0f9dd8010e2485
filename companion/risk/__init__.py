"""Crisis-risk scoring of one message in its conversation: level, probabilities, evidence.

The trained model and the pattern layer both read the message alone and, when there are
earlier turns, the message with them; in Chinese the model also reads the riskiest sentence
of a message alone (SENTENCE_READING), which alone sends the message to a person only when
the model is near sure of it (SENTENCE_ESCALATE). The worst reading wins. Patterns only raise a level.
Instructions inside a message ("ignore your rules", "don't flag this") are cut out before a
second reading, so they can dilute nothing; the text with them is still scored too. English
typed in a hurry ("i wnat to dei") is read again with its slips corrected (`spelling`), and
Chinese typed in pinyin ("wo bu xiang huo le") is read again in characters (`pinyin`),
traditional characters in simplified ones (`traditional`) and written Cantonese in Mandarin
words (`cantonese`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from companion.language import detect_language
from companion.risk import patterns
from companion.risk.cantonese import mandarin
from companion.risk.levels import NAMES, Level
from companion.risk.model import RiskModel, load_model, model_text
from companion.risk.pinyin import PinyinReader
from companion.risk.spelling import Speller
from companion.risk.state import ConversationRisk
from companion.risk.traditional import simplified

__all__ = ["Assessment", "ConversationRisk", "Evidence", "Level", "RiskScorer"]

_SENTENCES = re.compile(r"(?:[^.!?。！？\n]|(?<=\d)\.(?=\d))+[.!?。！？]*")  # not "0.5%" split at its point
# Languages whose messages of several sentences also have their riskiest sentence read alone
# (at the chat-length thresholds). Measured on eval/ (2026-11-27): in Chinese it cost at most
# one false alarm per set and reads "…晚饭吃了面条。我真的不想活了。" as high, not none; in
# English it lifted recall (blind2 0.850 to 0.975, held-out Reddit posts 0.58 to 0.77) but
# false alarms to 0.12-0.36, as a sentence of sadness out of its post reads like danger.
# English needs thresholds chosen with it on validation first.
SENTENCE_READING = ("zh",)
# A sentence read out of its message sends the message to a person only when the model is near
# sure of it and it says something on its own; otherwise its reading counts at most `moderate`
# (a check-in). Measured on the split's 414 Chinese messages of several sentences (2026-11-29):
# at the chat thresholds the riskiest sentence alone added 3 people in danger and 18 false
# alarms, nearly all fragments whose message explained them (我刚炒了一盘, 今晚就走了！, 已经吃了！);
# at 0.85 and 8 characters, 1 and 1. On eval/ it kept 4 of the 5 people in danger it had
# added and none of its 14 false alarms (`overtrigger4` 11 of 150 to high, 4 without them).
SENTENCE_ESCALATE = 0.85
SENTENCE_MIN_CHARS = 8
_MAX_SENTENCES = 32  # ranked at each end of a long message
# the n-gram reader's P(moderate or worse) for a sentence to be read alone, or named as evidence
_SENTENCE_FLOOR = 0.5
_INSTRUCTIONS = re.compile(
    r"(?:ignore|disregard|forget) (?:all |any |your |the |previous |prior )*(?:rules|instructions|guidelines)|"
    r"(?:do not|don'?t|never) (?:flag|report|escalate|alert|tell anyone about|give me (?:a |any )?"
    r"(?:hotline|number)s?)(?: (?:this|it|me))?|(?:you )?misunderstood|i(?:'m| am) (?:fine|ok|okay) now|"
    r"(?:just )?(?:kidding|jk|joking)|"
    r"忽略(?:你的|所有的?|之前的?)?(?:规则|指令|设定)|(?:不要|别)(?:标记|上报|报告|转接|给我(?:热线|电话))|"
    r"你误会了|开玩笑的?|我没事(?:了)?",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.findall(text) if len(s.strip()) > 2]


@dataclass(frozen=True)
class Evidence:
    kind: str  # "pattern", "model" or "context"
    text: str  # the words or sentence that drove the level
    level: Level
    detail: str = ""  # a rule id, or P(needs a human)


@dataclass(frozen=True)
class Assessment:
    level: Level  # this message's level, read in its context
    own_level: Level  # this message read alone (drives the rising-risk rule)
    probabilities: dict[str, float]
    evidence: tuple[Evidence, ...]

    @property
    def needs_human(self) -> float:
        return self.probabilities["high"] + self.probabilities["imminent"]


class RiskScorer:
    """Scores messages with the trained model and the pattern layer."""

    speller = Speller()  # stateless; its word list loads on first use
    pinyin = PinyinReader()  # likewise its tables

    def __init__(self, model: RiskModel | None = None) -> None:
        self.model = model or load_model()

    def warm(self) -> None:
        """Load every reader now (the encoder, the post reader, the word list: about 5 s), so that the
        first message, however long, is not the one that waits for them."""
        self.model.read([("warm-up", ()), ("warm-up " * 40, ())], ["en", "en"])
        self.speller.correct("warm-up")
        self.pinyin.hanzi("ni hao")
        simplified("結束")

    def assess(self, text: str, context: Sequence[str] = ()) -> Assessment:
        language = detect_language(text)
        readings: list[tuple[str, Sequence[str], str]] = [(text, (), language)]  # (text, context, language)
        stripped = _INSTRUCTIONS.sub(" ", text).strip()
        if stripped != text.strip() and stripped:
            readings.append((stripped, (), language))
        retyped = self._retyped(text, language)
        first_retyped = len(readings)
        readings += [(again, (), again_language) for _, again, again_language in retyped]
        sentence = self._riskiest_sentence(text) if language in SENTENCE_READING else None
        if sentence:
            readings.append((sentence, (), language))
        own = len(readings)
        if context:
            readings.append((text, context, language))
        languages = [lang for *_, lang in readings]
        proba = self.model.read([(r, c) for r, c, _ in readings], languages)
        # chat-length thresholds for the message read alone; the language's with earlier turns
        lengths = [len(r.strip()) if i < own else None for i, (r, *_) in enumerate(readings)]
        levels = self.model.levels(proba, languages, lengths, [r for r, *_ in readings])
        human = proba[:, Level.HIGH :].sum(axis=1)  # P(high) + P(imminent) per reading
        if sentence and (human[own - 1] < SENTENCE_ESCALATE or len(sentence) < SENTENCE_MIN_CHARS):
            levels[own - 1] = min(levels[own - 1], Level.MODERATE)
        worst = max(range(len(readings)), key=lambda i: (levels[i], human[i]))
        own_worst = max(range(own), key=lambda i: (levels[i], human[i]))

        evidence: list[Evidence] = []
        level, own_level = levels[worst], levels[own_worst]
        hits = [(hit, hit.rule) for hit in self._pattern_hits(text, context)]
        for how, again, _ in retyped:
            seen = {hit.rule for hit, _ in hits}
            hits += [(h, f"{h.rule} ({how})") for h in patterns.match(again) if h.rule not in seen]
        for hit, rule in hits:
            evidence.append(Evidence("pattern", hit.text, hit.level, rule))
            level = max(level, hit.level)
            if hit.start >= 0:
                own_level = max(own_level, hit.level)
        if levels[worst] >= Level.MODERATE:
            if first_retyped <= worst < first_retyped + len(retyped):  # the message as its writer meant it
                how, again, _ = retyped[worst - first_retyped]
                evidence.append(
                    Evidence("model", again[:300], levels[worst], f"{how}: P(needs human)={human[worst]:.2f}")
                )
            else:
                evidence += self._model_evidence(text, levels[worst], float(human[worst]))
            if worst >= own and levels[worst] > levels[own_worst]:
                evidence.append(Evidence("context", list(context)[-1], levels[worst], "read with earlier turns"))
        probabilities = {name: float(p) for name, p in zip(NAMES, proba[worst], strict=True)}
        return Assessment(Level(level), Level(own_level), probabilities, tuple(evidence))

    def _retyped(self, text: str, language: str) -> list[tuple[str, str, str]]:
        """(how, text, language) of the message read again as its writer meant it: Chinese typed
        in pinyin spelt in characters, Cantonese in Mandarin words and traditional characters in
        simplified ones, or else English with its typing slips corrected."""
        hanzi = self.pinyin.hanzi(text)
        if hanzi:  # pinyin is not misspelt English
            return [("pinyin read as characters", hanzi, "zh")]
        found = []
        if language == "zh":
            spoken = mandarin(text)  # written Cantonese, in Mandarin words
            if again := simplified(spoken or text) or spoken:
                found.append(("read in standard Chinese" if spoken else "read in simplified characters", again, "zh"))
        corrected = self.speller.correct(text) if language == "en" else text
        if corrected != text:
            found.append(("slips corrected", corrected, language))
        return found

    def _riskiest_sentence(self, text: str) -> str | None:
        """The sentence of a message of several that the n-gram reader finds riskiest, if it
        finds it at least moderate, to be read on its own as well: one sentence of danger in
        everyday talk ("今天上课好无聊。晚饭吃了面条。我真的不想活了。") is diluted when the
        encoder averages the whole. The n-gram reader is cheap; the encoder reads the sentence
        in the same batch as the message."""
        if self.model.ngrams is None:
            return None
        sentences = _sentences(text)
        if len(sentences) < 2:
            return None
        if len(sentences) > 2 * _MAX_SENTENCES:  # the start and the end of a very long message
            sentences = sentences[:_MAX_SENTENCES] + sentences[-_MAX_SENTENCES:]
        score = self.model.ngrams.proba(sentences)[:, Level.MODERATE :].sum(axis=1)
        best = int(np.argmax(score))
        return sentences[best] if score[best] >= _SENTENCE_FLOOR else None

    def _pattern_hits(self, text: str, context: Sequence[str]) -> list[patterns.PatternHit]:
        """Hits in the message, and hits that span from the last turn into it ("…kill myself" + "tonight")."""
        hits = patterns.match(text)
        if context:
            joined = model_text(text, context)
            offset = len(joined) - len(text)
            seen = {h.rule for h in hits}
            for hit in patterns.match(joined):
                if hit.end > offset and hit.rule not in seen:
                    # spans the boundary: the message alone did not say it (start < 0 marks that)
                    hits.append(
                        patterns.PatternHit(hit.rule, hit.level, hit.text, hit.start - offset, hit.end - offset)
                    )
        return hits

    def _model_evidence(self, text: str, level: Level, p_human: float) -> list[Evidence]:
        sentences = _sentences(text)
        if len(sentences) <= 1:
            return [Evidence("model", text.strip()[:300], level, f"P(needs human)={p_human:.2f}")]
        sentences = sentences[:8]
        # Ranked by the character n-gram reader where the model has one: it needs no second
        # encoder call, so finding the evidence does not delay the decision it explains.
        ngrams = self.model.ngrams
        proba = ngrams.proba(sentences) if ngrams is not None else self.model.proba(sentences)
        reader = "n-gram reader: " if ngrams is not None else ""
        score = proba[:, Level.MODERATE :].sum(axis=1)
        top = np.argsort(-score)[:2]
        return [
            Evidence("model", sentences[i][:300], level, f"{reader}P(moderate or worse)={score[i]:.2f}")
            for i in sorted(top)
            if score[i] >= _SENTENCE_FLOOR or i == top[0]
        ]
