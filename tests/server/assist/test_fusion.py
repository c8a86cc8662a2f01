"""Reciprocal rank fusion adds weight / (k + rank) over the rankings an item appears in."""

from __future__ import annotations

import random

import pytest

from server.assist.fusion import RRF_K, first_seen, fuse_grouped, reciprocal_rank_fusion


def test_scores_follow_the_formula() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]])

    assert fused["a"] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert fused["b"] == pytest.approx(1 / (RRF_K + 2))
    assert fused["c"] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))


def test_agreement_beats_a_single_first_place() -> None:
    fused = reciprocal_rank_fusion([["solo", "both"], ["both", "other"]])

    assert fused["both"] > fused["solo"]


def test_weights_scale_each_ranking() -> None:
    fused = reciprocal_rank_fusion([["a"], ["b"]], weights=[2.0, 1.0], k=0)

    assert fused == {"a": 2.0, "b": 1.0}


def test_a_single_ranking_keeps_its_order() -> None:
    fused = reciprocal_rank_fusion([["x", "y", "z"]])

    assert sorted(fused, key=fused.__getitem__, reverse=True) == ["x", "y", "z"]


def test_first_seen_keeps_each_documents_best_position() -> None:
    assert first_seen(["d1", "d2", "d1", "d3", "d2"]) == ["d1", "d2", "d3"]


def test_grouped_fusion_matches_fusing_items_and_their_groups_separately() -> None:
    rng = random.Random(5)
    for _ in range(200):
        group_of = [rng.choice("abcdefgh") for _ in range(40)]
        rankings = [rng.sample(range(40), rng.randint(0, 40)) for _ in range(rng.randint(1, 3))]

        items, groups = fuse_grouped(rankings, group_of)

        expected_groups = reciprocal_rank_fusion(
            [first_seen(group_of[i] for i in ranking) for ranking in rankings]
        )
        # Same scores in the same order: ties are broken by insertion order downstream.
        assert list(items.items()) == list(reciprocal_rank_fusion(rankings).items())
        assert list(groups.items()) == list(expected_groups.items())
