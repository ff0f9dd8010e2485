"""Several app processes on real engines (PostgreSQL, `chroma run`, llama.cpp's server), on
loopback: a load of 50 simulated youths with the model saturated, and an app process killed
in the middle of a reply. The figures are printed; `benchmarks/load.py` is the same run."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from companion.store import MessageRow, QueueEntryRow, open_store
from companion.transcripts import Transcripts
from tests.conftest import _postgres_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import load  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    url = _postgres_database("t_scale")
    with load.cluster(url, apps=2, max_tokens=24, log_dir=tmp_path_factory.mktemp("logs")) as c:
        yield c


def test_fifty_youths_on_two_processes_lose_nothing_and_every_crisis_is_queued(cluster):
    result = load.run(cluster, youths=50, turns=2, high_share=0.1)
    for line in load.report(result):
        print(line)
    sent = result["sent"]
    assert len(sent) == 100 and {m.status for m in sent} == {200}
    assert result["lost"] == [] and result["unqueued"] == []
    assert all(m.handoff for m in sent if m.kind == "high")
    assert len(result["enqueue_ms"]) == sum(m.kind == "high" for m in sent) >= 5


def test_an_app_process_killed_mid_reply_loses_nothing_and_another_carries_on(cluster):
    victim, survivor = cluster.apps
    client = httpx.Client(timeout=300)
    client.post(f"{victim}/api/conversations", json={}).raise_for_status()
    conversation = client.cookies.get("companion_youth").split(".")[0]
    crisis = httpx.Client(timeout=60)
    crisis.post(f"{victim}/api/conversations", json={}).raise_for_status()
    assert crisis.post(f"{victim}/api/messages", json={"text": "I want to kill myself tonight"}).json()["handoff"]

    def ask() -> None:
        try:
            client.post(f"{victim}/api/messages", json={"text": "how do I stop overthinking at night?"})
        except httpx.HTTPError:
            pass  # the process dies under it

    asker = threading.Thread(target=ask)
    asker.start()
    store = open_store(cluster.database_url, migrate=False)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until the message is stored and the reply is being made
        with store.session() as s:
            if s.scalar(select(MessageRow.id).where(MessageRow.conversation_id == conversation)):
                break
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(cluster.processes["app-0"].pid, signal.SIGKILL)
    asker.join(timeout=60)

    with store.session() as s:
        stored = s.scalars(select(MessageRow.text).where(MessageRow.conversation_id == conversation)).all()
        queued = s.scalars(select(QueueEntryRow.status)).all()
    assert stored == ["how do I stop overthinking at night?"]  # kept; the half reply is not
    assert "waiting" in queued
    # The youth's next message lands on the other process, with the same cookie: it carries on.
    r = client.post(f"{survivor}/api/messages", json={"text": "sorry, the page froze. still there?"})
    assert r.status_code == 200
    again = Transcripts(store).load(conversation)
    assert again.user_messages == ["how do I stop overthinking at night?", "sorry, the page froze. still there?"]
