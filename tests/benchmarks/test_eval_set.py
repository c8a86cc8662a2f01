"""Checks on the quality benchmark's evaluation sets against their knowledge bases."""

from __future__ import annotations

from collections import Counter

import pytest
from quality_data import KNOWLEDGE_BASES, SETS, Conversation, load_conversations, load_set

from server.kb import load_folder

NEW_SETS = ("followup", "heldout", "heldout2")


@pytest.fixture(scope="module")
def article_ids() -> dict[str, set[str]]:
    """External ids of each benchmark knowledge base's articles."""
    return {
        kb: {document.external_id for document in load_folder(folder)}
        for kb, folder in KNOWLEDGE_BASES.items()
    }


@pytest.fixture(scope="module")
def written() -> list[Conversation]:
    """The conversations written for the follow-the-conversation work (tuning and held-out)."""
    return [c for name in NEW_SETS for c in load_set(name)]


def test_the_sets_are_large_enough(written: list[Conversation]) -> None:
    assert len(load_set("legacy")) >= 60
    assert len(written) >= 150
    assert len(load_set("heldout")) >= 30
    assert len(load_set("heldout2")) >= 40
    assert {c.kb for c in load_set("heldout2")} == set(KNOWLEDGE_BASES)
    assert {c.kb for c in written} == set(KNOWLEDGE_BASES)


def test_ids_are_unique_across_every_set() -> None:
    counts = Counter(c.id for c in load_set("all"))
    assert [cid for cid, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("held_out", ["heldout", "heldout2"])
def test_held_out_conversations_are_not_in_the_tuning_sets(held_out: str) -> None:
    tuning = {tuple(t.text for t in c.turns) for c in load_set("tuning")}
    assert [c.id for c in load_set(held_out) if tuple(t.text for t in c.turns) in tuning] == []


def test_every_gold_is_an_article_of_its_knowledge_base(
    article_ids: dict[str, set[str]],
) -> None:
    unknown = {c.id: c.gold for c in load_set("all") if c.gold not in article_ids[c.kb]}
    assert unknown == {}


def test_every_retail_article_is_covered_twice(
    written: list[Conversation], article_ids: dict[str, set[str]]
) -> None:
    counts = Counter(c.gold for c in written if c.kb == "retail")
    assert {a: counts[a] for a in article_ids["retail"] if counts[a] < 2} == {}


def test_the_hard_cases_the_benchmark_is_about_are_there(written: list[Conversation]) -> None:
    notes = " ".join(c.notes for c in written).lower()
    assert sum(bool(c.openings) for c in written) >= 15
    assert sum(bool(c.steps) for c in written) >= 20
    assert sum(bool(c.entities) for c in written) >= 40
    for phrase in ("verification", "topic change", "typos", "near-duplicate"):
        assert phrase in notes, phrase


def test_annotations_point_at_the_right_turns() -> None:
    for path in (p for name in NEW_SETS for p in SETS[name]):
        for conversation in load_conversations(path):
            assert conversation.annotated, conversation.id
            for turn in conversation.turns:
                assert turn.text.strip(), conversation.id
