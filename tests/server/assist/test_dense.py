"""The dense leg: cosine search over unit passage vectors, above a floor."""

from __future__ import annotations

import numpy as np
import pytest

from server.assist.dense import DenseLeg


def unit_rows(count: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, 32)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_finds_the_most_similar_passages_best_first() -> None:
    passages = unit_rows(500, seed=1)
    query = passages[42] * 0.9 + passages[7] * 0.1
    query /= np.linalg.norm(query)

    found = DenseLeg(passages).search(query, 5, floor=-1.0)

    cosines = passages.astype(np.float64) @ query
    assert [i for i, _ in found] == list(np.argsort(-cosines)[:5])
    assert [s for _, s in found] == pytest.approx(sorted(cosines, reverse=True)[:5], abs=1e-5)
    assert found[0][0] == 42


def test_nothing_under_the_floor_and_nothing_for_a_zero_query() -> None:
    passages = unit_rows(50, seed=2)
    leg = DenseLeg(passages)

    assert all(score > 0.5 for _, score in leg.search(passages[3], 50, floor=0.5))
    assert leg.search(np.zeros(32, np.float32), 5) == []
    assert DenseLeg(np.zeros((0, 32), np.float32)).search(passages[0], 5) == []


def test_vectors_give_each_passage_its_own_row() -> None:
    passages = unit_rows(20, seed=3)

    stored = DenseLeg(passages).vectors

    assert len(DenseLeg(passages)) == 20
    assert np.array_equal(stored, passages)
    assert np.array_equal(stored[4:6], passages[4:6])
