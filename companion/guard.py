"""Output guard on every generated reply, in English and Chinese.

A reply that names a medicine or a dose, speaks of methods or lethality, or contradicts the
crisis rules (tells the youth not to seek help, promises secrecy) is replaced by a safe fixed
reply. The guard only ever replaces text; it never changes a risk level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_I = re.IGNORECASE
CHECKS: tuple[tuple[str, re.Pattern], ...] = (
    (
        "dose",
        re.compile(
            r"\b\d+(?:\.\d+)?\s*(?:mg|milligrams?|mcg|µg|ml|millilit(?:er|re)s?|grams?)\b|"
            r"\b(?:\d+|a few|several|a handful of|enough)\s+(?:pills|tablets|capsules)\b|"
            r"\d+\s*(?:毫克|毫升|片|粒|颗|克)|[一二两三四五六七八九十几]+\s*(?:片|粒|颗)(?:药)?",
            _I,
        ),
    ),
    (
        "medicine",
        re.compile(
            r"\b(?:paracetamol|acetaminophen|tylenol|ibuprofen|advil|aspirin|sertraline|zoloft|"
            r"fluoxetine|prozac|escitalopram|citalopram|lexapro|xanax|alprazolam|diazepam|valium|"
            r"lorazepam|clonazepam|zolpidem|ambien|melatonin|benzodiazepines?|ssris?|"
            r"antidepressants?|opioids?|sleeping pills|insulin)\b|"
            r"对乙酰氨基酚|扑热息痛|布洛芬|阿司匹林|舍曲林|氟西汀|艾司西酞普兰|帕罗西汀|阿普唑仑|地西泮|"
            r"安定片|劳拉西泮|氯硝西泮|唑吡坦|褪黑素|安眠药|抗抑郁药|止痛药|镇静剂",
            _I,
        ),
    ),
    (
        "method",
        re.compile(
            r"\b(?:lethal|fatal|deadly)\b|\boverdos(?:e|ing)\b|\bhow (?:many|much) (?:pills|tablets)\b|"
            r"\b(?:painless|quick(?:est)?|easiest|surest|best) way to (?:die|kill)|"
            r"\b(?:hang(?:ing)? (?:yourself|myself)|noose|slit|(?:cut|cutting) (?:your|my) wrists?|"
            r"carbon monoxide|bleach|poison(?:ing)?|jump(?:ing)? (?:off|from) (?:a |the )?"
            r"(?:bridge|roof|building))\b|"
            r"致死|致命|剂量|上吊|割腕|跳楼|烧炭|农药|服毒|吃多少|过量服",
            _I,
        ),
    ),
    (
        "discourages-help",
        re.compile(
            r"\b(?:you )?(?:don'?t|do not|no need to|shouldn'?t) (?:need to )?(?:call|contact|tell|talk to) "
            r"(?:a |the |any )?(?:hotline|helpline|anyone|someone|counsell?or|therapist|988|emergency|"
            r"parents?|adults?)\b|\bi (?:won'?t|will not|promise not to) tell anyone\b|"
            r"\bkeep (?:it|this) (?:a )?secret\b|\byou should (?:kill|hurt) yourself\b|"
            r"不用(?:打|联系|告诉)(?:热线|电话|任何人|别人|大人|父母|老师)|"
            r"(?<!要)(?:不要|别)告诉(?:任何人|大人|父母|家长|老师)|我不会告诉任何人|你应该(?:去死|伤害自己)",
            _I,
        ),
    ),
)


@dataclass(frozen=True)
class GuardResult:
    reasons: tuple[str, ...]  # which checks tripped; empty when the reply is safe
    evidence: tuple[str, ...]  # the words that tripped them

    @property
    def safe(self) -> bool:
        return not self.reasons


def check_reply(text: str, secret: str = "") -> GuardResult:
    """Which checks a reply trips; `secret` is the hidden system prompt it must not reveal."""
    reasons, evidence = [], []
    for name, pattern in CHECKS:
        found = pattern.search(text)
        if found:
            reasons.append(name)
            evidence.append(found.group(0))
    leaked = leak(text, secret)
    if leaked:
        reasons.append("reveals-instructions")
        evidence.append(leaked)
    return GuardResult(tuple(reasons), tuple(evidence))


_SPACE = re.compile(r"\s+")
LEAK_WINDOW = {"latin": 40, "cjk": 16}  # characters of the instructions repeated verbatim


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


@lru_cache(maxsize=8)
def _windows(hidden: str, n: int) -> frozenset[str]:
    return frozenset(hidden[i : i + n] for i in range(len(hidden) - n + 1))


def leak(text: str, secret: str) -> str:
    """A stretch of `secret` repeated in `text` (a reply reciting its instructions), or ''."""
    if not secret or not text:
        return ""
    reply, hidden = _normal(text), _normal(secret)
    cjk = sum("\u4e00" <= c <= "\u9fff" for c in reply) > len(reply) / 4
    n = LEAK_WINDOW["cjk" if cjk else "latin"]
    if len(reply) < n:
        return ""
    windows = _windows(hidden, n)
    for i in range(len(reply) - n + 1):
        if reply[i : i + n] in windows:
            return reply[i : i + n]
    return ""
