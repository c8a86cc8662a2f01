"""Fusing the two legs' rankings into documents, each shown with its best passage."""

from __future__ import annotations

import random
import zlib

import numpy as np

from server.assist.dense import DIMENSIONS, Vectors
from server.assist.fusion import first_seen, reciprocal_rank_fusion
from server.assist.index import KnowledgeIndex
from server.assist.query import typed_query
from tests.server.assist.conftest import document


class SeededEncoder:
    """Unit vectors drawn from each text's checksum: stable, and no model needed."""

    def embed(self, texts: list[str]) -> Vectors:
        rows = [
            np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIMENSIONS)
            for text in texts
        ]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), DIMENSIONS)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def sectioned(number: int, sections: int) -> str:
    return "\n\n".join(
        f"## Part {s}\n\nStep {s} of guide {number}: restart the router and check the lights."
        for s in range(sections)
    )


def reference(
    index: KnowledgeIndex, rankings: list[list[int]], lexical: dict[int, float], keep: int
) -> list[tuple[str, int, float]]:
    """Every fused passage and document sorted in full, as the ranking is defined."""
    document_of = [index._chunks[i].document_id for i in range(len(index))]
    documents = reciprocal_rank_fusion([first_seen(document_of[i] for i in r) for r in rankings])
    passages = reciprocal_rank_fusion(rankings)
    best: dict[str, int] = {}
    for i in sorted(passages, key=lambda i: (-passages[i], -lexical.get(i, 0.0))):
        best.setdefault(document_of[i], i)
    order = sorted(documents, key=lambda d: (-documents[d], -lexical.get(best[d], 0.0)))
    return [(d, best[d], documents[d]) for d in order[:keep]]


def shown(
    index: KnowledgeIndex, fused: list[tuple[int, int, float]]
) -> list[tuple[str, int, float]]:
    return [
        (index.documents[number].external_id, passage, score) for number, passage, score in fused
    ]


def test_fused_documents_and_passages_follow_the_full_ranking() -> None:
    rng = random.Random(11)
    docs = [document(f"d{n}", f"Guide {n}", sectioned(n, rng.randint(1, 4))) for n in range(30)]
    index = KnowledgeIndex.build(docs, SeededEncoder())
    passages = range(len(index))
    assert len(index) > len(docs)  # several passages per document, so "best passage" matters
    for _ in range(300):
        rankings = [rng.sample(passages, rng.randint(0, 25)) for _ in range(rng.randint(1, 2))]
        # Few distinct BM25 scores, so ties between fused scores also tie on the tiebreak.
        lexical = {i: float(rng.randint(0, 2)) for i in rankings[0]}
        keep = rng.randint(1, 10)

        assert shown(index, index._fuse(rankings, lexical, keep)) == reference(
            index, rankings, lexical, keep
        )


def test_a_query_word_in_the_title_lifts_an_article_and_title_edits_are_followed() -> None:
    body = "Plug the router in, then wait two minutes until the lights settle."
    docs = [
        document("setup", "Broadband setup", body),
        document("router", "Router setup", body),
        *(
            document(f"o{n}", f"Other guide {n}", f"Paying bill number {n} online.")
            for n in range(8)
        ),
    ]
    index = KnowledgeIndex.build(docs, SeededEncoder())

    def ranked(current: KnowledgeIndex) -> list[str]:
        hits = current.search(typed_query("router"), 2, None)  # BM25 alone
        return [hit.document.external_id for hit in hits]

    assert ranked(index) == ["router", "setup"]  # the same body; only one title says router
    renamed = [
        document("setup", "Router lights", body),
        document("router", "Broadband lights", body),
    ]
    assert ranked(index.updated(renamed, [], SeededEncoder())) == ["setup", "router"]
    assert ranked(index.updated([], ["router"], SeededEncoder())) == ["setup"]


def test_an_empty_knowledge_base_indexes_and_finds_nothing() -> None:
    index = KnowledgeIndex.build([], SeededEncoder())

    assert len(index) == 0
    assert index.search(typed_query("router"), 3, SeededEncoder()) == []
    grown = index.updated([document("a", "Router", "Restart the router.")], [], SeededEncoder())
    assert [hit.document.external_id for hit in grown.search(typed_query("router"), 3, None)] == [
        "a"
    ]
