"""Benchmark of the core path on this machine: retrieval latency, streaming speed, memory.

    .venv/bin/python benchmarks/core.py [--prompts 6] [--out results.json]

Retrieval: p50/p95 of `Knowledge.relevant` (embedding + Chroma query) over eval/retrieval.jsonl.
Streaming: time to first token and tokens/s of Companion's path (retrieval, prompt, LangChain
adapter) against raw llama.cpp (`xllamacpp.Server.handle_chat_completions`) on the same
messages and the same loaded model. Before each timed request a different message with the
same fixed prefix is sent, so both paths start from the state a new user message meets: the
system prompt cached, the new turn not. Greedy decoding makes both produce the same tokens.
Memory: peak resident set of this process (model, index, embeddings).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from companion.evaluation import read_retrieval_questions
from companion.knowledge import Knowledge
from companion.llm import LlamaCppChat, chat_model
from companion.service import Companion
from companion.settings import PROJECT_ROOT, load_settings

QUESTIONS = [
    "I can't sleep the night before exams. What can I do?",
    "考试前一晚总是睡不着，怎么办？",
    "my friends keep leaving me out and I feel so alone",
    "我和爸妈天天吵架，好烦",
    "how do I calm down when my heart is racing?",
    "我总觉得自己不够好，一点小错就骂自己",
    "what actually happens when you call a helpline?",
    "失恋了，每天都很难受",
]
FLUSH = "hello, just saying hi"
ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def retrieval_latency(knowledge: Knowledge) -> dict:
    questions = read_retrieval_questions(PROJECT_ROOT / "eval" / "retrieval.jsonl")
    knowledge.relevant("warm-up", "en")
    times = []
    for q in questions:
        start = time.perf_counter()
        knowledge.relevant(q.question, q.lang)
        times.append((time.perf_counter() - start) * 1000)
    return {"n": len(times), "p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95)}


def timed(stream) -> tuple[float, float, int]:
    """(time to first token s, tokens/s after the first, tokens) of an iterator of pieces."""
    start = time.perf_counter()
    first = last = None
    count = 0
    for _ in stream:
        now = time.perf_counter()
        first = first if first is not None else now
        last = now
        count += 1
    if first is None:
        return float("nan"), float("nan"), 0
    rate = (count - 1) / (last - first) if count > 1 and last > first else float("nan")
    return first - start, rate, count


def raw_stream(server, messages, max_tokens: int):
    """Pieces from llama.cpp's own streaming API, with no LangChain or Companion code between."""
    import queue
    import threading

    pieces: queue.Queue = queue.Queue()
    body = {
        "messages": [{"role": ROLES[m.type], "content": m.text} for m in messages],
        "max_tokens": max_tokens,
        "temperature": 0.0,
        "repeat_penalty": 1.1,
        "stream": True,
    }

    def on_chunk(chunk):
        for choice in chunk.get("choices", []):
            text = (choice.get("delta") or {}).get("content")
            if text:
                pieces.put(text)
        return False

    def work():
        server.handle_chat_completions(body, on_chunk)
        pieces.put(None)

    threading.Thread(target=work, daemon=True).start()
    while (piece := pieces.get()) is not None:
        yield piece


def streaming(companion: Companion, prompts: int, max_tokens: int) -> dict:
    llm = companion.llm
    assert isinstance(llm, LlamaCppChat), "the raw comparison needs the in-process model"
    server = llm.server
    rows = []

    def flush(language: str) -> None:
        """Leave the slot holding the fixed prefix plus some other turn, as a new message finds it."""
        list(raw_stream(server, companion.answer(FLUSH, language=language).messages, 1))

    for question in QUESTIONS[:prompts]:
        prepared = companion.answer(question)  # builds the prompt only; nothing is generated
        messages, language = prepared.messages, prepared.language
        for path in ("raw", "companion"):
            flush(language)
            if path == "raw":
                ttft, rate, n = timed(raw_stream(server, messages, max_tokens))
            else:
                ttft, rate, n = timed(companion.answer(question).tokens())
            rows.append({"question": question, "path": path, "ttft_s": ttft, "tok_s": rate, "tokens": n})
    summary = {}
    for path in ("raw", "companion"):
        mine = [r for r in rows if r["path"] == path]
        summary[path] = {
            "ttft_p50_s": statistics.median(r["ttft_s"] for r in mine),
            "tok_s_median": statistics.median(r["tok_s"] for r in mine),
        }
    summary["ratio_tok_s"] = summary["companion"]["tok_s_median"] / summary["raw"]["tok_s_median"]
    summary["ratio_ttft"] = summary["raw"]["ttft_p50_s"] / summary["companion"]["ttft_p50_s"]
    return {"rows": rows, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompts", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    settings = load_settings(temperature=0.0, max_tokens=args.max_tokens)
    knowledge = Knowledge(settings)
    knowledge.ingest(show_progress=True)
    print(f"model: {settings.model_path or settings.chat_model}, threads: {settings.n_threads}")

    retrieval = retrieval_latency(knowledge)
    print(f"retrieval ({retrieval['n']} queries): p50 {retrieval['p50_ms']:.1f} ms, p95 {retrieval['p95_ms']:.1f} ms")

    companion = Companion(settings, knowledge, chat_model(settings))
    stream = streaming(companion, args.prompts, args.max_tokens)
    s = stream["summary"]
    for path in ("raw", "companion"):
        print(
            f"{path:>9}: first token p50 {s[path]['ttft_p50_s']:.2f} s, "
            f"{s[path]['tok_s_median']:.1f} tokens/s (median of {args.prompts})"
        )
    print(f"companion / raw: tokens/s ratio {s['ratio_tok_s']:.3f}, first-token ratio {s['ratio_ttft']:.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of this chat process: {peak:,.0f} MiB")
    if args.out:
        result = {"retrieval": retrieval, "streaming": stream, "peak_rss_mib": peak}
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
