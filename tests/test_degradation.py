"""When the chat model fails, stalls or its server is down, the youth still gets a safe reply
with resources, and triage and the queue never depend on it."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult

from companion.errors import LLMError
from companion.handoff import MemoryHandoff
from companion.llm import LlamaCppChat, chat_model
from companion.risk import RiskScorer
from companion.risk.levels import Level
from companion.service import Companion, Conversation
from companion.settings import load_settings


class BreaksAfter(BaseChatModel):
    """Streams `words` and then fails, as a model server that dies mid-reply."""

    words: list[str] = []

    @property
    def _llm_type(self) -> str:
        return "breaks"

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise ConnectionError("gone")

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for word in self.words:
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        raise ConnectionError("the model server went away")


@pytest.fixture(scope="module")
def scorer() -> RiskScorer:
    return RiskScorer()


def test_a_model_that_fails_at_once_gives_the_safe_reply_with_hotlines(full_knowledge, scorer):
    c = Companion(full_knowledge.settings, full_knowledge, BreaksAfter(), scorer, MemoryHandoff())
    turn = c.handle_message(Conversation(locale="uk"), "how can I sleep better?")
    shown = "".join(turn.answer.tokens())
    assert turn.answer.failed and shown == turn.answer.text
    assert "116 123" in shown and "can't write an answer" in shown


def test_a_model_that_dies_mid_reply_keeps_what_was_shown_and_adds_resources(full_knowledge, scorer):
    words = ["Sleep ", "helps ", "when ", "you ", "keep ", "a ", "regular ", "routine ", "every ", "day. "] * 4
    c = Companion(full_knowledge.settings, full_knowledge, BreaksAfter(words=words), scorer, MemoryHandoff())
    turn = c.handle_message(Conversation(), "how can I sleep better?")
    shown = "".join(turn.answer.tokens())
    assert shown.startswith("Sleep helps when you keep") and "988" in shown
    assert turn.answer.failed and turn.answer.text == shown


def test_a_crisis_is_queued_and_answered_while_the_model_is_down(full_knowledge, scorer):
    handoff = MemoryHandoff()
    c = Companion(full_knowledge.settings, full_knowledge, BreaksAfter(), scorer, handoff)
    turn = c.handle_message(Conversation(), "I'm going to kill myself tonight")
    assert turn.level >= Level.HIGH and turn.fixed and "988" in turn.fixed
    assert len(handoff.requests) == 1


def test_the_local_model_gives_up_on_a_stalled_stream():
    stalled = LlamaCppChat(model_path=Path("unused.gguf"), timeout_s=0.05)
    with pytest.raises(LLMError, match="sent nothing"):
        stalled._next(queue.Queue())


def _silent_server() -> tuple[socket.socket, int]:
    """Accepts connections and never answers: a hung model server."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1]


@pytest.mark.parametrize("kind", ["down", "hung"])
def test_an_openai_compatible_server_that_is_down_or_hung_gives_the_safe_reply(full_knowledge, scorer, kind):
    if kind == "down":
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # nothing listens there now
        server = None
    else:
        server, port = _silent_server()
    settings = load_settings(
        data_dir=full_knowledge.settings.data_dir, openai_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout_s=1.0
    )
    c = Companion(settings, full_knowledge, chat_model(settings), scorer, MemoryHandoff())
    try:
        turn = c.handle_message(Conversation(), "any tips for exam stress?")
        shown = "".join(turn.answer.tokens())
    finally:
        if server is not None:
            server.close()
    assert turn.answer.failed and "988" in shown
