"""Load test on real engines: simulated youths against several app processes, model saturated.

    .venv/bin/python benchmarks/load.py [--youths 50] [--apps 2] [--turns 3] [--postgres URL]

Starts a Chroma server (`chroma run`), llama.cpp's server (`companion llm-server`, the small
model) and N app processes (`app.py`) sharing one PostgreSQL database, all on loopback. Each
simulated youth starts a conversation and sends its messages through the JSON API, every
message to the next app process in turn, so each conversation moves between processes; about
10% of youths disclose high or imminent risk. Afterwards the database is read back: every
message sent must be stored, every high-risk conversation queued. Prints throughput, reply
latency per kind, and the enqueue latency (message stored -> queue entry committed, from the
rows' timestamps, and the high-risk request's whole round trip).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from companion.evaluation.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
ORDINARY = [
    ("en", "exams start next week and i can't focus"),
    ("en", "how do i fall asleep when my mind won't stop"),
    ("en", "my best friend is ignoring me and i don't know why"),
    ("en", "any tips for feeling less lonely at a new school?"),
    ("zh", "考试压力好大，怎么办"),
    ("zh", "晚上总是睡不着"),
    ("zh", "和朋友吵架了，想和好"),
]
HIGH = [
    ("en", "I want to kill myself, I can't do this anymore"),
    ("en", "i have the pills in front of me and i'm doing it tonight"),
    ("zh", "我想自杀，真的撑不下去了"),
    ("zh", "药已经摆在我面前了，今晚就结束吧"),
]
DOCS = [
    ("en", "exam-stress"),
    ("en", "sleep"),
    ("en", "friendships"),
    ("en", "loneliness"),
    ("zh", "exam-stress"),
    ("zh", "sleep"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, what: str, seconds: float = 240, process: subprocess.Popen | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}; see its log")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not come up in {seconds:.0f} s ({url})")


@dataclass
class Cluster:
    database_url: str
    apps: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@contextmanager
def cluster(database_url: str, apps: int = 2, max_tokens: int = 32, parallel: int = 2, log_dir: Path | None = None):
    """Chroma server, llama.cpp server and `apps` app processes on loopback, stopped on exit."""
    work = Path(tempfile.mkdtemp(prefix="companion-cluster-"))
    logs = log_dir or work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    knowledge = work / "knowledge"
    for lang, doc in DOCS:  # a few documents: ingestion stays quick, retrieval stays real
        (knowledge / lang).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "knowledge" / lang / f"{doc}.md", knowledge / lang / f"{doc}.md")
    chroma_port, llm_port, key = free_port(), free_port(), secrets.token_urlsafe(16)
    env = os.environ | {
        "COMPANION_DATABASE_URL": database_url,
        "COMPANION_CHROMA_URL": f"http://127.0.0.1:{chroma_port}",
        "COMPANION_OPENAI_BASE_URL": f"http://127.0.0.1:{llm_port}/v1",
        "COMPANION_OPENAI_API_KEY": key,
        "COMPANION_SESSION_SECRET": secrets.token_urlsafe(32),
        "COMPANION_KNOWLEDGE_DIR": str(knowledge),
        "COMPANION_DATA_DIR": str(work / "data"),
        "COMPANION_MAX_TOKENS": str(max_tokens),
        "COMPANION_CHAT_MODEL": "qwen2.5-coder-0.5b",
        # every simulated youth comes from 127.0.0.1: the per-address limit would count them as one
        "COMPANION_RATE_ADDRESS_PER_MIN": "100000",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    models = ROOT / "data" / "models"
    (work / "data").mkdir(parents=True)
    if models.is_dir():
        (work / "data" / "models").symlink_to(models)  # the verified GGUF, not joined again
    c = Cluster(database_url, env=env)

    def start(name: str, args: list[str], extra: dict[str, str] | None = None) -> None:
        log = (logs / f"{name}.log").open("w")
        c.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=env | (extra or {}), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    try:
        chroma = Path(sys.executable).with_name("chroma")
        start("chroma", [str(chroma), "run", "--path", str(work / "chroma"), "--port", str(chroma_port)])
        model_env = {"COMPANION_OPENAI_BASE_URL": ""}
        start(
            "llm",
            [sys.executable, "-m", "companion", "llm-server", "--port", str(llm_port), "--parallel", str(parallel)],
            model_env,
        )
        wait_for(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", "the Chroma server")
        subprocess.run([sys.executable, "-m", "companion", "ingest", "--quiet"], cwd=ROOT, env=env, check=True)
        wait_for(f"http://127.0.0.1:{llm_port}/health", "the llama.cpp server")
        for i in range(apps):
            port = free_port()
            start(f"app-{i}", [sys.executable, "app.py", "--port", str(port)])
            c.apps.append(f"http://127.0.0.1:{port}")
        for i, url in enumerate(c.apps):
            wait_for(f"{url}/login", f"app process {url}", process=c.processes[f"app-{i}"])
        yield c
    finally:
        for process in c.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in c.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class Sent:
    conversation: str
    kind: str  # "ordinary" or "high"
    text: str
    status: int
    seconds: float
    handoff: bool = False
    degraded: bool = False  # the model was too busy or gone: the safe reply with hotlines came back


async def youth(number: int, c: Cluster, turns: int, high: bool, rng: random.Random, out: list[Sent]) -> None:
    async with httpx.AsyncClient(timeout=300) as client:
        start = c.apps[number % len(c.apps)]
        r = await client.post(f"{start}/api/conversations", json={})
        r.raise_for_status()
        conversation = client.cookies.get("companion_youth", "").split(".")[0]
        disclose_at = rng.randrange(turns) if high else -1
        for turn in range(turns):
            kind = "high" if turn == disclose_at else "ordinary"
            lang, text = rng.choice(HIGH if kind == "high" else ORDINARY)
            app = c.apps[(number + turn + 1) % len(c.apps)]  # the next message lands on another process
            t0 = time.perf_counter()
            r = await client.post(f"{app}/api/messages", json={"text": text})
            took = time.perf_counter() - t0
            body = r.json() if r.status_code == 200 else {}
            degraded = any(mark in (body.get("reply") or "") for mark in ("can't write an answer", "暂时无法回复"))
            out.append(Sent(conversation, kind, text, r.status_code, took, bool(body.get("handoff")), degraded))
            await asyncio.sleep(rng.uniform(0.2, 1.5))  # reading and typing


def verify(database_url: str, sent: list[Sent]) -> dict:
    """Read the database back: every message stored, every high-risk conversation queued."""
    from sqlalchemy import select

    from companion.store import MessageRow, QueueEntryRow, open_store

    store = open_store(database_url, migrate=False)
    with store.session() as s:
        rows = s.execute(
            select(MessageRow.conversation_id, MessageRow.text, MessageRow.created_at, MessageRow.level).where(
                MessageRow.role == "user"
            )
        ).all()
        entries = {e.conversation_id: e for e in s.scalars(select(QueueEntryRow))}
    stored: dict[tuple[str, str], list] = {}
    for cid, text, at, level in rows:
        stored.setdefault((cid, text), []).append((at, level))
    lost = [m for m in sent if (m.conversation, m.text) not in stored]
    high_conversations = {m.conversation for m in sent if m.kind == "high"}
    unqueued = sorted(high_conversations - set(entries))
    enqueue_ms = []
    for m in sent:
        if m.kind == "high" and m.conversation in entries:
            first = min(at for at, _ in stored.get((m.conversation, m.text), [(None, None)]) if at is not None)
            enqueue_ms.append((entries[m.conversation].enqueued_at - first).total_seconds() * 1000)
    store.close()
    return {"lost": lost, "unqueued": unqueued, "enqueue_ms": enqueue_ms, "stored": len(rows)}


def run(c: Cluster, youths: int = 50, turns: int = 3, high_share: float = 0.1, seed: int = 7) -> dict:
    rng = random.Random(seed)
    high = set(rng.sample(range(youths), max(1, round(youths * high_share))))
    sent: list[Sent] = []

    async def everyone() -> None:
        await asyncio.gather(*(youth(i, c, turns, i in high, random.Random(seed + i), sent) for i in range(youths)))

    t0 = time.perf_counter()
    asyncio.run(everyone())
    elapsed = time.perf_counter() - t0
    checked = verify(c.database_url, sent)
    return {"sent": sent, "elapsed_s": elapsed, **checked}


def report(result: dict) -> list[str]:
    sent = result["sent"]
    lines = [
        f"{len(sent)} messages in {result['elapsed_s']:.1f} s ({len(sent) / result['elapsed_s']:.2f} messages/s); "
        f"status codes {sorted({m.status for m in sent})}",
        f"lost messages: {len(result['lost'])}; high-risk conversations not queued: {len(result['unqueued'])}; "
        f"replies degraded to the safe message (model saturated): {sum(m.degraded for m in sent)}",
    ]
    for kind in ("ordinary", "high"):
        times = [m.seconds * 1000 for m in sent if m.kind == kind]
        lines.append(
            f"{kind:<8} replies n={len(times)}: p50 {percentile(times, 0.5):.0f} ms, "
            f"p95 {percentile(times, 0.95):.0f} ms, "
            f"max {max(times, default=0):.0f} ms"
        )
    e = result["enqueue_ms"]
    lines.append(
        f"enqueue (high message stored -> queue entry committed) n={len(e)}: p50 {percentile(e, 0.5):.1f} ms, "
        f"p95 {percentile(e, 0.95):.1f} ms, max {max(e, default=0):.1f} ms; each: {', '.join(f'{v:.0f}' for v in e)}"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=50)
    parser.add_argument("--apps", type=int, default=2)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("COMPANION_TEST_DATABASE_URL"), required=False)
    parser.add_argument("--logs", type=Path, default=Path("eval-results/load-logs"), help="process logs kept here")
    args = parser.parse_args()
    if not args.postgres:
        parser.error("give --postgres URL (bash scripts/postgres.sh prints one)")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from enqueue import fresh_postgres

    url = fresh_postgres(args.postgres, "companion_load")
    with cluster(url, apps=args.apps, log_dir=args.logs) as c:
        print(f"cluster up: {len(c.apps)} app processes, Chroma server, llama.cpp server, PostgreSQL")
        for line in report(run(c, args.youths, args.turns)):
            print(line)


if __name__ == "__main__":
    main()
