"""An inverted-file (IVF) index for the dense leg, as examined for issue 16 and not adopted.

Passages are grouped by their nearest of about sqrt(N) centroids (spherical k-means, built
once per index) and stored contiguously, group after group. A query scores the centroids,
then only the passages of the groups nearest to it: a few contiguous slices instead of the
whole matrix. Approximate: a passage whose group is not probed is not found.
``ann_agreement.py`` measures what that changes (docs/benchmarks.md, "An approximate dense
index").
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from server.assist.lexical import top_k

Vectors = npt.NDArray[np.float32]
Ids = npt.NDArray[np.intp]
# Lloyd iterations of k-means at most; it usually settles sooner (assignments stop changing).
ITERATIONS = 20
# Seeded, so that the same passages always give the same groups, hence the same answers.
SEED = 0
# Passages scanned per query, as a multiple of the passages wanted: the search reads the
# groups nearest to the query until it has this many times ``k`` passages, and at least
# sqrt(groups) groups (the usual IVF setting).
SCAN_FACTOR = 10


class ClusteredVectors:
    """Unit passage vectors grouped by nearest centroid; ``search`` probes the nearest groups."""

    def __init__(self, vectors: Vectors) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        self._centroids, groups = spherical_kmeans(vectors, round(math.sqrt(len(vectors))))
        order = np.argsort(groups, kind="stable")
        # Row r of the stored matrix is passage ``self._ids[r]``; group g is rows
        # ``self._starts[g]:self._starts[g + 1]``.
        self._rows = np.ascontiguousarray(vectors[order])
        self._ids: Ids = order.astype(np.intp)
        counts = np.bincount(groups, minlength=len(self._centroids))
        self._starts: list[int] = [0, *np.cumsum(counts).tolist()]
        self._min_groups = math.ceil(math.sqrt(len(self._centroids)))

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    @property
    def groups(self) -> int:
        """The number of centroids."""
        return int(self._centroids.shape[0])

    def search(self, query: Vectors, k: int, floor: float) -> list[tuple[int, float]]:
        """About the ``k`` passages most similar to ``query`` above ``floor``, best first."""
        spans = self._spans(self._probed(query, k))
        scores = np.concatenate([self._rows[a:b] @ query for a, b in spans])
        ids = np.concatenate([self._ids[a:b] for a, b in spans])
        return [(int(ids[r]), score) for r, score in top_k(scores, k, floor=floor)]

    def exact(self, query: Vectors, k: int, floor: float) -> list[tuple[int, float]]:
        """The exact ``k`` most similar passages, every group read (for measuring recall)."""
        found = top_k(self._rows @ query, k, floor=floor)
        return [(int(self._ids[r]), score) for r, score in found]

    def _probed(self, query: Vectors, k: int) -> list[int]:
        """The groups nearest to ``query``: enough for ``SCAN_FACTOR * k`` passages."""
        nearest = np.argsort(-(self._centroids @ query), kind="stable").tolist()
        starts, wanted = self._starts, SCAN_FACTOR * k
        probed, scanned = [], 0
        for group in nearest:
            if scanned >= wanted and len(probed) >= self._min_groups:
                break
            probed.append(group)
            scanned += starts[group + 1] - starts[group]
        return probed

    def _spans(self, groups: list[int]) -> list[tuple[int, int]]:
        """The probed groups' rows as few slices as possible, in storage order."""
        spans: list[tuple[int, int]] = []
        for group in sorted(groups):
            a, b = self._starts[group], self._starts[group + 1]
            if spans and spans[-1][1] == a:
                spans[-1] = (spans[-1][0], b)
            elif a < b:
                spans.append((a, b))
        return spans


def spherical_kmeans(vectors: Vectors, count: int) -> tuple[Vectors, Ids]:
    """``count`` unit centroids and each vector's group (k-means on cosine, k-means++ start)."""
    rng = np.random.default_rng(SEED)
    centroids = _seeded(vectors, count, rng)
    groups = np.full(len(vectors), -1, dtype=np.intp)
    for _ in range(ITERATIONS):
        similarity = vectors @ centroids.T
        assigned = np.argmax(similarity, axis=1)
        if np.array_equal(assigned, groups):
            break
        groups = assigned
        centroids = _centres(vectors, groups, centroids, similarity)
    return centroids, groups


def _seeded(vectors: Vectors, count: int, rng: np.random.Generator) -> Vectors:
    """k-means++: each next centroid drawn with odds growing with its distance to the chosen."""
    chosen = [int(rng.integers(len(vectors)))]
    distance = 1.0 - vectors @ vectors[chosen[0]]
    for _ in range(count - 1):
        odds = np.clip(distance, 0.0, None).astype(np.float64)
        total = odds.sum()
        pick = (
            int(rng.choice(len(vectors), p=odds / total))
            if total > 0
            else int(rng.integers(len(vectors)))
        )
        chosen.append(pick)
        distance = np.minimum(distance, 1.0 - vectors @ vectors[pick])
    return np.ascontiguousarray(vectors[chosen])


def _centres(vectors: Vectors, groups: Ids, previous: Vectors, similarity: Vectors) -> Vectors:
    """Each group's normalised mean; an emptied group takes the vector its centroid fits worst."""
    sums = np.zeros_like(previous)
    np.add.at(sums, groups, vectors)
    norms = np.linalg.norm(sums, axis=1)
    empty = np.flatnonzero(norms == 0)
    if len(empty):
        fit = similarity[np.arange(len(vectors)), groups]
        worst = np.argsort(fit, kind="stable")[: len(empty)]
        sums[empty] = vectors[worst]
        norms[empty] = np.linalg.norm(sums[empty], axis=1)
    return (sums / np.maximum(norms, 1e-12)[:, None]).astype(np.float32)
