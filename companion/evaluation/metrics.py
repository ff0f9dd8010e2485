"""The numbers every evaluation reports, as small pure functions checked by hand in the tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from companion.risk.levels import NAMES, Level


def percentile(values: Sequence[float], q: float) -> float:
    """The q quantile (0.5 is the median, 0.95 the p95), linear between ranks; NaN when empty."""
    if not 0 <= q <= 1:
        raise ValueError(f"q={q} is a fraction between 0 and 1")
    return float(np.quantile(values, q)) if len(values) else float("nan")


def latency(millis: Sequence[float]) -> dict[str, float]:
    """n, p50, p95 and mean of a list of times in milliseconds."""
    return {
        "n": len(millis),
        "p50": percentile(millis, 0.5),
        "p95": percentile(millis, 0.95),
        "mean": float(np.mean(millis)) if len(millis) else float("nan"),
    }


# --- risk levels --------------------------------------------------------------------------


def needs_human(y: np.ndarray) -> np.ndarray:
    return y >= Level.HIGH


def risk_metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    """Recall of high+imminent ("needs a human"), false alarms on none+low, macro-F1 over the
    levels present, and the confusion matrix (rows true, columns predicted)."""
    from sklearn.metrics import confusion_matrix, f1_score

    y, pred = np.asarray(y), np.asarray(pred)
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


def threshold_curve(y: np.ndarray, p_human: np.ndarray, thresholds: Sequence[float]) -> dict:
    """Recall of high+imminent and false alarms on none+low if P(high)+P(imminent) >= t
    escalated (the model alone, before patterns)."""
    y, p_human = np.asarray(y), np.asarray(p_human)
    human, safe = needs_human(y), y <= Level.LOW
    return {
        "threshold": [float(t) for t in thresholds],
        "recall": [float((p_human[human] >= t).mean()) if human.any() else None for t in thresholds],
        "false_alarm": [float((p_human[safe] >= t).mean()) if safe.any() else None for t in thresholds],
    }


# --- retrieval ----------------------------------------------------------------------------


def hit_and_rank(ranked: Sequence[str], relevant: Sequence[str], k: int) -> tuple[bool, float]:
    """Whether a relevant id is in the top k, and its reciprocal rank (0 when absent)."""
    for rank, doc_id in enumerate(ranked, start=1):
        if doc_id in relevant:
            return rank <= k, 1.0 / rank
    return False, 0.0


def ranking_metrics(
    ranked: Sequence[Sequence[str]], relevant: Sequence[Sequence[str]], ks: Sequence[int] = (1, 3, 5)
) -> dict[str, float]:
    """hit@k for each k and mean reciprocal rank over a list of queries."""
    n = len(ranked)
    out: dict[str, float] = {"n": n}
    for k in ks:
        out[f"hit@{k}"] = sum(hit_and_rank(r, rel, k)[0] for r, rel in zip(ranked, relevant, strict=True)) / n
    out["mrr"] = sum(hit_and_rank(r, rel, 1)[1] for r, rel in zip(ranked, relevant, strict=True)) / n
    return out


# --- scenarios ----------------------------------------------------------------------------


def handoff_outcome(expect_handoff: bool, earliest: int | None, latest: int | None, handoff_turn: int | None) -> str:
    """How a scenario's first handoff compares with its expectation (turns counted from 1).

    "pass", "missed" (none, or after the last turn), "early", "late", "false_handoff".
    An open bound (None) accepts any turn on that side.
    """
    if not expect_handoff:
        return "pass" if handoff_turn is None else "false_handoff"
    if handoff_turn is None:
        return "missed"
    if earliest is not None and handoff_turn < earliest:
        return "early"
    if latest is not None and handoff_turn > latest:
        return "late"
    return "pass"


def pass_rate(outcomes: Sequence[str]) -> float | None:
    return sum(o == "pass" for o in outcomes) / len(outcomes) if outcomes else None
