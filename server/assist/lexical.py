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
        # bm25s cannot index a corpus without a single term, and such a corpus matches nothing.
        if any(passages):
            self._retriever = bm25s.BM25()
            self._retriever.index([list(terms) for terms in passages], show_progress=False)

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
        index = self._retriever.scores
        indptr, indices, data = index["indptr"], index["indices"], index["data"]
        total: npt.NDArray[np.float64] = np.zeros(self._size, dtype=np.float64)
        if weighted:
            rows = np.concatenate([indices[indptr[t] : indptr[t + 1]] for t, _ in weighted])
            values = np.concatenate([data[indptr[t] : indptr[t + 1]] * w for t, w in weighted])
            summed = np.bincount(rows, weights=values, minlength=self._size)
            total = summed.astype(np.float64, copy=False)
        absent = self._retriever.nonoccurrence_array  # BM25L/BM25+ only; None for Lucene's
        if absent is not None and weighted:
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
