"""Checks on the quality benchmark's evaluation set against the demo knowledge base."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from server.kb import load_folder

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "benchmarks" / "data" / "eval_conversations.jsonl"
DEMO_KB = ROOT / "server" / "demo" / "kb"


@pytest.fixture(scope="module")
def conversations() -> list[dict[str, Any]]:
    """Every conversation of the evaluation set, parsed."""
    lines = EVAL_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def article_ids() -> set[str]:
    """External ids of the demo articles, as the loader derives them."""
    return {document.external_id for document in load_folder(DEMO_KB)}


def test_has_at_least_sixty_conversations(conversations: list[dict[str, Any]]) -> None:
    assert len(conversations) >= 60


def test_ids_are_unique(conversations: list[dict[str, Any]]) -> None:
    counts = Counter(conversation["id"] for conversation in conversations)
    assert [cid for cid, n in counts.items() if n > 1] == []


def test_every_conversation_is_well_formed(conversations: list[dict[str, Any]]) -> None:
    for conversation in conversations:
        assert set(conversation) == {"id", "gold", "turns", "notes"}, conversation["id"]
        assert isinstance(conversation["id"], str)
        assert conversation["id"]
        assert isinstance(conversation["notes"], str)
        assert conversation["notes"].strip()
        speakers = [turn["speaker"] for turn in conversation["turns"]]
        assert set(speakers) <= {"customer", "agent"}, conversation["id"]
        assert 2 <= speakers.count("customer") <= 6, conversation["id"]
        for turn in conversation["turns"]:
            assert set(turn) == {"speaker", "text"}, conversation["id"]
            assert isinstance(turn["text"], str), conversation["id"]
            assert turn["text"].strip(), conversation["id"]


def test_every_gold_is_a_demo_article(
    conversations: list[dict[str, Any]], article_ids: set[str]
) -> None:
    unknown = {c["id"]: c["gold"] for c in conversations if c["gold"] not in article_ids}
    assert unknown == {}


def test_every_article_is_covered_twice(
    conversations: list[dict[str, Any]], article_ids: set[str]
) -> None:
    counts = Counter(conversation["gold"] for conversation in conversations)
    assert {article: counts[article] for article in article_ids if counts[article] < 2} == {}
