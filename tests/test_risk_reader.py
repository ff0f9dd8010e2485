"""The English post reader: fine-tuning, storage, checksum, and which readings it serves."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from companion.risk import RiskScorer, reader
from companion.risk.levels import Level
from companion.risk.model import SHORT_CHARS, RiskModelError, load_model
from companion.risk.training import Example, train_post_reader

PLAN = (
    "I have thought about this for weeks and I have made up my mind. I bought the pills and wrote "
    "letters to my mum and my sister. Tonight when everyone is asleep I am going to end my life. "
)
STRESS = (
    "School has been really stressful this term and I have been feeling down about my grades and "
    "about my friends drifting away, but I am trying to get through it one day at a time. "
)


def tiny_examples() -> list[Example]:
    examples = [Example(f"h{i}", f"{PLAN * 2}({i})", "en", Level.HIGH, "test") for i in range(8)]
    return examples + [Example(f"l{i}", f"{STRESS * 2}({i})", "en", Level.LOW, "test") for i in range(8)]


@pytest.fixture(scope="module")
def tiny_reader() -> reader.PostReader:
    """A post reader fine-tuned on a few long posts (about 7 s)."""
    return train_post_reader(tiny_examples(), tiny_examples(), epochs=6, progress=False)


def test_fine_tuning_is_reproducible_and_survives_storage(tiny_reader, tmp_path):
    again = train_post_reader(tiny_examples(), tiny_examples(), epochs=6, progress=False)
    assert set(again.deltas) == set(tiny_reader.deltas) and len(again.deltas) == 6 * len(reader.TARGETS)
    for name, (a, b) in tiny_reader.deltas.items():
        assert np.array_equal(a, again.deltas[name][0]) and np.array_equal(b, again.deltas[name][1])
    assert any(np.abs(b).max() > 0 for _, b in tiny_reader.deltas.values())  # LoRA B starts at zero: it learned
    path = tmp_path / "reader.npz"
    tiny_reader.save(path)
    texts = [PLAN * 2, STRESS * 2]
    assert np.allclose(reader.load_reader(path).proba(texts), tiny_reader.proba(texts), atol=1e-6)
    p = tiny_reader.proba(texts)
    assert p[0, Level.HIGH] > 0.5 > p[1, Level.HIGH] and p[1, Level.LOW] > 0.5  # what it was taught


def test_the_model_sends_only_long_english_messages_read_alone_to_the_post_reader(tiny_reader):
    base = replace(load_model(), post_reader=None)
    model = replace(base, post_reader=tiny_reader)
    long_en, short_en = PLAN * 2, "i want to end my life tonight"
    long_zh = "我想了好几个星期，已经下定决心了。药已经买好了，给妈妈和妹妹的信也写好了。" * 5
    readings = [(long_en, ()), (short_en, ()), (long_zh, ()), (long_en, ("hi", "are you there"))]
    languages = ["en", "en", "zh", "en"]
    assert len(long_en) > SHORT_CHARS and len(long_zh) > SHORT_CHARS >= len(short_en)
    got, without = model.read(readings, languages), base.read(readings, languages)
    post = tiny_reader.proba([long_en])[0]
    # averaged with the other readers by its weight (the shipped model's), or alone at weight 1
    w = model.post_weight
    assert 0.0 < w < 1.0
    assert np.allclose(got[0], w * post + (1 - w) * without[0], atol=1e-6)
    assert np.allclose(replace(model, post_weight=1.0).read(readings[:1], languages[:1])[0], post, atol=1e-6)
    assert not np.allclose(got[0], without[0], atol=1e-3)
    assert np.allclose(got[1:], without[1:], atol=1e-6)  # chat length, Chinese, with earlier turns
    assert np.allclose(model.read(readings[:1]), without[:1], atol=1e-6)  # no language given: no post reader


def test_a_damaged_post_reader_file_is_a_clear_error(tmp_path):
    path = tmp_path / "reader.npz"
    path.write_bytes(b"not a numpy archive")
    with pytest.raises(RiskModelError, match="cannot load the post reader"):
        reader.load_reader(path)


@pytest.mark.parametrize(
    ("post", "lowest", "highest"),
    [
        (
            PLAN + "I just wanted someone to know before I go. Please do not try to talk me out of it.",
            Level.HIGH,
            Level.IMMINENT,
        ),
        (
            STRESS + "My mum says it is normal in Year 11 and we are going to look at a revision timetable "
            "together this weekend, which helps a bit.",
            Level.NONE,
            Level.MODERATE,
        ),
        (
            "I finally finished building my first gaming PC this weekend. It took ages to route the cables and "
            "I killed two hours hunting for a missing screw, but it boots and runs everything on high settings. "
            "Any tips for keeping the temperatures down?",
            Level.NONE,
            Level.LOW,
        ),
    ],
)
def test_the_shipped_model_reads_long_english_posts(post, lowest, highest):
    scorer = RiskScorer(load_model())
    scorer.warm()  # the app warms its scorer on start: the first long post does not wait for a load
    assert scorer.model.post_reader.loaded
    assert scorer.model.post_reader is not None and len(post) > SHORT_CHARS
    a = scorer.assess(post)
    assert lowest <= a.level <= highest, (a.level, a.probabilities)


def test_long_posts_it_reads_get_the_post_readers_own_thresholds():
    model = load_model()
    assert "en:post" in model.by_language  # chosen on the validation posts it read
    assert model.thresholds("en", SHORT_CHARS + 1) == model.by_language["en:post"]
    assert model.thresholds("en", SHORT_CHARS) == model.by_language["en:short"]
    assert model.thresholds("en", None) == model.by_language["en"]  # read with earlier turns
    assert model.thresholds("zh", SHORT_CHARS + 1) == model.by_language["zh"]
    assert model.threshold == min(e for e, _ in model.by_language.values())


def test_a_retrain_reuses_the_fine_tuned_reader_only_for_the_same_examples(tiny_reader, tmp_path, monkeypatch):
    from companion.risk import training

    calls = []
    monkeypatch.setattr(training, "train_post_reader", lambda *a, **k: calls.append(1) or tiny_reader)
    examples = tiny_examples()
    training.cached_post_reader(tmp_path, examples, examples, progress=False)
    again = training.cached_post_reader(tmp_path, examples, examples, progress=False)
    assert len(calls) == 1 and np.array_equal(again.head_w, tiny_reader.head_w)
    relabelled = [replace(examples[0], risk=Level.NONE), *examples[1:]]
    training.cached_post_reader(tmp_path, relabelled, relabelled, progress=False)
    assert len(calls) == 2  # a changed label is a different reader


def test_the_end_of_a_long_message_is_read_too():
    """A message longer than one window is read at its start and at its end; the worse counts."""
    model = load_model()
    post = model.post_reader
    filler = (
        "Today I reorganised my desk, sorted my notes for chemistry and biology, tidied the bookshelf, "
        "watered the plants on the windowsill and planned the rest of the week with my sister. "
    ) * 8
    ending = "I am done. I have decided to kill myself this weekend and I have already given my things away."
    text = filler + ending
    assert post.tails([text]) and not post.tails([filler[:300]])
    p_full, p_start = post.proba([text])[0], post.proba([filler])[0]
    assert p_full[Level.HIGH :].sum() > p_start[Level.HIGH :].sum()
    assert p_full[Level.HIGH :].sum() >= model.thresholds("en", len(text))[0]


def test_the_post_readers_weight_is_saved_with_the_model(tmp_path, tiny_reader):
    path = tmp_path / "risk-model.npz"
    replace(load_model(), post_reader=tiny_reader, post_weight=0.3).save(path)
    assert load_model(path).post_weight == pytest.approx(0.3)
