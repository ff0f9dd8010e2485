"""The knowledge base on a real Chroma server (`chroma run`), and what happens when it goes away."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from companion.errors import KnowledgeError
from companion.knowledge import Knowledge
from companion.settings import load_settings
from tests.conftest import free_port


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("chroma run did not come up in 60 s")
    yield server, f"http://127.0.0.1:{port}"
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def test_ingest_and_search_on_a_chroma_server_then_degrade_when_it_dies(settings, chroma_server):
    server, url = chroma_server
    remote = load_settings(data_dir=settings.data_dir, knowledge_dir=settings.knowledge_dir, chroma_url=url)
    knowledge = Knowledge(remote)
    report = knowledge.ingest(show_progress=False)
    assert len(report.added) == 3
    again = Knowledge(remote).ingest(show_progress=False)  # another process: the server keeps the index
    assert len(again.unchanged) == 3 and again.chunks_embedded == 0
    hits = knowledge.relevant("I can't fall asleep at night", "en")
    assert hits and hits[0].doc_id == "sleep"

    server.kill()
    server.wait(timeout=10)
    started = time.perf_counter()
    assert knowledge.relevant("I can't fall asleep at night", "en") == []  # no passages, no crash
    assert time.perf_counter() - started < remote.retrieval_timeout_s + 2


def test_a_hung_chroma_server_is_a_clear_error_within_the_timeout(settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    remote = load_settings(data_dir=settings.data_dir, chroma_url=url, retrieval_timeout_s=1.0)
    started = time.perf_counter()
    with pytest.raises(KnowledgeError, match="no answer in 1 s"):
        Knowledge(remote)
    assert time.perf_counter() - started < 5
    silent.close()
