"""Triage policy: what the companion does at each risk level. Pure: no I/O, no model.

The table reads like shared/docs/RISK_SCALE.md. Whatever the model says, a `high` or
`imminent` conversation gets a fixed reply and is handed to the human queue before any
reply is generated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from companion.risk.levels import Level


class Action(StrEnum):
    ANSWER = "answer"  # a generated, grounded answer
    CHECK_IN = "check_in"  # a direct, kind question about safety after the answer
    SHOW_HOTLINES = "show_hotlines"
    OFFER_COUNSELLOR = "offer_counsellor"
    CRISIS_REPLY = "crisis_reply"  # a fixed reply from prompts/, no free generation
    EMERGENCY_FIRST = "emergency_first"  # emergency numbers before anything else
    HANDOFF = "handoff"  # queue the conversation for a person, before any model call
    ALERT_COUNSELLOR = "alert_counsellor"  # top priority, a counsellor is alerted


POLICY: dict[Level, frozenset[Action]] = {
    Level.NONE: frozenset({Action.ANSWER}),
    Level.LOW: frozenset({Action.ANSWER}),
    Level.MODERATE: frozenset({Action.ANSWER, Action.CHECK_IN, Action.SHOW_HOTLINES, Action.OFFER_COUNSELLOR}),
    Level.HIGH: frozenset({Action.CRISIS_REPLY, Action.SHOW_HOTLINES, Action.HANDOFF}),
    Level.IMMINENT: frozenset(
        {
            Action.CRISIS_REPLY,
            Action.EMERGENCY_FIRST,
            Action.SHOW_HOTLINES,
            Action.HANDOFF,
            Action.ALERT_COUNSELLOR,
        }
    ),
}


@dataclass(frozen=True)
class Decision:
    level: Level
    actions: frozenset[Action]

    @property
    def generate(self) -> bool:
        """Whether the language model may write this reply."""
        return Action.ANSWER in self.actions and Action.CRISIS_REPLY not in self.actions

    @property
    def handoff(self) -> bool:
        return Action.HANDOFF in self.actions

    def __contains__(self, action: Action) -> bool:
        return action in self.actions


def decide(level: Level, person_requested: bool = False) -> Decision:
    """The actions for a conversation at `level`; asking for a person always queues."""
    actions = POLICY[level]
    if person_requested:
        actions = actions | {Action.HANDOFF, Action.SHOW_HOTLINES}
    return Decision(level, actions)
