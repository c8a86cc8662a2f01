"""Checks on the demo knowledge base and the demo conversations that replay against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bm25s
import pytest
import Stemmer

from providers.simulator import load_script
from server.kb import load_folder
from server.store.models import DocumentIn

DEMO = Path(__file__).parents[3] / "server" / "demo"
SCRIPTS = sorted((DEMO / "conversations").glob("*.json"))


@pytest.fixture(scope="module")
def documents() -> list[DocumentIn]:
    """The demo knowledge base as the importer reads it."""
    return load_folder(DEMO / "kb")


def customer_lines(path: Path) -> list[str]:
    """The customer's lines of a demo script, in order."""
    turns: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["turns"]
    return [turn["text"] for turn in turns if turn.get("speaker") == "customer"]


def expected_article(path: Path) -> str:
    """The external id a demo script says should be suggested."""
    value: str = json.loads(path.read_text(encoding="utf-8"))["expected_article"]
    return value


def top_three(documents: list[DocumentIn], query: str, *, stem: bool) -> list[str]:
    """External ids of the three best BM25 matches for ``query`` over title and body."""
    stemmer = Stemmer.Stemmer("english") if stem else None
    corpus = [f"{doc.title}\n{doc.body}" for doc in documents]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
    results, _scores = retriever.retrieve(tokens, k=3, show_progress=False)
    return [documents[index].external_id for index in results[0]]


def test_demo_kb_has_about_twenty_distinct_articles(documents: list[DocumentIn]) -> None:
    assert 18 <= len(documents) <= 25
    assert len({doc.title.casefold() for doc in documents}) == len(documents)


def test_demo_kb_exercises_every_format() -> None:
    suffixes = {path.suffix for path in (DEMO / "kb").iterdir()}
    assert {".md", ".html", ".txt"} <= suffixes


def test_demo_articles_are_150_to_400_words(documents: list[DocumentIn]) -> None:
    lengths = {doc.external_id: len(doc.body.split()) for doc in documents}
    assert {key: words for key, words in lengths.items() if not 150 <= words <= 400} == {}


def test_there_are_four_or_five_scripts_on_different_articles() -> None:
    assert 4 <= len(SCRIPTS) <= 5
    assert len({expected_article(path) for path in SCRIPTS}) == len(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_script_is_valid_for_the_simulator(script: Path) -> None:
    loaded = load_script(script)
    assert 6 <= len(loaded.turns) <= 12
    assert loaded.expected_article is not None


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_expected_article_exists(documents: list[DocumentIn], script: Path) -> None:
    assert expected_article(script) in {doc.external_id for doc in documents}


@pytest.mark.parametrize("stem", [False, True], ids=["plain", "stemmed"])
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_customer_turns_retrieve_expected_article(
    documents: list[DocumentIn], script: Path, stem: bool
) -> None:
    lines = customer_lines(script)
    # From the first two customer turns on, the article must stay in the top three, so the
    # suggestion card appears early and does not vanish as the conversation goes on.
    for count in range(2, len(lines) + 1):
        ranked = top_three(documents, " ".join(lines[:count]), stem=stem)
        assert expected_article(script) in ranked, (count, ranked)
