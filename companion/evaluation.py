"""Offline evaluation: read test sets, compute metrics. Never changes the index or a model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from companion.errors import CompanionError
from companion.knowledge import Knowledge


class EvalSetError(CompanionError):
    """A test-set file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class RetrievalQuestion:
    id: str
    lang: str
    question: str
    relevant: tuple[str, ...]


def read_jsonl(path: Path) -> list[dict]:
    rows: list[dict] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read {path}: {exc}", "give a UTF-8 JSON Lines file") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}:{number}: not JSON ({exc.msg})", "one object per line") from None
        if not isinstance(row, dict):
            raise EvalSetError(f"{path}:{number}: expected a JSON object", "one object per line")
        rows.append(row)
    return rows


def read_retrieval_questions(path: Path) -> list[RetrievalQuestion]:
    questions = []
    for number, row in enumerate(read_jsonl(path), start=1):
        try:
            relevant = tuple(row["relevant"])
            q = RetrievalQuestion(str(row["id"]), row["lang"], str(row["question"]), relevant)
        except (KeyError, TypeError) as exc:
            raise EvalSetError(
                f"{path}: row {number} lacks {exc}",
                'each row needs "id", "lang", "question", "relevant"',
            ) from None
        if q.lang not in ("en", "zh") or not relevant:
            raise EvalSetError(f"{path}: row {number} ({q.id}): bad lang or empty relevant", "fix the row")
        questions.append(q)
    return questions


@dataclass
class RetrievalResult:
    k: int
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)


def hit_and_rank(ranked: Sequence[str], relevant: Sequence[str], k: int) -> tuple[bool, float]:
    """Whether a relevant id is in the top k, and its reciprocal rank (0 when absent)."""
    for rank, doc_id in enumerate(ranked, start=1):
        if doc_id in relevant:
            return rank <= k, 1.0 / rank
    return False, 0.0


def evaluate_retrieval(
    knowledge: Knowledge, questions: Sequence[RetrievalQuestion], k: int = 3, depth: int = 10
) -> RetrievalResult:
    """hit@k and MRR (over the top `depth` documents) per language."""
    result = RetrievalResult(k=k)
    sums: dict[str, list[float]] = {}
    for q in questions:
        ranked = [p.doc_id for p in knowledge.search(q.question, q.lang, k=depth)]
        hit, rr = hit_and_rank(ranked, q.relevant, k)
        total = sums.setdefault(q.lang, [0, 0.0, 0.0])
        total[0] += 1
        total[1] += hit
        total[2] += rr
        if not hit:
            result.misses.append({"id": q.id, "question": q.question, "got": ranked[:k]})
    for lang, (n, hits, rrs) in sorted(sums.items()):
        result.per_language[lang] = {"n": n, f"hit@{k}": hits / n, "mrr": rrs / n}
    return result
