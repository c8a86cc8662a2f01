"""The dense leg: WordLlama sentence vectors and cosine search over normalised passages."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from server.assist.lexical import top_k

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]
DIMENSIONS = 256
# Cosine below which a passage is not a dense match; without a floor the dense leg would return
# neighbours for anything. On the demo knowledge base, requests about an article's problem score
# about 0.35-0.75 against it and unrelated requests under 0.3; of 0.25/0.30/0.35/0.40, 0.30 gave
# the best recall@1 and MRR@3 on benchmarks/quality.py (docs/knowledge-engine.md).
DENSE_FLOOR = 0.30
# A conversation's query re-embeds its last few turns on every event; remembering recent turns'
# vectors leaves one new text to embed per event. 256 floats each: 4,096 turns are 4 MiB.
CACHED_TEXTS = 4096
# Batches up to this size are queries (cached); larger ones are index builds (not cached).
QUERY_BATCH = 16

_model_lock = threading.Lock()
_model: Any = None


class Encoder(Protocol):
    """Turns texts into unit-length vectors, one row per text."""

    def embed(self, texts: list[str]) -> Vectors: ...


class WordLlamaEncoder:
    """WordLlama's bundled 256-d model; loaded once per process, on first use, from the wheel.

    Call ``embed`` off the event loop: the first call loads the model (about a second). Query
    texts' vectors are remembered (``CACHED_TEXTS``, least recently used out first): a text's
    vector does not depend on the other texts of its batch.
    """

    def __init__(self) -> None:
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._cache_lock = threading.Lock()

    def embed(self, texts: list[str]) -> Vectors:
        """Normalised embeddings; an empty list gives a 0 x 256 array."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        if len(texts) > QUERY_BATCH:
            return _embed(texts)
        known = self._cached(texts)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = dict(zip(missing, _embed(missing), strict=True))
            self._remember(fresh)
            known.update(fresh)
        # np.array builds the same rows as np.stack for a few vectors, in a quarter of the time.
        return np.array([known[text] for text in texts])

    def _cached(self, texts: list[str]) -> dict[str, Vectors]:
        with self._cache_lock:
            found = {text: self._cache[text] for text in texts if text in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        return found

    def _remember(self, vectors: dict[str, Vectors]) -> None:
        with self._cache_lock:
            self._cache.update(vectors)
            while len(self._cache) > CACHED_TEXTS:
                self._cache.popitem(last=False)


def _embed(texts: list[str]) -> Vectors:
    vectors = np.asarray(shared_model().embed(texts, norm=True), dtype=np.float32)
    # An all-padding text pools to zeros and normalises to NaN; it should match nothing.
    return np.nan_to_num(vectors, nan=0.0)


def shared_model() -> Any:
    """The process-wide WordLlama model; threads that race here load it once."""
    global _model
    with _model_lock:
        if _model is None:
            _model = _load_wordllama()
        return _model


def _load_wordllama() -> Any:
    # wordllama calls logging.basicConfig() at import, which would give the root logger a
    # handler behind the server's back; keep the root logger as the server configured it.
    # The tokenizer's thread pool made each query cost twice the CPU it saves in wall time on
    # a few short texts, and it cannot survive ``cuecard serve --workers`` forking the process.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    # The wheel carries the weights and tokenizer under its own folder; never download.
    model = wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )
    log.info("dense model loaded (WordLlama, %d dimensions)", DIMENSIONS)
    return model


class DenseLeg:
    """Passage vectors in one float32 matrix; a query is one vector-matrix product.

    The matrix is kept one column per passage (dimension-major): BLAS reads it in one
    sequential sweep for a query, which took half the CPU of the passage-major product at
    10,000 passages once the matrix had left the CPU cache between events.
    """

    def __init__(self, vectors: Vectors) -> None:
        self._columns = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).T)

    def __len__(self) -> int:
        return int(self._columns.shape[1])

    @property
    def vectors(self) -> Vectors:
        """The passage vectors, row i for passage i (a view of the stored matrix)."""
        return self._columns.T

    def search(self, query: Vectors, k: int, floor: float = DENSE_FLOOR) -> list[tuple[int, float]]:
        """The ``k`` passages most similar to the unit ``query`` vector, above ``floor``."""
        if not len(self) or not query.any():
            return []
        return top_k(query @ self._columns, k, floor=floor)


def query_vector(vectors: Vectors, weights: list[float]) -> Vectors:
    """The weighted mean of turn vectors, renormalised: one direction for the conversation."""
    mixed = np.asarray(weights, dtype=np.float32) @ vectors
    # ``np.linalg.norm`` of a vector, without its dispatch: the root of its dot with itself.
    norm = float(np.sqrt(mixed.dot(mixed)))
    return mixed / norm if norm > 0 else mixed
