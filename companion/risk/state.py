"""A conversation's risk over time: the highest level reached, raised by rising risk.

Never lowers a level on the user's word: only `lower()` does, and it needs a counsellor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from companion.risk.levels import Level

RISING_WINDOW = 3  # this many consecutive user messages at moderate or above…
RISING_TO = Level.HIGH  # …raise the conversation to this level


@dataclass(frozen=True)
class Lowering:
    """A counsellor's decision to lower a conversation's level, kept for the audit trail."""

    counsellor: str
    from_level: Level
    to_level: Level
    reason: str
    at: datetime


@dataclass
class ConversationRisk:
    level: Level = Level.NONE
    messages: list[Level] = field(default_factory=list)  # each user message's own level
    lowerings: list[Lowering] = field(default_factory=list)
    rising: bool = False  # the last update raised the level because of a run of moderates

    def update(self, message_level: Level, own_level: Level | None = None) -> Level:
        """Record one user message's level; return the conversation's level after it.

        `own_level` is the message read alone: the rising-risk rule counts those, so that one
        disclosure read into the next few messages is not mistaken for a rising run.
        """
        own = message_level if own_level is None else own_level
        self.messages.append(own)
        recent = self.messages[-RISING_WINDOW:]
        self.rising = len(recent) == RISING_WINDOW and all(lv >= Level.MODERATE for lv in recent)
        raised = max(message_level, RISING_TO) if self.rising else message_level
        self.level = max(self.level, raised)
        return self.level

    def lower(self, to_level: Level, counsellor: str, reason: str) -> None:
        """Only a named counsellor, with a reason, can lower the level."""
        if not counsellor.strip() or not reason.strip():
            raise PermissionError("lowering a risk level needs a counsellor and a reason")
        if to_level >= self.level:
            return
        self.lowerings.append(Lowering(counsellor, self.level, to_level, reason, datetime.now(UTC)))
        self.level = to_level
        self.messages.clear()  # a new run of moderates starts after the counsellor's review
