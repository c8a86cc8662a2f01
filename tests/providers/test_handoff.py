"""Handoff context is read from a platform's name/value facts by the names an admin gave."""

from __future__ import annotations

import pytest

from providers.handoff import HandoffNames, label_of, matches, pick_handoff

FACTS = [
    ("IVR.intent", "cancel my contract"),
    ("Bot.summary", "Wants to leave; mentions a competitor's offer."),
    ("Customer.account_number", 1001),
    ("Customer.vip", True),
    ("Customer.notes", ""),
]


def test_intent_summary_and_items_are_picked_by_name() -> None:
    names = HandoffNames(items=("account_number", "vip", "notes", "missing"))

    parts = pick_handoff(FACTS, names)

    assert parts is not None
    assert parts.intent == "cancel my contract"
    assert parts.summary == "Wants to leave; mentions a competitor's offer."
    assert [(i.label, i.value) for i in parts.items] == [("Account number", "1001"), ("Vip", "yes")]


def test_nothing_named_means_no_context() -> None:
    assert pick_handoff(FACTS, HandoffNames(intent=("reason",), summary=())) is None


@pytest.mark.parametrize(
    ("wanted", "name", "found"),
    [
        ("intent", "IVR.intent", True),
        ("INTENT", "ivr.Intent", True),
        ("IVR.intent", "IVR.intent", True),
        ("Bot.intent", "IVR.intent", False),
        ("intent", "intention", False),
    ],
)
def test_a_name_without_a_group_matches_in_any_group(wanted: str, name: str, found: bool) -> None:
    assert matches(wanted, name) is found


def test_the_first_listed_name_with_a_value_wins() -> None:
    names = HandoffNames(intent=("Bot.intent", "IVR.intent"))
    facts = [("IVR.intent", "billing"), ("Bot.intent", "cancel")]

    parts = pick_handoff(facts, names)

    assert parts is not None
    assert parts.intent == "cancel"


def test_long_values_are_cut_to_what_an_event_carries() -> None:
    parts = pick_handoff([("intent", "x" * 5000), ("summary", "y" * 30000)], HandoffNames())

    assert parts is not None
    assert (len(parts.intent or ""), len(parts.summary or "")) == (2000, 20000)


def test_the_same_context_has_the_same_fingerprint() -> None:
    first = pick_handoff(FACTS, HandoffNames())
    again = pick_handoff(list(reversed(FACTS)), HandoffNames())
    other = pick_handoff([("intent", "something else")], HandoffNames())

    assert first is not None
    assert again is not None
    assert other is not None
    assert first.digest() == again.digest() != other.digest()


@pytest.mark.parametrize(
    ("name", "label"),
    [("accountNumber", "Account number"), ("Call.ANI", "ANI"), ("Customer.plan_tier", "Plan tier")],
)
def test_labels_read_as_words(name: str, label: str) -> None:
    assert label_of(name) == label
