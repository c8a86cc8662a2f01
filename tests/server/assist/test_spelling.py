"""Typo repair against the knowledge base's own words."""

from __future__ import annotations

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
