"""Reciprocal rank fusion adds weight / (k + rank) over the rankings an item appears in."""

from __future__ import annotations

import pytest

from server.assist.fusion import RRF_K, first_seen, reciprocal_rank_fusion


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
