"""The approximate-index agreement benchmark and the IVF index it measures."""

from __future__ import annotations

import re

import numpy as np
import pytest
from ann_agreement import main
from dense_ivf import ClusteredVectors

from server.assist.lexical import top_k


def blobs(count: int, centres: int, seed: int) -> np.ndarray:
    """Unit vectors around a few directions: a knowledge base with distinct topics."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((centres, 64))
    rows = topics[rng.integers(centres, size=count)] + 0.3 * rng.standard_normal((count, 64))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_the_index_holds_every_passage_once_in_about_root_n_groups() -> None:
    passages = blobs(2_500, 12, seed=1)

    index = ClusteredVectors(passages)

    assert index.groups == 50
    assert len(index) == 2_500
    everything = index.exact(passages[0], 2_500, floor=-2.0)
    assert sorted(i for i, _ in everything) == list(range(2_500))


def test_on_topical_passages_it_finds_the_exact_top_ten() -> None:
    passages = blobs(5_000, 40, seed=2)
    index = ClusteredVectors(passages)
    rng = np.random.default_rng(3)

    for row in rng.integers(len(passages), size=50):
        query = passages[row] + 0.1 * rng.standard_normal(64).astype(np.float32)
        query /= np.linalg.norm(query)
        exact = [i for i, _ in top_k(passages @ query, 10, floor=0.0)]
        found = [i for i, _ in index.search(query, 10, floor=0.0)]

        assert found == exact


def test_reading_every_group_agrees_with_exact_search_turn_for_turn(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 300 synthetic passages and the demo KB make fewer than 10 x 100 passages: the index
    # scans them all, so any difference would come from the comparison, not the index.
    args = ["--kb-passages", "300", "--events", "30", "--conversations", "6"]

    assert main(args) == 0

    output = capsys.readouterr().out
    assert "turns                30 (replay seed 1)" in output
    assert "same card set        100.00% of turns" in output
    assert re.search(r"dense recall@100 +mean 1\.000, median 1\.000, min 1\.000", output)
