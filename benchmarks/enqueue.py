"""Benchmark: from a `high` message arriving to its queue entry committed, with the model busy.

    .venv/bin/python benchmarks/enqueue.py [--n 120] [--postgres URL] [--no-llm] [--out DIR]

For SQLite (a file in a temporary folder) and, when a URL is given (or
COMPANION_TEST_DATABASE_URL is set), PostgreSQL, a background thread keeps the real chat model
generating answers for another conversation while high-risk messages (the project's written
examples, English and Chinese) arrive one by one, each opening a new conversation, through the
real triage path (`Companion.handle_message`: stored, scored, queued). The clock runs from the
call until `HotlineQueue.request` has returned, i.e. the entry is committed. Prints p50/p95/max
per database and saves a plot.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from companion.evaluation.latency import high_risk_messages
from companion.evaluation.metrics import percentile
from companion.queue import HotlineQueue
from companion.risk import RiskScorer
from companion.service import Companion
from companion.settings import load_settings
from companion.store import open_store
from companion.transcripts import Transcripts


class TimedQueue(HotlineQueue):
    """Notes the moment each conversation's entry was first committed (a later rise in tier
    re-requests the same entry; the entry already existed then)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.committed: dict[str, float] = {}

    def request(self, request) -> None:
        super().request(request)
        self.committed.setdefault(request.conversation_id, time.perf_counter())


def fresh_postgres(url: str, name: str = "companion_bench") -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def busy_model(companion: Companion, stop: threading.Event, counts: dict) -> None:
    """Keep the chat model generating for another conversation until told to stop."""
    questions = ["how can I sleep better before exams?", "我和朋友吵架了，怎么和好？", "tips for feeling less lonely"]
    i = 0
    while not stop.is_set():
        answer = companion.answer(questions[i % len(questions)])
        for _ in answer.tokens():
            counts["pieces"] += 1
            if stop.is_set():
                break
        i += 1


def measure(companion: Companion, queue: TimedQueue, messages: list[str]) -> list[float]:
    times = []
    for text in messages:
        conversation = companion.start_conversation()
        start = time.perf_counter()
        turn = companion.handle_message(conversation, text)
        if turn.decision.handoff:
            times.append((queue.committed[conversation.id] - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="high-risk messages per database")
    parser.add_argument("--postgres", default=os.environ.get("COMPANION_TEST_DATABASE_URL"))
    parser.add_argument("--no-llm", action="store_true", help="leave the chat model idle")
    parser.add_argument("--out", type=Path, default=Path("eval-results/bench"))
    args = parser.parse_args()

    from companion.knowledge import Knowledge
    from companion.llm import chat_model

    settings = load_settings()
    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=False)
    llm = chat_model(settings)
    scorer = RiskScorer()
    scorer.warm()  # as build_companion does: no message waits for a reader to load
    messages = high_risk_messages(args.n)
    databases = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    if args.postgres:
        databases["postgresql"] = fresh_postgres(args.postgres)

    results: dict[str, list[float]] = {}
    for name, url in databases.items():
        store = open_store(url)
        queue = TimedQueue(store, settings)
        companion = Companion(settings, knowledge, llm, scorer, queue, Transcripts(store))
        measure(companion, queue, messages[:5])  # warm-up: connections, caches
        stop, counts = threading.Event(), {"pieces": 0}
        worker = None
        if not args.no_llm:
            worker = threading.Thread(target=busy_model, args=(companion, stop, counts), daemon=True)
            worker.start()
            while counts["pieces"] < 3:  # the model is generating before the clock starts
                time.sleep(0.05)
        started = time.perf_counter()
        times = measure(companion, queue, messages)
        elapsed = time.perf_counter() - started
        stop.set()
        if worker:
            worker.join()
        results[name] = times
        busy = "model generating" if worker else "model idle"
        print(
            f"{name:<10} {busy}: {len(times)}/{len(messages)} handed off; arrival -> queue entry committed "
            f"p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms; "
            f"model produced {counts['pieces']} pieces meanwhile ({counts['pieces'] / elapsed:.1f}/s)"
        )
        store.close()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    args.out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, times in results.items():
        ordered = sorted(times)
        ax.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], label=name)
    ax.axvline(100, color="red", ls="--", lw=1, label="goal p95 < 100 ms")
    ax.axhline(0.95, color="grey", ls=":", lw=1)
    ax.set_xlabel("high message arrival -> queue entry committed (ms)")
    ax.set_ylabel("share of messages")
    ax.set_title("Enqueue latency, chat model busy" if not args.no_llm else "Enqueue latency, model idle")
    ax.legend()
    fig.tight_layout()
    path = args.out / "queue-latency.png"
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
