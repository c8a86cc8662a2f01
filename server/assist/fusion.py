"""Reciprocal rank fusion: combine rankings whose scores are not comparable.

BM25 scores are unbounded and cosines live in [-1, 1]; RRF uses only each item's rank in each
list, so neither leg needs calibrating against the other. An item ranked ``r`` (1-based) in a
list of weight ``w`` earns ``w / (k + r)``; items missing from a list earn nothing from it.
``k = 60`` is the constant of Cormack, Clarke and Büttcher (SIGIR 2009): it damps the gap between
the first few ranks so that agreement between the legs outweighs a single first place.
"""

from __future__ import annotations

import heapq
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


def fuse_grouped(
    rankings: Sequence[Sequence[int]], group_of: Sequence[G], k: int = RRF_K
) -> tuple[dict[int, float], dict[G, float]]:
    """Fused scores of items and, in the same pass, of their groups ranked by their best item.

    The same scores, in the same order, as ``reciprocal_rank_fusion(rankings)`` and
    ``reciprocal_rank_fusion([first_seen(group_of[i] for i in r) for r in rankings])``; one
    walk over the rankings instead of four, as it runs on every search.

    >>> fuse_grouped([[0, 1, 2]], ["a", "a", "b"], k=0)
    ({0: 1.0, 1: 0.5, 2: 0.3333333333333333}, {'a': 1.0, 'b': 0.5})
    """
    items: dict[int, float] = {}
    groups: dict[G, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            items[item] = items.get(item, 0.0) + 1.0 / (k + rank)
        distinct = dict.fromkeys([group_of[item] for item in ranking])
        for rank, group in enumerate(distinct, start=1):
            groups[group] = groups.get(group, 0.0) + 1.0 / (k + rank)
    return items, groups


def fuse_documents(
    rankings: Sequence[Sequence[int]],
    document_of: Sequence[str],
    lexical: dict[int, float],
    keep: int,
) -> list[tuple[str, int, float]]:
    """The ``keep`` best documents as (document, its best passage, fused score), best first.

    Documents are fused on the rank of their best passage in each ranking; the passage shown
    is the one that fused best on its own. Ties go to the higher ``lexical`` (BM25) score of
    that passage, then to the first seen. Documents fused below the ``keep``-th best cannot be
    shown, so only the others are ordered and given a best passage.
    """
    passages, documents = fuse_grouped(rankings, document_of)
    if not documents:
        return []
    cut = heapq.nlargest(keep, documents.values())[-1]
    contenders = [d for d, fused in documents.items() if fused >= cut]
    best = _best_passages(passages, document_of, lexical, set(contenders))
    order = sorted(contenders, key=lambda d: (-documents[d], -lexical.get(best[d], 0.0)))
    return [(d, best[d], documents[d]) for d in order[:keep]]


def _best_passages(
    passages: dict[int, float],
    document_of: Sequence[str],
    lexical: dict[int, float],
    wanted: set[str],
) -> dict[str, int]:
    """Each wanted document's best fused passage (then best BM25 score; then first seen)."""
    best: dict[str, int] = {}
    for i, fused in passages.items():
        document_id = document_of[i]
        if document_id not in wanted:
            continue
        held = best.get(document_id)
        if held is None or (fused, lexical.get(i, 0.0)) > (passages[held], lexical.get(held, 0.0)):
            best[document_id] = i
    return best


def first_seen(items: Iterable[K]) -> list[K]:
    """Items in order of first appearance, repeats dropped (a document's best passage wins)."""
    return list(dict.fromkeys(items))
