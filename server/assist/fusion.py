"""Reciprocal rank fusion: combine rankings whose scores are not comparable.

BM25 scores are unbounded and cosines live in [-1, 1]; RRF uses only each item's rank in each
list, so neither leg needs calibrating against the other. An item ranked ``r`` (1-based) in a
list of weight ``w`` earns ``w / (k + r)``; items missing from a list earn nothing from it.
``k = 60`` is the constant of Cormack, Clarke and Büttcher (SIGIR 2009): it damps the gap between
the first few ranks so that agreement between the legs outweighs a single first place.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
G = TypeVar("G", bound=Hashable)
RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> dict[K, float]:
    """Fused score per item, over rankings given best first.

    >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=0)
    {'a': 1.0, 'b': 1.5, 'c': 0.5}
    """
    weights = weights if weights is not None else [1.0] * len(rankings)
    fused: dict[K, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def fuse_documents(
    rankings: Sequence[Sequence[int]],
    documents_of: Sequence[Sequence[G]],
    lexical: dict[int, float],
    keep: int,
) -> list[tuple[G, int, float]]:
    """The ``keep`` best documents as (document, its best passage, fused score), best first.

    ``documents_of`` holds each ranked passage's document, ranking by ranking. Documents are
    fused on the rank of their best passage in each ranking; the passage shown is the one that
    fused best on its own. Ties go to the higher ``lexical`` (BM25) score of that passage,
    then to the first seen. Documents fused below the ``keep``-th best cannot be shown, so
    only the others are ordered, and only their passages are fused.
    """
    # The first ranking's shares are its scores as they stand (0.0 + share is share).
    documents: dict[G, float] = {}
    for ranked in documents_of:
        distinct = dict.fromkeys(ranked)
        if not documents:
            documents = dict(zip(distinct, _shares(len(distinct)), strict=False))
            continue
        for document, share in zip(distinct, _shares(len(distinct)), strict=False):
            documents[document] = documents.get(document, 0.0) + share
    if not documents:
        return []
    cut = sorted(documents.values(), reverse=True)[min(keep, len(documents)) - 1]
    contenders = [d for d, fused in documents.items() if fused >= cut]
    wanted = set(contenders)
    passages: dict[int, float] = {}
    owner: dict[int, G] = {}
    for ranking, ranked in zip(rankings, documents_of, strict=True):
        for i, document, share in zip(ranking, ranked, _shares(len(ranking)), strict=False):
            if document in wanted:
                passages[i] = passages.get(i, 0.0) + share
                owner[i] = document
    best = _best_passages(passages, owner, lexical)
    order = sorted(contenders, key=lambda d: (-documents[d], -lexical.get(best[d], 0.0)))
    return [(d, best[d], documents[d]) for d in order[:keep]]


def _best_passages(
    passages: dict[int, float], owner: dict[int, G], lexical: dict[int, float]
) -> dict[G, int]:
    """Each document's best fused passage (then best BM25 score; then first seen)."""
    best: dict[G, int] = {}
    for i, fused in passages.items():
        document = owner[i]
        held = best.get(document)
        if held is None or (fused, lexical.get(i, 0.0)) > (passages[held], lexical.get(held, 0.0)):
            best[document] = i
    return best


# ``1 / (RRF_K + rank)`` for ranks 1, 2, ...: computed once, the same floats as computed inline.
# Never extended in place: searches of large knowledge bases run on worker threads.
_SHARES = [1.0 / (RRF_K + rank) for rank in range(1, 1001)]


def _shares(length: int) -> list[float]:
    """RRF's share for each of the first ``length`` ranks (with the default ``k``), at least."""
    if length <= len(_SHARES):
        return _SHARES
    return [1.0 / (RRF_K + rank) for rank in range(1, length + 1)]


def first_seen(items: Iterable[K]) -> list[K]:
    """Items in order of first appearance, repeats dropped (a document's best passage wins)."""
    return list(dict.fromkeys(items))
