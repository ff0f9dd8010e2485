"""Retrieval evaluation: questions mapped to the documents that answer them; hit@k, MRR and
latency per language, searched in the question's own language."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from companion.evaluation.metrics import hit_and_rank, latency, ranking_metrics
from companion.evaluation.report import paragraph, pyplot, save_figure, table, write_outputs
from companion.evaluation.sets import rows, unique_ids

if TYPE_CHECKING:
    from companion.knowledge import Knowledge

KS = (1, 3, 5)
EXPECTED = 'each line needs "id", "lang" (en|zh), "question" and "relevant" (a list of document ids)'


@dataclass(frozen=True)
class RetrievalQuestion:
    id: str
    lang: str
    question: str
    relevant: tuple[str, ...]


def read_retrieval_questions(path: Path) -> list[RetrievalQuestion]:
    questions = []
    for row in rows(path, EXPECTED):
        relevant = row.get("relevant", list, check=lambda v: None if v else "empty list")
        if not all(isinstance(d, str) and d for d in relevant):
            raise row.error('"relevant" must list document ids (text)')
        questions.append(
            RetrievalQuestion(str(row.get("id", (str, int))), row.lang(), row.get("question"), tuple(relevant))
        )
    unique_ids(questions, path)
    return questions


@dataclass
class RetrievalResult:
    k: int
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)  # not in the top k
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    ranks: list[dict] = field(default_factory=list)  # every question: rank of the first relevant document

    def as_dict(self) -> dict:
        return {"k": self.k, "per_language": self.per_language, "misses": self.misses, "questions": self.ranks}


def evaluate_retrieval(
    knowledge: Knowledge,
    questions: Sequence[RetrievalQuestion],
    k: int = 3,
    depth: int = 10,
    progress: bool = False,
) -> RetrievalResult:
    """hit@1/3/5 (and hit@k), MRR over the top `depth` documents, and latency, per language."""
    from tqdm import tqdm

    result = RetrievalResult(k=k)
    by_lang: dict[str, tuple[list, list, list]] = {}
    knowledge.search("warm-up", "en", k=1)  # the first query loads the embedding model
    for q in tqdm(questions, desc="Retrieving", unit="q", disable=not progress):
        start = time.perf_counter()
        ranked = [p.doc_id for p in knowledge.search(q.question, q.lang, k=depth)]
        millis = (time.perf_counter() - start) * 1000
        got, relevant, times = by_lang.setdefault(q.lang, ([], [], []))
        got.append(ranked)
        relevant.append(q.relevant)
        times.append(millis)
        hit, rr = hit_and_rank(ranked, q.relevant, k)
        rank = round(1 / rr) if rr else None
        result.ranks.append({"id": q.id, "lang": q.lang, "rank": rank, "ms": round(millis, 2)})
        if not hit:
            result.misses.append({"id": q.id, "lang": q.lang, "question": q.question, "got": ranked[:k]})
    for lang, (got, relevant, times) in sorted(by_lang.items()):
        ks = tuple(sorted(set(KS) | {k}))
        result.per_language[lang] = ranking_metrics(got, relevant, ks) | {"latency_ms": latency(times)}
        result.latency_ms[lang] = latency(times)
    return result


def plot_retrieval(result: RetrievalResult, path: Path) -> Path:
    """hit@1/3/5 and MRR per language, and the distribution of query latency."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    names = [f"hit@{k}" for k in KS] + ["mrr"]
    width = 0.8 / max(1, len(result.per_language))
    for i, (lang, m) in enumerate(result.per_language.items()):
        xs = [j + i * width for j in range(len(names))]
        bars = left.bar(xs, [m[n] for n in names], width, label=f"{lang} (n={m['n']})")
        left.bar_label(bars, fmt="%.2f", fontsize=8)
    left.set_xticks([j + width * (len(result.per_language) - 1) / 2 for j in range(len(names))], names)
    left.set_ylim(0, 1.08)
    left.axhline(0.9, color="grey", lw=0.6)
    left.set_title("retrieval quality per language")
    left.legend(fontsize=8, loc="lower right")
    for lang in result.per_language:
        right.hist([r["ms"] for r in result.ranks if r["lang"] == lang], bins=30, alpha=0.6, label=lang)
    right.set_xlabel("query latency (ms)")
    right.set_ylabel("questions")
    right.set_title("latency")
    right.legend(fontsize=8)
    return save_figure(fig, path)


def retrieval_lines(result: RetrievalResult) -> list[str]:
    lines = []
    for lang, m in result.per_language.items():
        lat = m["latency_ms"]
        hits = ", ".join(f"hit@{k} {m[f'hit@{k}']:.3f}" for k in KS)
        lines.append(
            f"[{lang}] n={m['n']}: {hits}, MRR {m['mrr']:.3f}; latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms"
        )
    return lines


def retrieval_gates(
    result: RetrievalResult, min_hit_at_3: float | None = None, min_mrr: float | None = None
) -> list[str]:
    failures = []
    for lang, m in result.per_language.items():
        if min_hit_at_3 is not None and m["hit@3"] < min_hit_at_3:
            failures.append(f"[{lang}] hit@3 {m['hit@3']:.3f} < --min-hit-at-3 {min_hit_at_3}")
        if min_mrr is not None and m["mrr"] < min_mrr:
            failures.append(f"[{lang}] MRR {m['mrr']:.3f} < --min-mrr {min_mrr}")
    return failures


def retrieval_report(result: RetrievalResult, out: Path, source: str) -> Path:
    image = plot_retrieval(result, out / "retrieval.png")
    summary = table(
        ["lang", "n", *[f"hit@{k}" for k in KS], "MRR", "p50 ms", "p95 ms"],
        [
            (lang, m["n"], *[m[f"hit@{k}"] for k in KS], m["mrr"], m["latency_ms"]["p50"], m["latency_ms"]["p95"])
            for lang, m in result.per_language.items()
        ],
    )
    misses = table(
        ["id", "lang", "question", f"top {result.k}"],
        [(m["id"], m["lang"], m["question"], ", ".join(m["got"])) for m in result.misses],
        text_columns=(2, 3),
    )
    sections = [
        (source, summary, [image]),
        (f"Not found in the top {result.k} ({len(result.misses)})", misses if result.misses else paragraph("none"), []),
    ]
    return write_outputs(out, "Companion retrieval evaluation", result.as_dict(), sections)
