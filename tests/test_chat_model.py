"""The real local chat model (llama.cpp in process) on the full answer path."""

from __future__ import annotations

import pytest

from companion.language import detect_language
from companion.llm import chat_model
from companion.service import Companion

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_companion(full_knowledge, real_settings):
    settings = real_settings.model_copy(update={"max_tokens": 120})
    return Companion(full_knowledge.settings, full_knowledge, chat_model(settings))


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("I can't sleep the night before exams. What can I do?", "en"),
        ("考试前一晚总是睡不着，怎么办？", "zh"),
    ],
)
def test_real_model_streams_a_short_answer_in_the_asked_language_with_a_valid_citation(real_companion, question, lang):
    answer = real_companion.answer(question)
    pieces = list(answer.tokens())
    assert len(pieces) > 3  # streamed, not one block
    assert 20 < len(answer.text) < 1500
    assert detect_language(answer.text) == lang
    assert answer.cited, answer.text  # at least one [n] that points at a retrieved document
    titles = {p.title for p in answer.passages}
    assert {p.title for p in answer.cited} <= titles


def test_real_model_stream_can_be_stopped_early(real_companion):
    answer = real_companion.answer("How do I calm down before a test?")
    tokens = answer.tokens()
    first = [next(tokens) for _ in range(3)]
    tokens.close()  # the consumer leaves: llama.cpp is told to stop
    assert all(first)
    again = real_companion.answer("What helps with loneliness?")
    assert "".join(again.tokens())  # the server is free for the next request
