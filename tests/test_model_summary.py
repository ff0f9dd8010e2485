"""The chat model's note for the counsellor: added after the entry is committed, never before."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage

from companion.queue import HotlineQueue
from companion.risk import RiskScorer
from companion.risk.levels import Level
from companion.service import Companion
from companion.store import AuditRow, open_store
from companion.transcripts import Transcripts


class HeldModel(FakeListChatModel):
    """Answers only once the test lets it: a model busy with other conversations."""

    gate: Any = None
    seen: list = []

    def invoke(self, messages, *args, **kwargs):  # noqa: ANN001 - LangChain's signature
        self.seen.append((messages, kwargs))
        assert self.gate.wait(10), "the test never let the model answer"
        return AIMessage(content=self.responses[0])


class BrokenModel(FakeListChatModel):
    def invoke(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise ConnectionError("model server gone")


def _wait_for(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (value := check()) is not None:
            return value
        time.sleep(0.02)
    return None


@pytest.fixture
def queue(database_url, settings) -> HotlineQueue:
    return HotlineQueue(open_store(database_url), settings)


def companion(queue, knowledge, llm) -> Companion:
    c = Companion(knowledge.settings, knowledge, llm, RiskScorer(), queue, Transcripts(queue.store))
    c.summarise = True
    return c


def test_the_entry_is_committed_before_the_model_writes_its_note(queue, full_knowledge):
    gate = threading.Event()
    note = "Says they have pills ready and plan to take them tonight; no one is home."
    llm = HeldModel(responses=[note], gate=gate, seen=[])
    c = companion(queue, full_knowledge, llm)
    conversation = c.start_conversation()
    c.handle_message(conversation, "my parents are away")
    turn = c.handle_message(conversation, "I have the pills ready and I'm taking them tonight")
    assert turn.decision.handoff and turn.fixed  # the crisis reply came back while the model is held
    entry = queue.open_entry(conversation.id)
    assert entry is not None and entry.tier >= Level.HIGH  # queued, with the model-free summary
    assert "model_summary" not in entry.summary and entry.summary["risk_messages"]
    assert _wait_for(lambda: llm.seen or None)  # the model was asked, in the background
    messages, kwargs = llm.seen[0]
    assert "I have the pills ready" in messages[-1].content and "my parents are away" in messages[-1].content
    assert kwargs["max_tokens"] > 0

    gate.set()
    added = _wait_for(lambda: queue.open_entry(conversation.id).summary.get("model_summary"))
    assert added and added["text"] == note
    with queue.store.session() as s:
        assert s.query(AuditRow).filter_by(action="queue.model_summary", conversation_id=conversation.id).count() == 1

    c.handle_message(conversation, "actually I already took some")  # the tier rises: the note stays
    entry = queue.open_entry(conversation.id)
    assert entry.tier == Level.IMMINENT and entry.summary["model_summary"]["text"] == note


def test_a_failing_model_leaves_the_entry_as_it_was(queue, full_knowledge):
    c = companion(queue, full_knowledge, BrokenModel(responses=["unused"]))
    conversation = c.start_conversation()
    c.handle_message(conversation, "我想自杀")
    before = queue.open_entry(conversation.id).summary
    assert c.improve_summary(conversation.id) is None  # the same call the background thread makes
    assert queue.open_entry(conversation.id).summary == before


def test_no_note_is_asked_for_when_nothing_is_queued_or_the_setting_is_off(queue, full_knowledge):
    llm = HeldModel(responses=["x"], gate=threading.Event(), seen=[])
    c = companion(queue, full_knowledge, llm)
    c.handle_message(c.start_conversation(), "what's a good book for the summer?")
    c.summarise = False
    c.handle_message(c.start_conversation(), "I want to kill myself")
    time.sleep(0.2)
    assert llm.seen == []


def test_the_console_shows_the_note_beside_the_model_free_summary(queue):
    from companion.handoff import HandoffRequest, RiskMessage
    from companion.web.console import summary_markdown

    text = "I want to kill myself"
    queue.request(HandoffRequest("c1", Level.HIGH, "en", "us", "risk", [RiskMessage(text, "high", [text])], ["high"]))
    assert queue.add_model_summary("c1", "Wants to die; no plan named.", "fake")
    shown = summary_markdown(queue.open_entry("c1"))
    assert "Model's note" in shown and "Wants to die; no plan named." in shown
    assert text in shown  # the youth's own words stay in front of the counsellor
    assert not queue.add_model_summary("nobody", "x", "fake")  # no open entry: nothing written
