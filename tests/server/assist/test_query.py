"""The query follows the conversation: recent customer turns count most, small talk not at all."""

from __future__ import annotations

from server.assist.analysis import terms
from server.assist.query import (
    AGENT_WEIGHT,
    RECENCY_DECAY,
    conversation_query,
    typed_query,
    without_small_talk,
)
from tests.server.assist.conftest import lines


def weights(*turns: tuple[str, str]) -> dict[str, float]:
    query = conversation_query(lines(*turns))
    return {term: weight for weight, group in query.term_groups() for term in group}


def test_newer_customer_turns_weigh_more() -> None:
    found = weights(("customer", "my bill went up"), ("customer", "the router is flashing"))

    assert found[terms("router")[0]] == 1.0
    assert found[terms("bill")[0]] == RECENCY_DECAY


def test_agent_turns_are_down_weighted() -> None:
    found = weights(("agent", "is it the broadband hub?"), ("customer", "yes the router"))

    assert found[terms("router")[0]] == 1.0
    assert found[terms("broadband")[0]] == AGENT_WEIGHT


def test_a_term_counts_once_at_its_heaviest() -> None:
    found = weights(("customer", "router broken"), ("customer", "router still broken"))

    assert found[terms("router")[0]] == 1.0


def test_greetings_and_thanks_are_ignored() -> None:
    query = conversation_query(
        lines(("customer", "hi there"), ("customer", "my router keeps dropping"))
    )

    assert [turn.text for turn in query.turns] == ["my router keeps dropping"]
    for small_talk in ("hi", "thanks so much", "ok great", "Hello!", "cheers, bye"):
        assert without_small_talk(small_talk) == ""


def test_a_thank_you_as_the_latest_turn_asks_nothing() -> None:
    query = conversation_query(
        lines(("customer", "my router keeps dropping"), ("customer", "thanks so much"))
    )

    assert not query


def test_politeness_inside_a_request_is_dropped() -> None:
    assert without_small_talk("hi, ok my router is great at dropping") == (
        ", my router is at dropping"
    )


def test_old_turns_fall_out_of_the_query() -> None:
    turns = [("customer", f"topic{n} question") for n in range(8)]
    found = weights(*turns)

    assert "topic7" in found
    assert "topic0" not in found


def test_bot_and_system_lines_are_left_out() -> None:
    found = weights(("bot", "press one for billing"), ("customer", "router"))

    assert set(found) == {terms("router")[0]}


def test_typed_queries_keep_every_word() -> None:
    assert [turn.text for turn in typed_query("great deals").turns] == ["great deals"]
    assert not typed_query("the and of")
