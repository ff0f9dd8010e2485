"""Benchmark of crisis-risk scoring on this machine: per-message latency and memory.

    .venv/bin/python benchmarks/risk.py [--n 400]

Scores chat-style messages (the project's written examples and over-trigger set) one at a
time, as the triage path does, alone and with two earlier turns of context, and a sample of
long forum posts from ../shared/data. Prints p50/p95 latency per group, the resident memory
the scorer adds to the process, and the size of the artifact.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from companion.evaluation import read_jsonl
from companion.risk import RiskScorer
from companion.risk.model import DEFAULT_ARTIFACT
from companion.risk.training import WRITTEN
from companion.settings import PROJECT_ROOT


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=400, help="messages per group")
    args = parser.parse_args()
    rng = random.Random(7)

    chat = [r["text"] for p in sorted(WRITTEN.glob("*.jsonl")) for r in read_jsonl(p)]
    overtrigger = PROJECT_ROOT / "eval" / "overtrigger.jsonl"
    if overtrigger.exists():
        chat += [r["text"] for r in read_jsonl(overtrigger)]
    shared = PROJECT_ROOT.parent / "shared" / "data"
    posts = [r["text"] for p in sorted(shared.glob("*.jsonl")) for r in read_jsonl(p) if len(r["text"]) > 400]
    rng.shuffle(chat)
    rng.shuffle(posts)

    before = rss_mib()
    start = time.perf_counter()
    scorer = RiskScorer()
    scorer.assess("warm-up")
    load_s = time.perf_counter() - start
    added = rss_mib() - before

    groups = {
        "chat message, alone": [(t, []) for t in chat[: args.n]],
        "chat message + 2 turns": [(t, chat[i + 1 : i + 3]) for i, t in enumerate(chat[: args.n])],
        "long post (>400 chars)": [(t, []) for t in posts[: max(50, args.n // 4)]],
    }
    size_kib = DEFAULT_ARTIFACT.stat().st_size / 1024
    print(f"scorer load {load_s:.2f} s; +{added:.0f} MiB resident; artifact {size_kib:.0f} KiB")
    for name, items in groups.items():
        times = []
        for text, context in items:
            t0 = time.perf_counter()
            scorer.assess(text, context)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name:>24}: n={len(times)}, p50 {pct(times, 0.5):.1f} ms, p95 {pct(times, 0.95):.1f} ms")
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
