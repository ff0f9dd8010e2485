"""Benchmark of the core path on this machine: retrieval latency, streaming speed, memory.

    .venv/bin/python benchmarks/core.py [--prompts 6] [--out results.json]

Retrieval: p50/p95 of `Knowledge.relevant` (embedding + Chroma query) over eval/retrieval.jsonl.
The measuring functions are shared with `companion eval latency` (companion/evaluation/latency.py).
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
import statistics
from pathlib import Path

from companion.evaluation import read_retrieval_questions
from companion.evaluation.latency import QUESTIONS, peak_rss_mib, retrieval_latency, timed
from companion.evaluation.metrics import latency
from companion.knowledge import Knowledge
from companion.llm import LlamaCppChat, chat_model
from companion.service import Companion
from companion.settings import PROJECT_ROOT, load_settings

FLUSH = "hello, just saying hi"
ROLES = {"system": "system", "human": "user", "ai": "assistant"}


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

    questions = read_retrieval_questions(PROJECT_ROOT / "eval" / "retrieval.jsonl")
    retrieval = latency(retrieval_latency(knowledge, questions))
    print(f"retrieval ({retrieval['n']} queries): p50 {retrieval['p50']:.1f} ms, p95 {retrieval['p95']:.1f} ms")

    companion = Companion(settings, knowledge, chat_model(settings))
    stream = streaming(companion, args.prompts, args.max_tokens)
    s = stream["summary"]
    for path in ("raw", "companion"):
        print(
            f"{path:>9}: first token p50 {s[path]['ttft_p50_s']:.2f} s, "
            f"{s[path]['tok_s_median']:.1f} tokens/s (median of {args.prompts})"
        )
    print(f"companion / raw: tokens/s ratio {s['ratio_tok_s']:.3f}, first-token ratio {s['ratio_ttft']:.3f}")
    peak = peak_rss_mib()
    print(f"peak memory (RSS) of this chat process: {peak:,.0f} MiB")
    if args.out:
        result = {"retrieval": retrieval, "streaming": stream, "peak_rss_mib": peak}
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
