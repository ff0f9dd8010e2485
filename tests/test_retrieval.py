"""Retrieval quality on the project's own question set (eval/retrieval.jsonl)."""

from __future__ import annotations

from companion.evaluation import evaluate_retrieval, hit_and_rank, read_retrieval_questions
from tests.conftest import EVAL


def test_hit_and_rank_on_hand_computed_cases():
    assert hit_and_rank(["a", "b", "c"], ["b"], k=3) == (True, 0.5)
    assert hit_and_rank(["a", "b", "c", "d"], ["d"], k=3) == (False, 0.25)
    assert hit_and_rank(["a"], ["z"], k=3) == (False, 0.0)


def test_question_set_covers_both_languages_and_every_topic(full_knowledge):
    questions = read_retrieval_questions(EVAL / "retrieval.jsonl")
    assert sum(q.lang == "en" for q in questions) >= 30
    assert sum(q.lang == "zh" for q in questions) >= 30
    topics = {p.doc_id for lang in ("en", "zh") for p in full_knowledge.search("help", lang, k=100)}
    assert {d for q in questions for d in q.relevant} <= topics


def test_hit_at_3_is_at_least_0_90_in_each_language(full_knowledge):
    result = evaluate_retrieval(full_knowledge, read_retrieval_questions(EVAL / "retrieval.jsonl"), k=3)
    for lang in ("en", "zh"):
        assert result.per_language[lang]["hit@3"] >= 0.90, (lang, result.misses)
