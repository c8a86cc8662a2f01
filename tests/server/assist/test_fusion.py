"""Reciprocal rank fusion adds weight / (k + rank) over the rankings an item appears in."""

from __future__ import annotations

import random

import pytest

from server.assist.fusion import RRF_K, first_seen, fuse_documents, reciprocal_rank_fusion


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


def test_fused_documents_follow_the_full_sort_for_long_rankings() -> None:
    rng = random.Random(3)
    document_of = [f"d{rng.randrange(400)}" for _ in range(3000)]
    for _ in range(20):
        rankings = [rng.sample(range(3000), rng.randint(900, 1500)) for _ in range(2)]
        lexical = {i: float(rng.randint(0, 3)) for i in rankings[0]}
        documents_of = [[document_of[i] for i in ranking] for ranking in rankings]

        fused = fuse_documents(rankings, documents_of, lexical, 10)

        documents = reciprocal_rank_fusion([first_seen(d) for d in documents_of])
        passages = reciprocal_rank_fusion(rankings)
        best: dict[str, int] = {}
        for i in sorted(passages, key=lambda i: (-passages[i], -lexical.get(i, 0.0))):
            best.setdefault(document_of[i], i)
        order = sorted(documents, key=lambda d: (-documents[d], -lexical.get(best[d], 0.0)))
        assert fused == [(d, best[d], documents[d]) for d in order[:10]]
