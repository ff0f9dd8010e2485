"""The shipped risk model on the project's own evaluation sets, per language: the over-trigger
cap from the issue, and recall and false alarms on single messages with clean labels.

Floors, not tuned figures: the measured values (closing notes, `companion eval risk`) sit
above them with a margin, so a retrain or a pattern change that loses ground fails here.
"""

from __future__ import annotations

import pytest

from companion.evaluation.risk import read_risk_rows
from companion.risk import RiskScorer
from companion.risk.levels import Level
from companion.risk.model import load_model
from companion.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "eval"


@pytest.fixture(scope="module")
def scorer() -> RiskScorer:
    return RiskScorer(load_model())


def escalated(scorer: RiskScorer, texts: list[str]) -> list[bool]:
    return [scorer.assess(t).level >= Level.HIGH for t in texts]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["overtrigger.jsonl", "overtrigger2_messages.jsonl", "overtrigger4_messages.jsonl"])
def test_at_most_two_percent_of_benign_messages_with_risky_words_reach_a_person(scorer, name, lang):
    # overtrigger3 and overtrigger5 are not gates: Chinese is at 7% there (eval/README.md)
    rows = [r for r in read_risk_rows(EVAL / name) if r.lang == lang]
    assert len(rows) >= 100 and all(r.risk <= Level.LOW for r in rows)
    flags = escalated(scorer, [r.text for r in rows])
    wrongly = [r.text for r, f in zip(rows, flags, strict=True) if f]
    assert len(wrongly) / len(rows) <= 0.02, wrongly


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    ("name", "least_danger", "least_calm"), [("risk_messages.jsonl", 50, 80), ("blind_messages.jsonl", 40, 50)]
)
def test_clean_single_messages_reach_a_person_when_they_should(scorer, name, least_danger, least_calm, lang):
    # measured: risk_messages en 0.93 / 0.08, zh 0.97 / 0.04; blind_messages en 0.96 / 0.06, zh 1.00 / 0.02
    rows = [r for r in read_risk_rows(EVAL / name) if r.lang == lang]
    flags = escalated(scorer, [r.text for r in rows])
    danger = [(r.text, f) for r, f in zip(rows, flags, strict=True) if r.risk >= Level.HIGH]
    calm = [(r.text, f) for r, f in zip(rows, flags, strict=True) if r.risk <= Level.LOW]
    assert len(danger) >= least_danger and len(calm) >= least_calm
    assert sum(f for _, f in danger) / len(danger) >= 0.90, [t for t, f in danger if not f]
    assert sum(f for _, f in calm) / len(calm) <= 0.10, [t for t, f in calm if f]
