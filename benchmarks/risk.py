"""Benchmark of crisis-risk scoring on this machine: per-message latency and memory.

    .venv/bin/python benchmarks/risk.py [--n 400]

Scores chat-length messages (the project's written examples and over-trigger set, 160
characters or fewer) one at a time, as the triage path does, alone and with two earlier turns
of context; then, apart, samples of long written chat messages and of long forum posts from
../shared/data, per language (long English ones go to the fine-tuned post reader). Prints
p50/p95 latency per group, the resident memory the scorer adds to the process (with the post
reader loaded), and the size of the artifacts. Two more groups time the second readings:
English chat with typing slips (two letters swapped in two words) and Chinese in pinyin.
The measuring code is shared
with `companion eval latency` (companion/evaluation/latency.py).
"""

from __future__ import annotations

import argparse
import random
import time

from companion.evaluation.latency import chat_messages, peak_rss_mib, risk_latency, rss_mib, time_each
from companion.evaluation.metrics import latency
from companion.evaluation.sets import read_jsonl
from companion.risk import RiskScorer
from companion.risk.model import DEFAULT_ARTIFACT
from companion.settings import PROJECT_ROOT

PINYIN = [
    "wo bu xiang huo le",
    "ni hao, wo xiang wen yi ge wen ti",
    "jin tian kao shi kao za le, hao nan guo",
    "wo zhen de xiang si, bie quan wo",
    "xie xie ni, wo hao duo le",
    "wo ba ma you chao jia le, wo bu xiang hui jia",
    "zui jin shui bu zhao, mei tian dou hen lei",
    "wo yi jing chi le yi zheng ping an mian yao",
]


def with_slips(text: str, rng: random.Random) -> str:
    """text with two letters swapped in two of its longer words, as when typing fast."""
    words = text.split()
    longer = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    for i in rng.sample(longer, k=min(2, len(longer))):
        j = rng.randrange(len(words[i]) - 1)
        w = words[i]
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=400, help="messages per group")
    args = parser.parse_args()

    chat = chat_messages(seed=7)
    shared = PROJECT_ROOT.parent / "shared" / "data"
    rows = [r for p in sorted(shared.glob("*.jsonl")) for r in read_jsonl(p) if len(r["text"]) > 400]
    random.Random(7).shuffle(rows)
    posts = {lang: [r["text"] for r in rows if r["lang"] == lang] for lang in ("en", "zh")}

    before = rss_mib()
    start = time.perf_counter()
    scorer = RiskScorer()
    scorer.warm()  # as the app does on start: loads the encoder and the post reader
    load_s = time.perf_counter() - start
    added = rss_mib() - before

    groups = risk_latency(scorer, chat[: args.n])
    for lang, texts in posts.items():
        if texts:
            groups[f"long post (>400 chars), {lang}"] = time_each(scorer.assess, texts[: max(50, args.n // 8)])
    rng = random.Random(7)
    english = [t for t in chat[: args.n] if t.isascii() and sum(len(w) >= 4 for w in t.split()) >= 2]
    groups["chat with typing slips, en"] = time_each(scorer.assess, [with_slips(t, rng) for t in english])
    groups["chat in pinyin, zh"] = time_each(scorer.assess, PINYIN * 8)
    for lang in ("en", "zh"):
        texts = chat_messages(seed=7, long=True, lang=lang)
        if texts:
            groups[f"long chat (>160 chars), {lang}"] = time_each(scorer.assess, texts[: max(50, args.n // 8)])
    files = sorted(DEFAULT_ARTIFACT.parent.glob(f"{DEFAULT_ARTIFACT.stem}*.npz"))
    size_kib = sum(f.stat().st_size for f in files) / 1024
    print(f"scorer load {load_s:.2f} s; +{added:.0f} MiB resident; artifacts {size_kib:.0f} KiB ({len(files)} files)")
    for name, times in groups.items():
        m = latency(times)
        print(f"{name:>30}: n={m['n']}, p50 {m['p50']:.1f} ms, p95 {m['p95']:.1f} ms")
    print(f"process peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
