"""Offline evaluation: read test sets, run them through the real path, compute metrics and
write a JSON result with a self-contained HTML report. Never changes the index or a model.

One module per test set (`risk`, `scenarios`, `retrieval`, `replies`, `latency`); `metrics`
holds the numbers (its `latency()` summary is not re-exported here: the name is the
`latency` sub-module), `report` the HTML and `sets` the file reading they share.
"""

from companion.evaluation.metrics import (
    handoff_outcome,
    hit_and_rank,
    needs_human,
    pass_rate,
    percentile,
    ranking_metrics,
    risk_metrics,
    threshold_curve,
)
from companion.evaluation.report import html_report
from companion.evaluation.retrieval import (
    RetrievalQuestion,
    RetrievalResult,
    evaluate_retrieval,
    read_retrieval_questions,
)
from companion.evaluation.risk import RiskRow, evaluate_risk, held_out, plot_risk, read_risk_rows
from companion.evaluation.sets import EvalSetError, read_jsonl, read_lines

__all__ = [
    "EvalSetError",
    "RetrievalQuestion",
    "RetrievalResult",
    "RiskRow",
    "evaluate_retrieval",
    "evaluate_risk",
    "handoff_outcome",
    "held_out",
    "hit_and_rank",
    "html_report",
    "needs_human",
    "pass_rate",
    "percentile",
    "plot_risk",
    "ranking_metrics",
    "read_jsonl",
    "read_lines",
    "read_retrieval_questions",
    "read_risk_rows",
    "risk_metrics",
    "threshold_curve",
]
