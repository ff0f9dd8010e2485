"""A process killed while generating a reply loses no committed message and no queue entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from sqlalchemy import select, text

from companion.queue import HotlineQueue
from companion.risk.levels import Level
from companion.store import MessageRow, open_store
from companion.transcripts import Transcripts

CHILD = textwrap.dedent(
    """
    import sys, time
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    from companion.knowledge import Knowledge
    from companion.queue import HotlineQueue
    from companion.risk import RiskScorer
    from companion.service import Companion
    from companion.settings import load_settings
    from companion.store import open_store
    from companion.transcripts import Transcripts

    class SlowModel(BaseChatModel):
        @property
        def _llm_type(self):
            return "slow"

        def _generate(self, *a, **k):
            raise NotImplementedError

        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            for word in ("Exams " "can " "feel " "huge. " * 200).split(" "):
                time.sleep(0.05)
                yield ChatGenerationChunk(message=AIMessageChunk(content=word + " "))

    url, data_dir = sys.argv[1], sys.argv[2]
    settings = load_settings(data_dir=data_dir)
    store = open_store(url)
    queue, transcripts = HotlineQueue(store, settings), Transcripts(store)
    c = Companion(settings, Knowledge(settings), SlowModel(), RiskScorer(), queue, transcripts)
    crisis = c.start_conversation()
    c.handle_message(crisis, "I have the pills in front of me and I'm going to take them tonight")
    ordinary = c.start_conversation()
    turn = c.handle_message(ordinary, "how do I stop panicking before exams?")
    print(crisis.id, ordinary.id, flush=True)
    for i, piece in enumerate(turn.answer.tokens()):
        if i == 5:
            print("GENERATING", flush=True)
    c.record(turn)
    print("FINISHED", flush=True)
    """
)


def test_killed_mid_reply_loses_nothing_and_the_queue_is_intact(database_url, full_knowledge):
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    data_dir = str(full_knowledge.settings.data_dir)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, data_dir], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        crisis_id, ordinary_id = child.stdout.readline().split()
        assert child.stdout.readline().strip() == "GENERATING"
        child.send_signal(signal.SIGKILL)  # mid-stream: no clean-up of any kind
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    store = open_store(database_url)  # "after restart"
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with store.session() as s:
        rows = s.execute(select(MessageRow.conversation_id, MessageRow.role, MessageRow.level)).all()
    users = {(cid, lv) for cid, role, lv in rows if role == "user"}
    assert (crisis_id, Level.IMMINENT) in users and any(cid == ordinary_id for cid, _ in users)
    assert all(lv is not None for _, lv in users)  # each reading was committed with its message
    queue = HotlineQueue(store, full_knowledge.settings)
    entries = queue.entries()
    assert [(e.conversation_id, e.tier, e.status) for e in entries] == [(crisis_id, Level.IMMINENT, "waiting")]
    # The interrupted conversation carries on: its message is there, the half reply is not.
    ordinary = Transcripts(store).load(ordinary_id)
    assert ordinary.user_messages == ["how do I stop panicking before exams?"] and ordinary.history == []
