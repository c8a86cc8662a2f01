"""Typo repair against the knowledge base's own words."""

from __future__ import annotations

import tracemalloc

from server.assist.spelling import Speller

SPELLER = Speller(
    ["Change the delivery address of an order before it is dispatched.", "Refund and return."]
)


def test_one_edit_typos_are_repaired() -> None:
    assert SPELLER.repair_text("can i chnage the adress on my ordr") == (
        "can i change the address on my order"
    )
    assert SPELLER.repair("refnud") == "refund"
    assert SPELLER.repair("dispached") == "dispatched"


def test_known_short_and_far_words_are_left_alone() -> None:
    assert SPELLER.repair("refund") == "refund"
    assert SPELLER.repair("ord") == "ord"
    assert SPELLER.repair("xyzzy") == "xyzzy"
    # A different first letter is another word, not a typo ("jeans" is not "means").
    assert Speller(["what it means"]).repair("jeans") == "jeans"
    # Function words are never typos, even one edit from a word the articles use.
    assert Speller(["three minutes"]).repair_text("hi there") == "hi there"


def test_a_word_longer_than_any_known_is_left_alone_without_its_deletions() -> None:
    # Its one-letter deletions would be a copy of the word per letter: 400 MB for one
    # 20,000 letter "word" in a customer line (the ingest's longest).
    word = "abcdefghijklmnopqrstuvwxyz" * 769
    tracemalloc.start()
    try:
        assert SPELLER.repair_text(word) == word
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(word) * 4
    assert SPELLER.repair("dispatchedd") == "dispatched"  # one letter longer still repairs


def test_a_huge_word_in_the_articles_is_not_indexed_for_repair() -> None:
    # Every deletion of a word is kept in the index: this one article took 400 MB.
    blob = "abcdefghijklmnopqrstuvwxyz" * 769
    tracemalloc.start()
    try:
        speller = Speller([f"Change the delivery address. {blob}"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(blob) * 4
    assert speller.known(blob)
    assert speller.repair("adress") == "address"
    assert speller.repair(blob[:-1]) == blob[:-1]
