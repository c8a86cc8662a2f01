"""The lexical leg: BM25 (bm25s) over passages, queried with weighted terms."""

from __future__ import annotations

import itertools
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
    """A bm25s index over analysed passages (see ``analysis.terms_many``).

    Scores are read from bm25s' precomputed index: per term, the passages that use it and the
    term's BM25 score in each (its ``scores`` arrays, one compressed sparse row per term).
    """

    def __init__(self, passages: Sequence[Sequence[str]], method: str = "lucene") -> None:
        self._size = len(passages)
        self._vocabulary: dict[str, int] = {}
        self._starts: list[int] = [0]
        self._rows = np.zeros(0, dtype=np.int32)
        self._values = np.zeros(0, dtype=np.float32)
        # BM25L and BM25+ score a passage for a term it lacks; Lucene's BM25 (the default) not.
        self._absent: npt.NDArray[np.float32] | None = None
        # bm25s cannot index a corpus without a single term, and such a corpus matches nothing.
        if any(passages):
            retriever = bm25s.BM25(method=method)
            retriever.index([list(terms) for terms in passages], show_progress=False)
            # Where each term's postings start, as Python ints: slicing by them is cheaper.
            self._starts = retriever.scores["indptr"].tolist()
            # bm25s numbers an empty token past its last posting list; no query term is empty.
            known = len(self._starts) - 1
            self._vocabulary = {t: n for t, n in retriever.vocab_dict.items() if n < known}
            self._rows = retriever.scores["indices"]
            self._values = retriever.scores["data"]
            self._absent = retriever.nonoccurrence_array

    def __len__(self) -> int:
        return self._size

    def plus(self, other: LexicalLeg, weight: float) -> LexicalLeg:
        """One leg scoring this leg's score plus ``weight`` times ``other``'s, passage by passage.

        BM25 is a sum over the query's terms, so a field scored by its own leg (titles and
        headings, as BM25F weighs fields) folds into this leg's postings: a query then reads
        one posting list per term instead of two, and adds no second array of scores.
        """
        if len(other) != self._size:
            raise ValueError("both legs must score the same passages")
        vocabulary = dict(self._vocabulary)
        for term in other._vocabulary:
            vocabulary.setdefault(term, len(vocabulary))
        # Their term number -> the merged one.
        theirs = np.zeros(len(other._vocabulary), dtype=np.intp)
        for term, number in other._vocabulary.items():
            theirs[number] = vocabulary[term]
        terms = np.concatenate([self._posting_terms(), theirs[other._posting_terms()]])
        rows = np.concatenate([self._rows, other._rows]).astype(np.intp)
        values = np.concatenate(
            [self._values.astype(np.float64), weight * other._values.astype(np.float64)]
        )
        order = np.lexsort((rows, terms))
        terms, rows, values = terms[order], rows[order], values[order]
        starts = np.ones(len(terms), dtype=bool)  # where a (term, passage) pair starts
        starts[1:] = (terms[1:] != terms[:-1]) | (rows[1:] != rows[:-1])
        first = np.flatnonzero(starts)
        merged = LexicalLeg([])
        merged._size, merged._vocabulary = self._size, vocabulary
        merged._rows = rows[first].astype(np.int32)
        summed = np.add.reduceat(values, first) if len(first) else values
        merged._values = summed.astype(np.float32)
        bounds = np.searchsorted(terms[first], np.arange(len(vocabulary) + 1))
        merged._starts = bounds.tolist()
        merged._absent = _plus_absent(self, other, theirs, weight, len(vocabulary))
        return merged

    def _posting_terms(self) -> npt.NDArray[np.intp]:
        """The term number of each posting, in storage order."""
        lengths = [b - a for a, b in itertools.pairwise(self._starts)]
        return np.repeat(np.arange(len(lengths), dtype=np.intp), lengths)

    def scores(self, groups: TermGroups) -> Scores:
        """Each passage's weighted BM25 score; zero where no query term occurs.

        Summed in one ``np.bincount`` over the terms' posting lists: bm25s' own ``get_scores``
        adds each term's list with ``np.add.at``, which took ~3 ms a query at 10,000 passages
        (docs/benchmarks.md).
        """
        vocabulary = self._vocabulary
        found = [
            (weight, [vocabulary[term] for term in terms if term in vocabulary])
            for weight, terms in groups
        ]
        return self._weighted_sum([(weight, numbers) for weight, numbers in found if numbers])

    def _weighted_sum(self, weighted: list[tuple[float, list[int]]]) -> Scores:
        if not weighted:
            return np.zeros(self._size, dtype=np.float32)
        starts, indices, data = self._starts, self._rows, self._values
        spans = [(starts[t], starts[t + 1]) for _, numbers in weighted for t in numbers]
        rows = np.concatenate([indices[a:b] for a, b in spans])
        values = np.concatenate([data[a:b] for a, b in spans])
        # Each group's postings times its weight, in place and in their own precision (a weight
        # of 1 changes nothing); then widened once to the float64 that bincount sums in.
        at = 0
        for weight, numbers in weighted:
            end = at + sum(starts[t + 1] - starts[t] for t in numbers)
            if weight != 1.0:
                values[at:end] *= data.dtype.type(weight)
            at = end
        summed = np.bincount(rows, weights=values.astype(np.float64), minlength=self._size)
        total = summed.astype(np.float64, copy=False)  # already float64: typing only
        if self._absent is not None:
            absent = self._absent
            total += sum(w * float(absent[t]) for w, numbers in weighted for t in numbers)
        return total.astype(np.float32)

    def search(self, groups: TermGroups, k: int) -> list[tuple[int, float]]:
        """The ``k`` best passages with a positive score, best first."""
        return top_k(self.scores(groups), k, floor=0.0)


def _plus_absent(
    leg: LexicalLeg, other: LexicalLeg, theirs: npt.NDArray[np.intp], weight: float, terms: int
) -> npt.NDArray[np.float32] | None:
    """The merged legs' per-term score for a passage without the term (BM25L/BM25+ only)."""
    if leg._absent is None and other._absent is None:
        return None
    absent = np.zeros(terms, dtype=np.float64)
    if leg._absent is not None:
        absent[: len(leg._absent)] += leg._absent
    if other._absent is not None:
        np.add.at(absent, theirs, weight * np.asarray(other._absent, dtype=np.float64))
    return absent.astype(np.float32)


def top_k(scores: Scores, k: int, *, floor: float) -> list[tuple[int, float]]:
    """Indexes and scores of the ``k`` highest scores above ``floor``, best first.

    ``argpartition`` finds them in linear time; only those ``k`` are sorted.
    """
    if k <= 0 or not len(scores):
        return []
    # Array methods rather than numpy's functions, which only look them up (a few microseconds
    # a call, twice a search); the same calls, so ties come out as they always have.
    negated = -scores
    if k >= len(scores):
        best = negated.argsort(kind="stable")
    else:
        best = negated.argpartition(k - 1)[:k]
        best = best[negated[best].argsort(kind="stable")]
    top = scores[best]
    if not top[-1] > floor:  # best first: only then may some fall under the floor
        above = top > floor
        best, top = best[above], top[above]
    # One conversion of the k winners to Python numbers, not one numpy scalar at a time.
    return list(zip(best.tolist(), top.tolist(), strict=True))
