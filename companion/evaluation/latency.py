"""Speed on this machine, measured the way the benchmarks and `companion eval latency` share:
risk scoring, retrieval, time to hand a high-risk message off, and the chat model's speed."""

from __future__ import annotations

import random
import resource
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.evaluation.metrics import latency, percentile
from companion.evaluation.report import fmt, paragraph, pyplot, save_figure, table, write_outputs
from companion.evaluation.sets import read_jsonl

if TYPE_CHECKING:
    from companion.knowledge import Knowledge
    from companion.risk import RiskScorer
    from companion.service import Companion

# Ordinary questions for the chat model's speed, both languages.
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


def rss_mib() -> float:
    """Resident memory of this process now (peak where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mib()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_each(call: Callable[[Any], object], items: Iterable[Any]) -> list[float]:
    """Milliseconds each call took."""
    times = []
    for item in items:
        start = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def timed(stream: Iterable[str]) -> tuple[float, float, int]:
    """(time to first piece s, pieces/s after the first, pieces) of an iterator of text pieces."""
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


def chat_messages(seed: int = 7, long: bool = False, lang: str | None = None) -> list[str]:
    """Chat-style messages to time scoring on: the written risk examples and the over-trigger
    set; chat-length ones (model.SHORT_CHARS or fewer characters), or with `long` the longer
    ones, which cost more to read and are timed apart; optionally of one language."""
    from companion.risk.model import long_post
    from companion.risk.training import WRITTEN
    from companion.settings import PROJECT_ROOT

    rows = [r for p in sorted(WRITTEN.glob("*.jsonl")) for r in read_jsonl(p)]
    overtrigger = PROJECT_ROOT / "eval" / "overtrigger.jsonl"
    if overtrigger.exists():
        rows += read_jsonl(overtrigger)
    texts = [
        r["text"] for r in rows if long_post(len(r["text"].strip())) == long and (lang is None or r.get("lang") == lang)
    ]
    random.Random(seed).shuffle(texts)
    return texts


def high_risk_messages(n: int, seed: int = 7) -> list[str]:
    """Written examples labelled high or imminent, both languages; not follow-ups, whose label
    holds only with the turns before them. Each text once: two helpers may write the same
    short message ("i want to die")."""
    from companion.risk.training import WRITTEN

    texts = list(
        dict.fromkeys(
            r["text"]
            for p in sorted(WRITTEN.glob("*.jsonl"))
            for r in read_jsonl(p)
            if r.get("risk") in ("high", "imminent") and not r.get("context")
        )
    )
    random.Random(seed).shuffle(texts)
    return texts[:n]


def risk_latency(scorer: RiskScorer, messages: Sequence[str]) -> dict[str, list[float]]:
    """Per-message scoring time, alone and with two earlier turns, as the triage path reads it.

    No message is timed with its own vector cached. With context, the earlier turns are
    scored first, as they are when they arrive in one app process; the last group is the
    case where none of them is cached (a restart, or turns that reached another process)."""
    encoder = scorer.model.backbone

    def time_turn(text: str, context: Sequence[str], score_earlier: bool) -> float:
        encoder.clear_cache()
        if score_earlier:
            for i, turn in enumerate(context):
                scorer.assess(turn, context[:i])
        start = time.perf_counter()
        scorer.assess(text, context)
        return (time.perf_counter() - start) * 1000

    scorer.warm()
    n = len(messages)
    return {
        "risk score, message alone": [time_turn(m, (), False) for m in messages],
        "risk score, message + 2 turns": [time_turn(messages[i], messages[i + 1 : i + 3], True) for i in range(n)],
        "message + 2 turns, none cached": [time_turn(messages[i], messages[i + 1 : i + 3], False) for i in range(n)],
    }


def retrieval_latency(knowledge: Knowledge, questions: Sequence[Any]) -> list[float]:
    """Time of `Knowledge.relevant` (embedding and vector query) per question."""
    knowledge.relevant("warm-up", "en")
    return time_each(lambda q: knowledge.relevant(q.question, q.lang), questions)


def handoff_latency(companion: Companion, messages: Sequence[str]) -> list[float]:
    """From `handle_message` on a high-risk first message until it returns with the handoff
    committed (the backend commits before returning), each in a new conversation. Messages the
    triage path did not hand off are not counted; the entry is read back to make sure."""
    from companion.evaluation.scenarios import handoff_recorded
    from companion.service import Conversation

    times = []
    for text in messages:
        conversation = Conversation()
        start = time.perf_counter()
        turn = companion.handle_message(conversation, text)
        took = (time.perf_counter() - start) * 1000
        if turn.decision.handoff and handoff_recorded(companion.handoff, conversation.id):
            times.append(took)
    return times


def chat_speed(companion: Companion, questions: Sequence[str] = QUESTIONS) -> dict[str, list[float]]:
    """First-text time (ms) and pieces/s of Companion's streaming answer path per question."""
    list(companion.answer("hello, just saying hi").tokens())  # loads the model, caches the prefix
    firsts, rates = [], []
    for question in questions:
        first, rate, _ = timed(companion.answer(question).tokens())
        firsts.append(first * 1000)
        rates.append(rate)
    return {"first token (ms)": firsts, "tokens/s": rates}


