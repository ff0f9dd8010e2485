"""Offline evaluation: read test sets, compute metrics. Never changes the index or a model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from companion.errors import CompanionError
from companion.risk.levels import NAMES, Level

if TYPE_CHECKING:
    from companion.knowledge import Knowledge
    from companion.risk import RiskScorer


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


# --- risk ---------------------------------------------------------------------------------


def needs_human(y: np.ndarray) -> np.ndarray:
    return y >= Level.HIGH


def risk_metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    """Recall of high+imminent ("needs a human"), false alarms on none+low, macro-F1 over the
    levels present, and the confusion matrix (rows true, columns predicted)."""
    from sklearn.metrics import confusion_matrix, f1_score

    human, flagged = needs_human(y), needs_human(pred)
    safe = y <= Level.LOW
    present = sorted(set(y.tolist()))

    def rate(mask: np.ndarray, of: np.ndarray) -> float | None:
        return float(mask[of].mean()) if of.any() else None

    return {
        "n": int(len(y)),
        "recall_needs_human": rate(flagged, human),
        "recall_asked_or_queued": rate(pred >= Level.MODERATE, human),
        "false_alarm_none_low": rate(flagged, safe),
        "false_alarm_none": rate(flagged, y == Level.NONE),
        "asked_none_low": rate(pred >= Level.MODERATE, safe),
        "macro_f1": float(f1_score(y, pred, labels=present, average="macro", zero_division=0)),
        "labels": [NAMES[i] for i in present],
        "confusion": confusion_matrix(y, pred, labels=list(range(len(Level)))).tolist(),
    }


def plot_risk(
    groups: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    path: Path,
    title: str,
    thresholds: tuple[float, ...] = (),
) -> None:
    """One confusion matrix per group, then recall / false alarms over the threshold on
    P(high)+P(imminent). groups: name -> (true levels, predicted levels, P(needs human))."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(5.2 * (len(groups) + 1), 4.6))
    axes = np.atleast_1d(axes)
    grid = np.linspace(0.01, 0.99, 99)
    curve = axes[-1]
    for ax, (name, (y, pred, p_human)) in zip(axes, groups.items(), strict=False):
        cm = risk_metrics(y, pred)["confusion"]
        ax.imshow(np.log1p(cm), cmap="Blues")
        for i in range(len(Level)):
            for j in range(len(Level)):
                ax.text(j, i, cm[i][j], ha="center", va="center", fontsize=9)
        ax.set_xticks(range(len(Level)), NAMES, rotation=30)
        ax.set_yticks(range(len(Level)), NAMES)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{name} (n={len(y)})", fontsize=10)
        human, safe = needs_human(y), y <= Level.LOW
        if human.any():
            curve.plot(grid, [(p_human[human] >= t).mean() for t in grid], label=f"{name}: recall")
        if safe.any():
            curve.plot(grid, [(p_human[safe] >= t).mean() for t in grid], "--", label=f"{name}: false alarms")
    for t in thresholds:
        curve.axvline(t, color="grey", lw=1)
    curve.axhline(0.95, color="green", lw=0.6)
    curve.axhline(0.10, color="red", lw=0.6)
    curve.set_xlabel("threshold on P(high)+P(imminent)")
    curve.set_title(title, fontsize=10)
    curve.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


@dataclass(frozen=True)
class RiskRow:
    id: str
    text: str
    lang: str
    risk: Level


def read_risk_rows(path: Path) -> list[RiskRow]:
    """{"id","text","lang","risk"} rows; a row may carry "safe": true|false instead (none/high)."""
    rows = []
    for number, row in enumerate(read_jsonl(path), start=1):
        try:
            if "risk" in row:
                level = Level.parse(str(row["risk"]))
            elif isinstance(row.get("safe"), bool):
                level = Level.NONE if row["safe"] else Level.HIGH
            else:
                raise ValueError('needs "risk" or "safe"')
            text = row["text"]
            if not isinstance(text, str) or not text.strip():
                raise ValueError("empty text")
            rows.append(RiskRow(str(row.get("id", number)), text, str(row.get("lang", "")) or "?", level))
        except (KeyError, ValueError) as exc:
            raise EvalSetError(f"{path}: row {number}: {exc}", 'each row needs "text" and "risk" (or "safe")') from None
    return rows


def held_out(rows: list[RiskRow]) -> list[RiskRow]:
    """Only the rows the risk model's seeded split kept out of training (its test part)."""
    from companion.risk.training import Example

    return [r for r in rows if Example(r.id, r.text, r.lang, r.risk, "").split == "test"]


def evaluate_risk(scorer: RiskScorer, files: list[Path], test_split_only: bool = False, progress: bool = True) -> dict:
    """Score every message alone with the full scorer (model + patterns); metrics per file and
    language, latency, and the data for plots."""
    import time

    from tqdm import tqdm

    result: dict = {"files": {}}
    for path in files:
        rows = read_risk_rows(path)
        if test_split_only:
            rows = held_out(rows)
        levels, p_human, millis = [], [], []
        for row in tqdm(rows, desc=f"Scoring {path.name}", unit="msg", disable=not progress):
            start = time.perf_counter()
            a = scorer.assess(row.text)
            millis.append((time.perf_counter() - start) * 1000)
            levels.append(a.level)
            p_human.append(a.needs_human)
        y = np.array([r.risk for r in rows])
        pred, ph = np.array(levels), np.array(p_human)
        langs = np.array([r.lang for r in rows])
        per_lang = {lang: risk_metrics(y[langs == lang], pred[langs == lang]) for lang in sorted(set(langs))}
        result["files"][path.name] = {
            "rows": len(rows),
            "per_language": per_lang,
            "latency_ms": {"p50": float(np.percentile(millis, 50)), "p95": float(np.percentile(millis, 95))},
            "_arrays": {
                lang: (y[langs == lang], pred[langs == lang], ph[langs == lang]) for lang in sorted(set(langs))
            },
        }
    return result


def html_report(title: str, sections: list[tuple[str, str, list[Path]]]) -> str:
    """A self-contained HTML page: each section has a heading, an HTML body and PNG plots."""
    import base64
    import html

    parts = [
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1400px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}img{max-width:100%}</style>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, body, images in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
        for image in images:
            data = base64.b64encode(image.read_bytes()).decode()
            parts.append(f"<img alt='{html.escape(image.stem)}' src='data:image/png;base64,{data}'>")
    return "\n".join(parts)
