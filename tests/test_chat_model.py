"""The real local chat model (llama.cpp in process) on the full answer path."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

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


def _threads() -> dict[int, tuple[int, int]]:
    """This process's threads: id -> (CPU ticks used, nice value), from /proc."""
    threads = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        threads[int(task.name)] = (int(fields[11]) + int(fields[12]), int(fields[16]))
    return threads


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_the_model_generates_at_lower_cpu_priority_than_the_triage_path(real_companion):
    """Scoring and queueing share the CPU with generation; llama.cpp's workers must yield to them."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    before = _threads()
    answer = real_companion.answer("What helps with loneliness?")
    assert "".join(answer.tokens())
    after = _threads()
    used = sorted(((ticks - before.get(tid, (0, 0))[0], tid) for tid, (ticks, _) in after.items()), reverse=True)
    busiest = [tid for ticks, tid in used[:2] if ticks > 0 and tid != threading.get_native_id()]
    assert busiest, used
    expected = min(19, own + real_companion.llm.nice)
    assert real_companion.llm.nice >= 5
    assert all(after[tid][1] == expected for tid in busiest), (expected, [(tid, after[tid]) for tid in busiest])
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # the caller's own priority is untouched
