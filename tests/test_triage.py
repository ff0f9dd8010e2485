"""The triage policy table, exhaustively, and the conversation-level rules."""

from __future__ import annotations

import itertools

import pytest

from companion.risk.levels import Level
from companion.risk.state import ConversationRisk
from companion.triage import POLICY, Action, decide

EXPECTED = {
    Level.NONE: {Action.ANSWER},
    Level.LOW: {Action.ANSWER},
    Level.MODERATE: {Action.ANSWER, Action.CHECK_IN, Action.SHOW_HOTLINES, Action.OFFER_COUNSELLOR},
    Level.HIGH: {Action.CRISIS_REPLY, Action.SHOW_HOTLINES, Action.HANDOFF},
    Level.IMMINENT: {
        Action.CRISIS_REPLY,
        Action.EMERGENCY_FIRST,
        Action.SHOW_HOTLINES,
        Action.HANDOFF,
        Action.ALERT_COUNSELLOR,
    },
}


@pytest.mark.parametrize(("level", "requested"), itertools.product(Level, [False, True]))
def test_policy_table_matches_the_risk_scale(level, requested):
    d = decide(level, person_requested=requested)
    expected = EXPECTED[level] | ({Action.HANDOFF, Action.SHOW_HOTLINES} if requested else set())
    assert d.actions == expected
    assert d.generate == (level <= Level.MODERATE)  # high and imminent never get free generation
    assert d.handoff == (level >= Level.HIGH or requested)


def test_policy_covers_every_level():
    assert set(POLICY) == set(Level)


def test_conversation_level_is_the_highest_reached_and_never_lowered_by_the_user():
    state = ConversationRisk()
    for level in [Level.LOW, Level.HIGH, Level.NONE, Level.NONE, Level.LOW]:
        state.update(level)
    assert state.level == Level.HIGH


def test_rising_moderates_raise_the_conversation_to_high():
    state = ConversationRisk()
    assert state.update(Level.MODERATE) == Level.MODERATE
    assert state.update(Level.MODERATE) == Level.MODERATE
    assert state.update(Level.MODERATE) == Level.HIGH and state.rising


def test_a_broken_run_of_moderates_does_not_rise():
    state = ConversationRisk()
    for level in [Level.MODERATE, Level.MODERATE, Level.LOW, Level.MODERATE, Level.MODERATE]:
        state.update(level)
    assert state.level == Level.MODERATE


def test_one_disclosure_read_into_later_messages_is_not_a_rising_run():
    state = ConversationRisk()
    state.update(Level.MODERATE, own_level=Level.MODERATE)
    state.update(Level.MODERATE, own_level=Level.NONE)  # moderate only in context
    assert state.update(Level.MODERATE, own_level=Level.NONE) == Level.MODERATE


def test_only_a_counsellor_with_a_reason_lowers_the_level():
    state = ConversationRisk()
    state.update(Level.IMMINENT)
    with pytest.raises(PermissionError):
        state.lower(Level.LOW, counsellor="", reason="talked it through")
    with pytest.raises(PermissionError):
        state.lower(Level.LOW, counsellor="c.wong", reason=" ")
    state.lower(Level.LOW, counsellor="c.wong", reason="safety plan made, parent present")
    assert state.level == Level.LOW
    assert state.lowerings[0].counsellor == "c.wong" and state.lowerings[0].from_level == Level.IMMINENT
