"""The query follows the topic: newest turns count most, small talk and identifiers not at all."""

from __future__ import annotations

from server.assist.analysis import terms
from server.assist.conversation import read_conversation
from server.assist.query import AGENT_WEIGHT, RECENCY_DECAY, typed_query
from tests.server.assist.conftest import lines


def known(term: str) -> float:
    return 0.1


def weights(*turns: tuple[str, str]) -> dict[str, float]:
    query = read_conversation(lines(*turns), known).query
    return {term: weight for weight, group in query.term_groups() for term in group}


def test_newer_topic_turns_weigh_more() -> None:
    found = weights(("customer", "my bill went up"), ("customer", "the router is flashing"))

    assert found[terms("router")[0]] == 1.0
    assert found[terms("bill")[0]] == RECENCY_DECAY


def test_agent_turns_are_down_weighted() -> None:
    found = weights(("customer", "my router"), ("agent", "is it the broadband hub?"))

    assert found[terms("router")[0]] == 1.0
    assert found[terms("broadband")[0]] == AGENT_WEIGHT


def test_a_term_counts_once_at_its_heaviest() -> None:
    found = weights(("customer", "router broken"), ("customer", "router still broken"))

    assert found[terms("router")[0]] == 1.0


def test_greetings_thanks_and_identifiers_neither_enter_nor_age_the_topic() -> None:
    found = weights(
        ("customer", "hi there"),
        ("customer", "my router keeps dropping"),
        ("agent", "Can I take your account number?"),
        ("customer", "40021873"),
        ("customer", "thanks so much"),
    )

    assert found == {terms("router")[0]: 1.0, terms("keeps")[0]: 1.0, terms("dropping")[0]: 1.0}


def test_politeness_inside_a_request_is_dropped() -> None:
    found = weights(("customer", "hi, ok my router is great at dropping"))

    assert terms("great")[0] not in found
    assert terms("router")[0] in found


def test_old_turns_fall_out_of_the_query() -> None:
    found = weights(*[("customer", f"topic{n} question") for n in range(8)])

    assert "topic7" in found
    assert "topic0" not in found


def test_bot_and_system_lines_are_left_out() -> None:
    found = weights(("bot", "press one for billing"), ("customer", "router"))

    assert set(found) == {terms("router")[0]}


def test_typed_queries_keep_every_word() -> None:
    assert [turn.text for turn in typed_query("great deals").turns] == ["great deals"]