def run_latency(companion: Companion, n: int = 200, llm: bool = False, questions: Sequence[Any] = ()) -> dict:
    """Every figure in one table: name -> {n, p50, p95, mean, unit}."""
    from tqdm import tqdm

    steps = ["risk", "retrieval", "handoff"] + (["chat model"] if llm else [])
    figures: dict[str, dict] = {}
    with tqdm(steps, desc="Latency", unit="step") as bar:
        for step in bar:
            bar.set_postfix_str(step)
            if step == "risk":
                for name, ms in risk_latency(companion.scorer, chat_messages()[:n]).items():
                    figures[name] = latency(ms) | {"unit": "ms"}
            elif step == "retrieval" and questions:
                figures["retrieval (embed + query)"] = latency(retrieval_latency(companion.knowledge, questions)) | {
                    "unit": "ms"
                }
            elif step == "handoff":
                backend = type(companion.handoff).__name__
                ms = handoff_latency(companion, high_risk_messages(max(5, n // 4)))
                figures[f"high-risk message to handoff recorded ({backend})"] = latency(ms) | {"unit": "ms"}
            elif step == "chat model":
                speed = chat_speed(companion)
                figures["chat model first token"] = latency(speed["first token (ms)"]) | {"unit": "ms"}
                rates = speed["tokens/s"]
                figures["chat model tokens/s"] = {
                    "n": len(rates),
                    "p50": percentile(rates, 0.5),
                    "p95": percentile(rates, 0.95),
                    "mean": sum(rates) / len(rates),
                    "unit": "tokens/s",
                }
    return {"figures": figures, "peak_rss_mib": peak_rss_mib()}


def latency_lines(result: dict) -> list[str]:
    width = max(len(k) for k in result["figures"])
    lines = [f"{'':<{width}}  {'n':>5}  {'p50':>9}  {'p95':>9}"]
    for name, f in result["figures"].items():
        lines.append(f"{name:<{width}}  {f['n']:>5}  {fmt(f['p50'], 1):>9}  {fmt(f['p95'], 1):>9}  {f['unit']}")
    lines.append(f"peak memory of this process {result['peak_rss_mib']:,.0f} MiB")
    return lines


def latency_gates(
    result: dict, max_risk_p95_ms: float | None = None, max_handoff_p95_ms: float | None = None
) -> list[str]:
    failures = []
    for name, f in result["figures"].items():
        if max_risk_p95_ms is not None and name.startswith("risk score") and f["p95"] > max_risk_p95_ms:
            failures.append(f"{name} p95 {f['p95']:.1f} ms > --max-risk-p95-ms {max_risk_p95_ms}")
        if max_handoff_p95_ms is not None and name.startswith("high-risk") and f["p95"] > max_handoff_p95_ms:
            failures.append(f"{name} p95 {f['p95']:.1f} ms > --max-handoff-p95-ms {max_handoff_p95_ms}")
    return failures


def plot_latency(result: dict, path: Path) -> Path:
    plt = pyplot()
    figures = {k: f for k, f in result["figures"].items() if f["unit"] == "ms"}
    fig, ax = plt.subplots(figsize=(10, 0.8 + 0.55 * len(figures)))
    names = list(figures)
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], [figures[n]["p50"] for n in names], 0.4, label="p50")
    ax.barh([y - 0.2 for y in ys], [figures[n]["p95"] for n in names], 0.4, label="p95")
    for y, n in zip(ys, names, strict=True):
        ax.text(figures[n]["p95"], y - 0.2, f" {figures[n]['p95']:.0f}", va="center", fontsize=8)
        ax.text(figures[n]["p50"], y + 0.2, f" {figures[n]['p50']:.0f}", va="center", fontsize=8)
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds (log scale)")
    ax.legend(fontsize=8)
    ax.set_title("latency on this machine")
    return save_figure(fig, path)


def latency_report(result: dict, out: Path) -> Path:
    image = plot_latency(result, out / "latency.png")
    body = table(
        ["measure", "n", "p50", "p95", "mean", "unit"],
        [(k, f["n"], f["p50"], f["p95"], f["mean"], f["unit"]) for k, f in result["figures"].items()],
    ) + paragraph(f"peak memory of the process {result['peak_rss_mib']:,.0f} MiB; {result.get('note', '')}")
    return write_outputs(out, "Companion latency", result, [("Figures", body, [image])])
