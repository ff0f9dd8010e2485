"""Faults on real engines: the LLM server killed mid-reply, PostgreSQL restarted under the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import func, select

from companion.llm import chat_model
from companion.queue import HotlineQueue
from companion.risk import RiskScorer
from companion.risk.levels import Level
from companion.service import Companion
from companion.settings import PROJECT_ROOT, load_settings
from companion.store import MessageRow, open_store
from companion.transcripts import Transcripts
from tests.conftest import _postgres_database, free_port, skip_or_fail


def start_llm_server(port: int, key: str) -> subprocess.Popen:
    env = os.environ | {"COMPANION_OPENAI_API_KEY": key, "COMPANION_CHAT_MODEL": "qwen2.5-coder-0.5b"}
    env.pop("COMPANION_OPENAI_BASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "companion", "llm-server", "--port", str(port), "--parallel", "2"],
        env=env,
        cwd=PROJECT_ROOT,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    pytest.fail("the llama.cpp server did not come up in 120 s")


@pytest.mark.slow
def test_llm_server_killed_mid_reply_gives_a_safe_reply_and_triage_goes_on(full_knowledge, tmp_path):
    port, key = free_port(), "test-key"
    server = start_llm_server(port, key)
    try:
        settings = load_settings(
            data_dir=full_knowledge.settings.data_dir,
            openai_base_url=f"http://127.0.0.1:{port}/v1",
            openai_api_key=key,
            max_tokens=200,
            llm_timeout_s=30,
        )
        store = open_store(f"sqlite:///{tmp_path / 'c.db'}")
        queue = HotlineQueue(store, settings)
        c = Companion(settings, full_knowledge, chat_model(settings), RiskScorer(), queue, Transcripts(store))
        conversation = c.start_conversation()
        turn = c.handle_message(conversation, "how can I calm down before a big exam?")
        shown = []
        for piece in turn.answer.tokens():
            shown.append(piece)
            if server.poll() is None:
                server.send_signal(signal.SIGKILL)  # the model server dies mid-stream
                server.wait(timeout=10)
        text = "".join(shown)
        assert server.returncode == -signal.SIGKILL and text.endswith(turn.answer.unavailable)
        assert turn.answer.failed and "988" in text and "can't write an answer" in text
        c.record(turn)

        crisis = c.start_conversation()
        turn = c.handle_message(crisis, "I have the rope ready and I'm doing it tonight")
        assert turn.level == Level.IMMINENT and turn.fixed and "911" in turn.fixed
        assert [e.conversation_id for e in queue.entries()] == [crisis.id]

        later = c.handle_message(conversation, "are you still there?")  # the server is still down
        assert "can't write an answer" in "".join(later.answer.tokens())
        with store.session() as s:
            assert s.scalar(select(func.count()).where(MessageRow.role == "user")) == 3
    finally:
        if server.poll() is None:
            server.kill()


def test_postgres_restart_loses_nothing_and_the_app_reconnects(settings, full_knowledge):
    base = os.environ.get("COMPANION_TEST_DATABASE_URL", "")
    if ":54329/" not in base:
        skip_or_fail("needs the throw-away server of scripts/postgres.sh (port 54329) to restart it")
    url = _postgres_database("t_restart")
    store = open_store(url)
    queue, transcripts = HotlineQueue(store, settings), Transcripts(store)
    llm = __import__("langchain_core.language_models.fake_chat_models", fromlist=["x"]).FakeListChatModel(
        responses=["ok"] * 4
    )
    c = Companion(full_knowledge.settings, full_knowledge, llm, RiskScorer(), queue, transcripts)
    before = c.start_conversation()
    c.handle_message(before, "I want to kill myself")
    subprocess.run(["bash", "scripts/postgres.sh", "restart"], cwd=PROJECT_ROOT, check=True, capture_output=True)
    # The pool's connections died with the server: the next use reconnects by itself.
    after = c.start_conversation()
    turn = c.handle_message(after, "I took all my pills an hour ago")
    assert turn.level == Level.IMMINENT
    assert {e.conversation_id for e in queue.entries()} == {before.id, after.id}
    assert Transcripts(open_store(url, migrate=False)).load(before.id).user_messages == ["I want to kill myself"]
