"""Turn classification: what carries topic evidence, and what never reaches the search."""

from __future__ import annotations

import time

import pytest

from server.assist.spelling import Speller
from server.assist.turns import TurnKind, asks_for_details, classify

# A small knowledge base's vocabulary: the share of documents using each term.
SHARES = {
    "router": 0.1,
    "drop": 0.1,
    "wifi": 0.1,
    "bill": 0.3,
    "refund": 0.2,
    "order": 0.5,
    "account": 0.6,
    "password": 0.1,
    "reset": 0.1,
    "size": 0.1,
    "colour": 0.1,
    "return": 0.3,
    "send": 0.3,
    "back": 0.4,
    "lock": 0.1,
}


def kind(text: str, *, asked: bool = False) -> TurnKind:
    return classify(text, asked_for_details=asked, vocabulary=lambda t: SHARES.get(t, 0.0)).kind


@pytest.mark.parametrize(
    ("text", "asked", "expected"),
    [
        ("my router keeps dropping the wifi", False, TurnKind.ISSUE),
        ("how do i reset my password?", False, TurnKind.QUESTION),
        ("CC-51907", True, TurnKind.IDENTIFIER),
        ("its marcus.delaney82@gmail.com", True, TurnKind.IDENTIFIER),
        ("Marcus Delaney", True, TurnKind.IDENTIFIER),
        ("yes gold member since 2015", True, TurnKind.IDENTIFIER),
        ("it's F H 4 0 8 1 2 2 3 4", True, TurnKind.IDENTIFIER),
        ("yep thats right", False, TurnKind.CONFIRMATION),
        ("thanks so much", False, TurnKind.SMALL_TALK),
        ("ok done that", False, TurnKind.SMALL_TALK),
        ("hi, i have a question about my account", False, TurnKind.OPENING),
        ("also my refund never came", False, TurnKind.TOPIC_CHANGE),
        ("one more thing, how do i reset my password", False, TurnKind.TOPIC_CHANGE),
    ],
)
def test_turns_are_classified(text: str, asked: bool, expected: TurnKind) -> None:
    assert kind(text, asked=asked) is expected


def test_identifiers_are_cut_from_the_searchable_text() -> None:
    turn = classify(
        "the order number is CC-48211 and the refund never came",
        asked_for_details=False,
        vocabulary=lambda t: SHARES.get(t, 0.0),
    )

    assert "48211" not in turn.query_text
    assert "refund" in turn.query_text


def test_a_dismissed_aspect_is_not_searched_for() -> None:
    turn = classify(
        "no the size is fine, its the colour",
        asked_for_details=False,
        vocabulary=lambda t: SHARES.get(t, 0.0),
    )

    assert "size" not in turn.query_text
    assert "colour" in turn.query_text


def test_typos_are_repaired_before_the_turn_is_judged() -> None:
    turn = classify(
        "my routr keeps droping",
        asked_for_details=False,
        vocabulary=lambda t: SHARES.get(t, 0.0),
        repair=lambda text: text.replace("routr", "router").replace("droping", "dropping"),
    )

    assert turn.kind is TurnKind.ISSUE
    assert "router" in turn.query_text


def test_agent_questions_for_details_are_recognised() -> None:
    assert asks_for_details("Can I take your order number please?")
    assert asks_for_details("And the date of birth?")
    assert not asks_for_details("Let's restart the hub first.")


@pytest.mark.parametrize(
    "line",
    [
        "1" * 20_000,  # digits no letter follows: each was a new start of a word
        "07" * 10_000,
        "ref 40021873 " * 1538,  # many identifiers, each cut from the line
        "abcdefghijklmnopqrstuvwxyz" * 769,  # one word longer than any the articles use
    ],
)
def test_a_hostile_line_is_classified_in_bounded_time(line: str) -> None:
    # The longest line the ingest accepts; it is classified on the event loop every agent
    # shares, and these took from half a second to ten seconds.
    speller = Speller(["router wifi dropping reset password"])
    started = time.perf_counter()
    classify(
        line,
        asked_for_details=True,
        vocabulary=lambda t: SHARES.get(t, 0.0),
        repair=speller.repair_text,
    )
    assert time.perf_counter() - started < 1.0


def test_words_that_start_with_digits_are_still_read() -> None:
    turn = classify(
        "my 4g router on the 2nd floor", asked_for_details=False, vocabulary=lambda t: 0.1
    )
    assert turn.query_text == "my 4g router on the 2nd floor"
