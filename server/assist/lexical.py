"""The lexical leg: BM25 (bm25s) over passages, queried with weighted terms."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

__all__ = ["LexicalLeg", "TermGroups", "top_k"]

Scores = npt.NDArray[np.float32]
# Query terms grouped by weight: BM25 is additive over terms, so a weighted query is a weighted
# sum of per-group scores.
TermGroups = Sequence[tuple[float, Sequence[str]]]


class LexicalLeg:
    """A bm25s index over analysed passages (see ``analysis.terms_many``)."""

    def __init__(self, passages: Sequence[Sequence[str]]) -> None:
        self._size = len(passages)
        self._retriever: bm25s.BM25 | None = None
        self._starts: list[int] = []
        # bm25s cannot index a corpus without a single term, and such a corpus matches nothing.
        if any(passages):
            self._retriever = bm25s.BM25()
            self._retriever.index([list(terms) for terms in passages], show_progress=False)
            # Where each term's postings start, as Python ints: slicing by them is cheaper.
            self._starts = self._retriever.scores["indptr"].tolist()

    def __len__(self) -> int:
        return self._size

    def scores(self, groups: TermGroups) -> Scores:
        """Each passage's weighted BM25 score; zero where no query term occurs.

        Summed in one ``np.bincount`` over the terms' posting lists in bm25s' precomputed
        index (its ``scores`` arrays): bm25s' own ``get_scores`` adds each term's list with
        ``np.add.at``, which took ~3 ms a query at 10,000 passages (docs/benchmarks.md).
        """
        if self._retriever is None:
            return np.zeros(self._size, dtype=np.float32)
        vocabulary = self._retriever.vocab_dict
        weighted = [
            (vocabulary[term], weight)
            for weight, terms in groups
            for term in terms
            if term in vocabulary
        ]
        return self._weighted_sum(weighted)

    def _weighted_sum(self, weighted: list[tuple[int, float]]) -> Scores:
        assert self._retriever is not None
        if not weighted:
            return np.zeros(self._size, dtype=np.float32)
        starts, index = self._starts, self._retriever.scores
        indices, data = index["indices"], index["data"]
        spans = [(starts[t], starts[t + 1]) for t, _ in weighted]
        rows = np.concatenate([indices[a:b] for a, b in spans])
        # One multiplication for all the postings, in their own precision as per term before.
        weights = np.array([w for _, w in weighted], dtype=data.dtype)
        values = np.concatenate([data[a:b] for a, b in spans]) * np.repeat(
            weights, [b - a for a, b in spans]
        )
        summed = np.bincount(rows, weights=values, minlength=self._size)
        total = summed.astype(np.float64, copy=False)  # already float64: typing only
        absent = self._retriever.nonoccurrence_array  # BM25L/BM25+ only; None for Lucene's
        if absent is not None:
            total += sum(w * float(absent[t]) for t, w in weighted)
        return total.astype(np.float32)

    def search(self, groups: TermGroups, k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages with a positive score, best first."""
        return top_k(self.scores(groups), k, floor=0.0)


def top_k(scores: Scores, k: int, *, floor: float) -> list[tuple[int, float]]:
    """Indexes and scores of the ``k`` highest scores above ``floor``, best first.

    ``argpartition`` finds them in linear time; only those ``k`` are sorted.
    """
    if k <= 0 or not len(scores):
        return []
    if k >= len(scores):
        best = np.argsort(-scores, kind="stable")
    else:
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
    best = best[scores[best] > floor]
    # One conversion of the k winners to Python numbers, not one numpy scalar at a time.
    return list(zip(best.tolist(), scores[best].tolist(), strict=True))
